// The 2 x K homogeneity tests of homogeneity.h: the asymptotic path against scipy, the
// conditional Monte Carlo p-value against an exact enumeration of the conditional distribution
// (Python, Fisher-style), determinism, Cochran's switch and numeric level matching.
#include "stats/homogeneity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats/drift.h"
#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using mw::testing::RelNear;
using mw::testing::RunOracle;
using nlohmann::json;

LevelTable Table(std::vector<int64_t> reference, std::vector<int64_t> current) {
  LevelTable t;
  t.reference = std::move(reference);
  t.current = std::move(current);
  return t;
}

TEST(LevelTest, AsymptoticPathEqualsScipyWhenEveryExpectedCountIsAtLeastFive) {
  const std::vector<LevelTable> tables = {
      Table({300, 300, 400}, {310, 290, 400}),
      Table({50, 60, 70, 80}, {20, 25, 40, 30}),
      Table({600, 400}, {500, 500}),
      Table({25, 75}, {10, 20}),
  };
  json input = json::array();
  for (const LevelTable& t : tables) input.push_back({{"r", t.reference}, {"c", t.current}});
  const json expected = RunOracle(R"(
import json, sys
import numpy as np
from scipy import stats
out = []
for case in json.load(sys.stdin):
    r, c = np.array(case["r"], dtype=float), np.array(case["c"], dtype=float)
    chi = stats.chi2_contingency(np.vstack([r, c]), correction=False)
    na, nb = r.sum(), c.sum()
    pooled = (r[0] + c[0]) / (na + nb)
    z = (r[0] / na - c[0] / nb) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    out.append({"chi2": float(chi[0]), "p": float(chi[1]), "z": float(z),
                "zp": float(2 * stats.norm.sf(abs(z))), "min_expected": float(chi[3].min())})
print(json.dumps(out))
)",
                                  input);
  ASSERT_EQ(expected.size(), tables.size());
  for (size_t i = 0; i < tables.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_GE(expected[i]["min_expected"].get<double>(), 5.0);  // premise: Cochran holds
    EXPECT_TRUE(CochranRuleHolds(tables[i]));
    const LevelTestResult chi = LevelTest(tables[i], false, 2000);
    EXPECT_EQ(chi.method, "asymptotic");
    EXPECT_EQ(chi.levels, static_cast<int64_t>(tables[i].levels()));
    EXPECT_TRUE(RelNear(chi.statistic, expected[i]["chi2"], 1e-9));
    EXPECT_TRUE(RelNear(chi.pvalue, expected[i]["p"], 1e-6));
    if (tables[i].levels() == 2) {
      const LevelTestResult z = LevelTest(tables[i], true, 2000);
      EXPECT_EQ(z.method, "asymptotic");
      EXPECT_TRUE(RelNear(z.statistic, expected[i]["z"], 1e-9));
      EXPECT_TRUE(RelNear(z.pvalue, expected[i]["zp"], 1e-6));
    }
  }
}

TEST(LevelTest, MonteCarloPValueAgreesWithExactConditionalEnumeration) {
  // Small tables (some expected count below 5), including ties in X2 across tables and a
  // current row larger than the reference row (the smaller row is the one sampled).
  const std::vector<LevelTable> tables = {
      Table({8, 2, 0}, {3, 4, 2}), Table({20, 15, 5, 1}, {2, 1, 3, 2}), Table({6, 6}, {1, 5}),
      Table({1, 2, 3}, {9, 4, 8}), Table({30, 10, 10}, {5, 0, 0}),      Table({50, 50}, {2, 0}),
  };
  constexpr int kDraws = 20000;
  json input = json::array();
  for (const LevelTable& t : tables) input.push_back({{"r", t.reference}, {"c", t.current}});
  // P(X2* >= X2_obs) under the multivariate hypergeometric law of the current row given both
  // margins, by enumerating every current row with the same total.
  const json expected = RunOracle(R"(
import json, sys, itertools
from math import comb
out = []
for case in json.load(sys.stdin):
    r, c = case["r"], case["c"]
    col = [a + b for a, b in zip(r, c)]
    n1, n2 = sum(r), sum(c)
    n = n1 + n2
    def x2(row):
        s = 0.0
        for x, cj in zip(row, col):
            for obs, tot in ((x, n2), (cj - x, n1)):
                e = tot * cj / n
                s += (obs - e) ** 2 / e
        return s
    observed = x2(c)
    total = comb(n, n2)
    p = 0
    for row in itertools.product(*[range(cj + 1) for cj in col]):
        if sum(row) != n2:
            continue
        w = 1
        for x, cj in zip(row, col):
            w *= comb(cj, x)
        if x2(row) >= observed * (1 - 1e-9):
            p += w
    out.append(p / total)
print(json.dumps(out))
)",
                                  input);
  ASSERT_EQ(expected.size(), tables.size());
  for (size_t i = 0; i < tables.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_FALSE(CochranRuleHolds(tables[i]));
    const double exact = expected[i].get<double>();
    const double se = std::sqrt(std::max(exact * (1 - exact), 1e-4) / kDraws);
    // Both samplers draw from the conditional law.
    for (TableSampler sampler : {TableSampler::kShuffle, TableSampler::kColumns}) {
      const double mc = MonteCarloHomogeneityPValue(tables[i], kDraws, sampler);
      EXPECT_NEAR(mc, exact, 4 * se + 1.0 / kDraws)
          << "exact " << exact << " sampler " << static_cast<int>(sampler);
    }
    const LevelTestResult r = LevelTest(tables[i], false, kDraws);
    EXPECT_EQ(r.method, "monte_carlo");
    EXPECT_EQ(r.pvalue, MonteCarloHomogeneityPValue(tables[i], kDraws));
    // The statistic is still scipy's Pearson X2.
    EXPECT_EQ(r.statistic,
              ChiSquareHomogeneityColumns(tables[i].reference, tables[i].current).statistic);
  }
}

TEST(LevelTest, TheTwoSamplersAgreeOnALargerTable) {
  // A rare new level in a window of 300 rows: too large to enumerate, so the shuffle (whose
  // correctness the enumeration test shows) is the reference for the column sampler.
  const LevelTable t = Table({600, 300, 100, 0}, {200, 80, 19, 1});
  constexpr int kDraws = 20000;
  const double shuffle = MonteCarloHomogeneityPValue(t, kDraws, TableSampler::kShuffle);
  const double columns = MonteCarloHomogeneityPValue(t, kDraws, TableSampler::kColumns);
  const double se = std::sqrt(2 * shuffle * (1 - shuffle) / kDraws);
  EXPECT_GT(shuffle, 0.01);  // premise: not a degenerate p-value
  EXPECT_NEAR(columns, shuffle, 4 * se);
}

TEST(LevelTest, MonteCarloIsDeterministicAndShareableBetweenZAndChiSquare) {
  const LevelTable t = Table({40, 3}, {6, 2});
  const LevelTestResult a = LevelTest(t, true, 2000), b = LevelTest(t, true, 2000);
  EXPECT_EQ(a.method, "monte_carlo");
  EXPECT_EQ(a.pvalue, b.pvalue);
  // z^2 = X2 on a 2 x 2 table: the same draws give the same two-sided p-value.
  const LevelTestResult chi = LevelTest(t, false, 2000);
  EXPECT_EQ(chi.pvalue, a.pvalue);
  EXPECT_NEAR(a.statistic * a.statistic, chi.statistic, 1e-9 * chi.statistic);
  // The smallest attainable p-value is 1 / (B + 1); p is never 0.
  const LevelTable extreme = Table({100, 0}, {0, 30});
  EXPECT_EQ(MonteCarloHomogeneityPValue(extreme, 2000), 1.0 / 2001);
  // A table with X2 = 0 (proportional rows): every draw reaches it.
  EXPECT_EQ(MonteCarloHomogeneityPValue(Table({10, 20}, {1, 2}), 500), 1.0);
}

TEST(LevelTest, DegenerateTables) {
  const LevelTestResult one = LevelTest(Table({10}, {3}), false, 2000);
  EXPECT_EQ(one.method, "exact");
  EXPECT_EQ(one.pvalue, 1.0);
  EXPECT_EQ(one.statistic, 0.0);
  EXPECT_EQ(one.levels, 1);
  EXPECT_TRUE(std::isnan(LevelTest(Table({10, 2}, {0, 0}), false, 2000).pvalue));
}

TEST(TableFromCounts, UnionInNameOrderWithoutEmptyColumns) {
  const CategoryCounts ref = {{"b", 3}, {"a", 1}, {"ghost", 0}};
  const CategoryCounts cur = {{"c", 2}, {"a", 4}};
  const LevelTable t = TableFromCounts(ref, cur);
  EXPECT_EQ(t.reference, (std::vector<int64_t>{1, 3, 0}));
  EXPECT_EQ(t.current, (std::vector<int64_t>{4, 0, 2}));
}

TEST(Levels, FloatNoiseIsTheSameLevelAndARealDifferenceIsNot) {
  EXPECT_TRUE(SameLevel(0.1, 0.1 + 1e-9));
  EXPECT_TRUE(SameLevel(0.0, 0.0));
  EXPECT_TRUE(SameLevel(1e6, 1e6 + 0.5));  // relative: half a unit at a million
  EXPECT_FALSE(SameLevel(0.1, 2.0));
  EXPECT_FALSE(SameLevel(1.0, 1.00001));
  EXPECT_FALSE(SameLevel(0.0, 1e-300));  // zero has no relative neighbourhood

  const std::vector<double> constant(2000, 0.1);
  EXPECT_EQ(ReferenceLevels(constant, 5), std::vector<double>{0.1});
  const std::vector<double> five = {0, 0, 1, 2, 2, 3, 4};
  EXPECT_EQ(ReferenceLevels(five, 5).size(), 5u);
  EXPECT_TRUE(ReferenceLevels(five, 4).empty());  // more levels than allowed
  EXPECT_TRUE(ReferenceLevels(five, 0).empty());  // levels disabled
  const std::vector<double> noisy = {0.1, 0.1 + 1e-12, 0.1 + 2e-9, 0.7};
  EXPECT_EQ(ReferenceLevels(noisy, 5), (std::vector<double>{0.1, 0.7}));

  // Current values: float noise matches 0.1, 2.0 is a new value (its own last column).
  std::vector<double> current = {0.1, 0.1 + 1e-9, 0.1 - 1e-9, 2.0};
  const std::vector<double> levels = ReferenceLevels(constant, 5);
  const LevelTable t = TableFromLevels(levels, constant, current);
  EXPECT_EQ(t.reference, (std::vector<int64_t>{2000, 0}));
  EXPECT_EQ(t.current, (std::vector<int64_t>{3, 1}));
  current.pop_back();
  const LevelTable same = TableFromLevels(levels, constant, current);
  EXPECT_EQ(same.levels(), 1u);
  EXPECT_EQ(LevelTest(same, false, 2000).pvalue, 1.0);

  const LevelTable noisy_table = TableFromLevels(ReferenceLevels(noisy, 5), noisy, noisy);
  EXPECT_EQ(noisy_table.reference, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(noisy_table.current, (std::vector<int64_t>{3, 1}));
}

}  // namespace
}  // namespace mw::stats
