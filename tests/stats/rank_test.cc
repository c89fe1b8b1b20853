// Average ranks and Spearman correlation cross-checked against scipy 1.10.1 (rankdata, spearmanr)
// on randomised inputs with and without ties, and the feature-importance comparison.
#include "stats/rank.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using nlohmann::json;

::testing::AssertionResult RhoNear(double actual, double expected) {
  const double tolerance = std::max(1e-9 * std::max(std::abs(actual), std::abs(expected)), 1e-12);
  if (std::abs(actual - expected) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << actual << ", expected " << expected;
}

struct PairCase {
  std::string kind;
  std::vector<double> x, y;
};

// x and y of one size and shape; y follows x loosely so correlations spread over (-1, 1).
std::vector<PairCase> MakePairCases() {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<PairCase> cases;
  const std::vector<std::string> kinds = {"continuous", "round1",   "few_values",
                                          "monotonic",  "reversed", "signed_zero_inf"};
  for (const size_t n : {1, 2, 3, 10, 100, 1000, 10000}) {
    for (const std::string& kind : kinds) {
      PairCase c{kind + "/" + std::to_string(n), {}, {}};
      const double slope = normal(rng);
      for (size_t i = 0; i < n; ++i) {
        double x = normal(rng), y = slope * x + normal(rng);
        if (kind == "round1") {
          x = std::round(x * 10) / 10;
          y = std::round(y * 10) / 10;
        } else if (kind == "few_values") {
          x = static_cast<double>(rng() % 3);
          y = static_cast<double>(rng() % 4) + x;
        } else if (kind == "monotonic") {
          y = std::exp(x);
        } else if (kind == "reversed") {
          y = -x * x * x;
        } else if (kind == "signed_zero_inf") {
          // One sign of infinity per case: scipy 1.10.1 would see NaN in +inf and -inf together
          // (its NaN check sums the values, and inf + -inf is NaN) and answer NaN throughout.
          const double inf = (n % 2 == 0 ? 1.0 : -1.0) * std::numeric_limits<double>::infinity();
          const double specials[] = {0.0, -0.0, inf};
          if (rng() % 3 == 0) x = specials[rng() % 3];
          if (rng() % 5 == 0) y = inf;
        }
        c.x.push_back(x);
        c.y.push_back(y);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// JSON has no infinities: they travel as strings.
json Encode(const std::vector<double>& v) {
  json out = json::array();
  for (const double x : v) {
    if (std::isinf(x)) {
      out.push_back(x > 0 ? "inf" : "-inf");
    } else {
      out.push_back(x);
    }
  }
  return out;
}

constexpr const char* kRankOracle = R"PY(
import json, math, sys, warnings
import numpy as np
from scipy.stats import rankdata, spearmanr
warnings.simplefilter("ignore")
out = []
for case in json.load(sys.stdin)["cases"]:
    x = np.array([float(v) for v in case["x"]], dtype=np.float64)
    y = np.array([float(v) for v in case["y"]], dtype=np.float64)
    rho = spearmanr(x, y).statistic if len(x) > 0 else float("nan")
    out.append({
        "rx": rankdata(x).tolist(),
        "ry": rankdata(y).tolist(),
        "rho": None if math.isnan(rho) else float(rho),
    })
print(json.dumps(out))
)PY";

TEST(RankTest, AverageRanksAndSpearmanMatchScipy) {
  const std::vector<PairCase> cases = MakePairCases();
  json input = {{"cases", json::array()}};
  for (const PairCase& c : cases) {
    input["cases"].push_back({{"x", Encode(c.x)}, {"y", Encode(c.y)}});
  }
  const json expected = json::parse(testing::RunPython(kRankOracle, input.dump()));
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].kind);
    // Average ranks are multiples of 1/2: exact in both implementations.
    EXPECT_EQ(AverageRanks(cases[i].x), expected[i]["rx"].get<std::vector<double>>());
    EXPECT_EQ(AverageRanks(cases[i].y), expected[i]["ry"].get<std::vector<double>>());
    const std::optional<double> rho = SpearmanCorrelation(cases[i].x, cases[i].y);
    const json& want = expected[i]["rho"];
    ASSERT_EQ(rho.has_value(), !want.is_null());
    if (rho) {
      EXPECT_TRUE(RhoNear(*rho, want.get<double>()));
    }
  }
}

TEST(RankTest, AverageRanksOfKnownTies) {
  EXPECT_EQ(AverageRanks(std::vector<double>{10, 20, 10, 30, 20, 20}),
            (std::vector<double>{1.5, 4, 1.5, 6, 4, 4}));
  EXPECT_TRUE(AverageRanks({}).empty());
}

TEST(RankTest, AverageRanksOrderBothInfinitiesAndTieSignedZeros) {
  // scipy 1.10.1 answers all-NaN here (see rank.h); the ranks are well defined.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(AverageRanks(std::vector<double>{inf, 0.0, -inf, -0.0, 1}),
            (std::vector<double>{5, 2.5, 1, 2.5, 4}));
}

TEST(RankTest, AverageRanksPropagateNanToEveryRank) {
  const std::vector<double> ranks =
      AverageRanks(std::vector<double>{1, std::numeric_limits<double>::quiet_NaN(), 3});
  ASSERT_EQ(ranks.size(), 3u);
  for (const double r : ranks) EXPECT_TRUE(std::isnan(r));
}

TEST(RankTest, SpearmanOfMonotonicAndReversedIsExactlyOne) {
  const std::vector<double> x = {1, 2, 3, 4, 5}, up = {1, 4, 9, 16, 100}, down = {5, 4, 3, 2, 1};
  EXPECT_EQ(SpearmanCorrelation(x, up), 1.0);
  EXPECT_EQ(SpearmanCorrelation(x, down), -1.0);
}

TEST(RankTest, SpearmanIsUndefinedForShortConstantNanOrMismatchedInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(SpearmanCorrelation({}, {}).has_value());
  EXPECT_FALSE(SpearmanCorrelation(std::vector<double>{1}, std::vector<double>{2}).has_value());
  EXPECT_FALSE(
      SpearmanCorrelation(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}).has_value());
  EXPECT_FALSE(
      SpearmanCorrelation(std::vector<double>{1, 2, 3}, std::vector<double>{4, 4, 4}).has_value());
  EXPECT_FALSE(SpearmanCorrelation(std::vector<double>{1, nan, 3}, std::vector<double>{1, 2, 3})
                   .has_value());
  EXPECT_FALSE(
      SpearmanCorrelation(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2}).has_value());
}

TEST(FeatureImportanceTest, ReportsMovesSpearmanAndOneSidedFeatures) {
  const std::map<std::string, double> old_imp = {{"a", 0.5}, {"b", 0.3}, {"c", 0.2}, {"d", 0.1}};
  const std::map<std::string, double> new_imp = {{"a", 0.1}, {"b", 0.3}, {"c", 0.4}, {"e", 0.9}};
  const ImportanceChange change = CompareFeatureImportance(old_imp, new_imp);
  EXPECT_EQ(change.common_features, 3);
  ASSERT_TRUE(change.spearman.has_value());
  EXPECT_DOUBLE_EQ(*change.spearman, -1.0);
  EXPECT_EQ(change.only_in_old, std::vector<std::string>{"d"});
  EXPECT_EQ(change.only_in_new, std::vector<std::string>{"e"});
  // Among a, b, c: old order a, b, c; new order c, b, a. The newcomer e (0.9) does not push c
  // down: ranks are among the common features.
  ASSERT_EQ(change.moves.size(), 3u);
  EXPECT_EQ(change.moves[0].feature, "a");
  EXPECT_EQ(change.moves[0].old_rank, 1);
  EXPECT_EQ(change.moves[0].new_rank, 3);
  EXPECT_EQ(change.moves[0].moved, -2);
  EXPECT_EQ(change.moves[1].feature, "c");
  EXPECT_EQ(change.moves[1].moved, 2);
  EXPECT_EQ(change.moves[2].feature, "b");
  EXPECT_EQ(change.moves[2].moved, 0);
}

TEST(FeatureImportanceTest, TiesShareTheBestRankAndDoNotLookLikeMoves) {
  const std::map<std::string, double> old_imp = {{"a", 1}, {"b", 1}, {"c", 0}};
  const std::map<std::string, double> new_imp = {{"a", 2}, {"b", 2}, {"c", 0}};
  const ImportanceChange change = CompareFeatureImportance(old_imp, new_imp);
  ASSERT_EQ(change.moves.size(), 3u);
  for (const RankMove& move : change.moves) EXPECT_EQ(move.moved, 0) << move.feature;
  EXPECT_EQ(change.moves[0].feature, "a");  // all |moved| 0: by name
  EXPECT_EQ(change.moves[0].old_rank, 1);
  EXPECT_EQ(change.moves[1].old_rank, 1);
  EXPECT_EQ(change.moves[2].old_rank, 3);
  EXPECT_DOUBLE_EQ(*change.spearman, 1.0);
}

TEST(FeatureImportanceTest, NanImportanceRanksLastAndLeavesSpearmanUndefined) {
  const std::map<std::string, double> old_imp = {{"a", 0.1}, {"b", 0.2}, {"c", 0.3}};
  const std::map<std::string, double> new_imp = {
      {"a", 0.1}, {"b", 0.2}, {"c", std::numeric_limits<double>::quiet_NaN()}};
  const ImportanceChange change = CompareFeatureImportance(old_imp, new_imp);
  EXPECT_FALSE(change.spearman.has_value());
  ASSERT_EQ(change.moves.size(), 3u);
  EXPECT_EQ(change.moves[0].feature, "c");
  EXPECT_EQ(change.moves[0].old_rank, 1);
  EXPECT_EQ(change.moves[0].new_rank, 3);
}

TEST(FeatureImportanceTest, DisjointOrEmptyTablesHaveNoCommonFeatures) {
  const ImportanceChange disjoint = CompareFeatureImportance({{"a", 1}}, {{"b", 1}});
  EXPECT_EQ(disjoint.common_features, 0);
  EXPECT_FALSE(disjoint.spearman.has_value());
  EXPECT_TRUE(disjoint.moves.empty());
  EXPECT_EQ(disjoint.only_in_old, std::vector<std::string>{"a"});
  EXPECT_EQ(disjoint.only_in_new, std::vector<std::string>{"b"});
  const ImportanceChange empty = CompareFeatureImportance({}, {});
  EXPECT_EQ(empty.common_features, 0);
  EXPECT_TRUE(empty.only_in_old.empty() && empty.only_in_new.empty());
}

// Random importance tables: the Spearman over common features equals scipy's spearmanr on the
// paired importances, and the moves agree with competition ranks computed independently
// (scipy rankdata(-v, method='min')).
constexpr const char* kImportanceOracle = R"PY(
import json, math, sys, warnings
import numpy as np
from scipy.stats import rankdata, spearmanr
warnings.simplefilter("ignore")
out = []
for case in json.load(sys.stdin)["cases"]:
    old, new = case["old"], case["new"]
    common = sorted(set(old) & set(new))
    o = np.array([old[k] for k in common], dtype=np.float64)
    n = np.array([new[k] for k in common], dtype=np.float64)
    rho = spearmanr(o, n).statistic if len(common) > 1 else float("nan")
    ro = rankdata(-o, method="min").astype(int).tolist() if common else []
    rn = rankdata(-n, method="min").astype(int).tolist() if common else []
    out.append({
        "rho": None if math.isnan(rho) else float(rho),
        "ranks": {k: [ro[i], rn[i]] for i, k in enumerate(common)},
        "only_old": sorted(set(old) - set(new)),
        "only_new": sorted(set(new) - set(old)),
    })
print(json.dumps(out))
)PY";

TEST(FeatureImportanceTest, MatchesScipyOnRandomTables) {
  std::mt19937_64 rng(17);
  std::vector<std::pair<std::map<std::string, double>, std::map<std::string, double>>> cases;
  for (int k = 0; k < 60; ++k) {
    std::map<std::string, double> old_imp, new_imp;
    const size_t features = 1 + rng() % 40;
    const bool coarse = k % 3 == 0;  // two decimals: many ties
    for (size_t f = 0; f < features; ++f) {
      const std::string name = "f" + std::to_string(rng() % 60);
      double v = static_cast<double>(rng() % 1000000) / 1e6;
      if (coarse) v = std::round(v * 10) / 10;
      if (rng() % 5 != 0) old_imp[name] = v;
      if (rng() % 5 != 0)
        new_imp[name] = coarse ? v : v + 0.3 * static_cast<double>(rng() % 100) / 100;
    }
    cases.emplace_back(std::move(old_imp), std::move(new_imp));
  }
  json input = {{"cases", json::array()}};
  for (const auto& [o, n] : cases) input["cases"].push_back({{"old", o}, {"new", n}});
  const json expected = json::parse(testing::RunPython(kImportanceOracle, input.dump()));
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE("case " + std::to_string(k));
    const ImportanceChange change = CompareFeatureImportance(cases[k].first, cases[k].second);
    const json& e = expected[k];
    ASSERT_EQ(change.spearman.has_value(), !e["rho"].is_null());
    if (change.spearman) {
      EXPECT_TRUE(RhoNear(*change.spearman, e["rho"].get<double>()));
    }
    EXPECT_EQ(change.only_in_old, e["only_old"].get<std::vector<std::string>>());
    EXPECT_EQ(change.only_in_new, e["only_new"].get<std::vector<std::string>>());
    EXPECT_EQ(change.common_features, static_cast<int64_t>(e["ranks"].size()));
    ASSERT_EQ(change.moves.size(), e["ranks"].size());
    for (size_t i = 0; i < change.moves.size(); ++i) {
      const RankMove& move = change.moves[i];
      const std::vector<int64_t> ranks = e["ranks"][move.feature].get<std::vector<int64_t>>();
      EXPECT_EQ(move.old_rank, ranks[0]) << move.feature;
      EXPECT_EQ(move.new_rank, ranks[1]) << move.feature;
      EXPECT_EQ(move.moved, move.old_rank - move.new_rank);
      if (i > 0) {
        const RankMove& prev = change.moves[i - 1];
        EXPECT_TRUE(std::abs(prev.moved) > std::abs(move.moved) ||
                    (std::abs(prev.moved) == std::abs(move.moved) && prev.feature < move.feature))
            << prev.feature << " before " << move.feature;
      }
    }
  }
}

}  // namespace
}  // namespace mw::stats
