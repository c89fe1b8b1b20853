// The drift statistics in drift.h against numpy 1.24 / scipy 1.10.1 (Debian's python3), and
// Benjamini–Hochberg against a numpy transcription of statsmodels' fdr_bh. Each test batches
// its cases into one Python run.
#include "stats/drift.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using mw::testing::RelNear;
using mw::testing::RunOracle;
using nlohmann::json;

struct NumericCase {
  std::string label;
  std::vector<double> reference, current;
};

std::vector<double> Normal(std::mt19937_64& rng, size_t n, double mean, double sd) {
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

std::vector<double> Discrete(std::mt19937_64& rng, size_t n, int levels) {
  std::uniform_int_distribution<int> dist(0, levels - 1);
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<double>(dist(rng));
  return v;
}

std::vector<NumericCase> NumericCases() {
  std::mt19937_64 rng(7);
  std::vector<NumericCase> cases;
  auto add = [&](std::string label, std::vector<double> r, std::vector<double> c) {
    SortValues(r);
    SortValues(c);
    cases.push_back({std::move(label), std::move(r), std::move(c)});
  };
  std::uniform_int_distribution<int> size(1, 3000);
  std::uniform_real_distribution<double> shift(-0.5, 0.5), scale(0.5, 2.0);
  for (int k = 0; k < 40; ++k) {
    add("random", Normal(rng, static_cast<size_t>(size(rng)), 0, 1),
        Normal(rng, static_cast<size_t>(size(rng)), shift(rng), scale(rng)));
  }
  // Sizes where (n - 1) * q lands on an integer, so quantile edges equal observed values.
  for (size_t n : {1, 2, 3, 9, 11, 21, 101, 1001}) {
    add("edge-on-value", Normal(rng, n, 0, 1), Normal(rng, 500, 0.1, 1));
  }
  add("discrete-4", Discrete(rng, 2000, 4), Discrete(rng, 3000, 4));
  add("discrete-2-vs-3", Discrete(rng, 900, 2), Discrete(rng, 700, 3));
  add("constant-reference", std::vector<double>(50, 3.0), Normal(rng, 60, 3, 1));
  add("constant-both", std::vector<double>(50, 3.0), std::vector<double>(20, 3.0));
  {
    std::vector<double> same = Normal(rng, 777, 5, 2);
    add("identical", same, same);
  }
  add("separated", Normal(rng, 300, 0, 1), Normal(rng, 200, 50, 1));
  add("current-outside-reference", Normal(rng, 400, 0, 0.1), Normal(rng, 400, 0, 10));
  add("large", Normal(rng, 20001, 0, 1), Normal(rng, 20000, 0.05, 1.1));
  return cases;
}

TEST(NumericDriftStatistics, MatchNumpyAndScipy) {
  const std::vector<NumericCase> cases = NumericCases();
  json input = json::array();
  for (const NumericCase& c : cases) input.push_back({{"r", c.reference}, {"c", c.current}});
  // psi() is copied verbatim from bench/baseline/drift_scipy.py.
  const json expected = RunOracle(R"(
import json, sys
import numpy as np
from scipy import stats

def psi(r, c, bins=10):
    edges = np.quantile(r, np.linspace(0, 1, bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    pr = np.clip(np.histogram(r, edges)[0] / len(r), 1e-4, None)
    pc = np.clip(np.histogram(c, edges)[0] / len(c), 1e-4, None)
    return float(np.sum((pc - pr) * np.log(pc / pr)))

out = []
for case in json.load(sys.stdin):
    r, c = np.array(case["r"]), np.array(case["c"])
    w = float(stats.wasserstein_distance(r, c))
    sd = float(np.std(r))
    edges = np.quantile(r, np.linspace(0, 1, 11))
    out.append({"w": w, "std": sd, "wnorm": (w / sd) if sd > 0 else None,
                "edges": [float(e) for e in edges[1:-1]], "psi": psi(r, c),
                "psi4": None})
    e4 = np.quantile(r, np.linspace(0, 1, 5)); e4[0], e4[-1] = -np.inf, np.inf
    pr = np.clip(np.histogram(r, e4)[0] / len(r), 1e-3, None)
    pc = np.clip(np.histogram(c, e4)[0] / len(c), 1e-3, None)
    out[-1]["psi4"] = float(np.sum((pc - pr) * np.log(pc / pr)))
print(json.dumps(out))
)",
                                  input);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const NumericCase& c = cases[i];
    const json& e = expected[i];
    SCOPED_TRACE(c.label + " reference=" + std::to_string(c.reference.size()) +
                 " current=" + std::to_string(c.current.size()));
    EXPECT_TRUE(RelNear(Wasserstein1Sorted(c.reference, c.current), e["w"], 1e-9));
    EXPECT_TRUE(RelNear(PopulationStdDev(c.reference), e["std"], 1e-12));
    const std::optional<double> wnorm = NormalizedWasserstein(c.reference, c.current);
    if (e["wnorm"].is_null()) {
      EXPECT_FALSE(wnorm.has_value());
    } else {
      ASSERT_TRUE(wnorm.has_value());
      EXPECT_TRUE(RelNear(*wnorm, e["wnorm"], 1e-9));
    }
    const std::vector<double> edges = QuantileEdges(c.reference, 10);
    ASSERT_EQ(edges.size(), 11u);
    EXPECT_EQ(edges.front(), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(edges.back(), std::numeric_limits<double>::infinity());
    for (size_t k = 1; k < 10; ++k) {
      // Bit-for-bit: a current value between two candidate edges would change a bin count.
      EXPECT_EQ(edges[k], e["edges"][k - 1].get<double>()) << "edge " << k;
    }
    EXPECT_TRUE(RelNear(Psi(c.reference, c.current), e["psi"], 1e-9));
    EXPECT_TRUE(RelNear(Psi(c.reference, c.current, 4, 1e-3), e["psi4"], 1e-9));
  }
}

TEST(NumericDriftStatistics, IdenticalSamplesHaveZeroDistance) {
  const std::vector<double> v = {1, 2, 2, 3, 7};
  EXPECT_EQ(Wasserstein1Sorted(v, v), 0.0);
  EXPECT_EQ(Psi(v, v), 0.0);
  EXPECT_EQ(NormalizedWasserstein(v, v), 0.0);
}

TEST(NumericDriftStatistics, WassersteinOfAShiftIsTheShift) {
  const std::vector<double> a = {0, 1, 2, 3}, b = {0.5, 1.5, 2.5, 3.5};
  EXPECT_DOUBLE_EQ(Wasserstein1Sorted(a, b), 0.5);
}

TEST(NumericDriftStatistics, EmptyInputsGiveNaNAndNoEdges) {
  const std::vector<double> v = {1, 2, 3};
  const std::vector<double> empty;
  EXPECT_TRUE(std::isnan(Wasserstein1Sorted(v, empty)));
  EXPECT_TRUE(std::isnan(PopulationStdDev(empty)));
  EXPECT_TRUE(std::isnan(Psi(empty, v)));
  EXPECT_TRUE(std::isnan(Psi(v, v, 0)));
  EXPECT_TRUE(QuantileEdges(empty, 10).empty());
  EXPECT_TRUE(QuantileEdges(v, 0).empty());
}

TEST(SortValues, SortsLikeStdSortIncludingNegativeZeroAndInfinities) {
  std::mt19937_64 rng(3);
  std::vector<double> v = Normal(rng, 100000, 0, 1e6);
  v.push_back(std::numeric_limits<double>::infinity());
  v.push_back(-std::numeric_limits<double>::infinity());
  v.push_back(0.0);
  v.push_back(-0.0);
  std::vector<double> expected = v;
  std::sort(expected.begin(), expected.end());
  SortValues(v);
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], expected[i]) << i;
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
}

TEST(SortValues, SortsSingleSignedAndSmallInputs) {
  std::mt19937_64 rng(4);
  for (double sign : {-1.0, 1.0}) {
    std::vector<double> v = Normal(rng, 5000, 0, 1e-300);
    for (double& x : v) x = sign * std::fabs(x);
    v.push_back(sign * 0.0);
    v.push_back(sign * std::numeric_limits<double>::max());
    std::vector<double> expected = v;
    std::sort(expected.begin(), expected.end());
    SortValues(v);
    EXPECT_EQ(v, expected);
  }
  std::vector<double> empty, one = {2.5};
  SortValues(empty);
  SortValues(one);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(one, std::vector<double>{2.5});
}

TEST(IsSortedFinite, AcceptsSortedFiniteAndRejectsTheRest) {
  EXPECT_TRUE(IsSortedFinite(std::vector<double>{}));
  EXPECT_TRUE(IsSortedFinite(std::vector<double>{1, 1, 2}));
  EXPECT_FALSE(IsSortedFinite(std::vector<double>{2, 1}));
  EXPECT_FALSE(IsSortedFinite(std::vector<double>{1, NAN, 2}));
  EXPECT_FALSE(IsSortedFinite(std::vector<double>{-INFINITY, 1}));
  EXPECT_FALSE(IsSortedFinite(std::vector<double>{1, INFINITY}));
}

struct CategoricalCase {
  std::string label;
  CategoryCounts reference, current;
};

std::vector<CategoricalCase> CategoricalCases() {
  std::mt19937_64 rng(11);
  std::vector<CategoricalCase> cases;
  std::uniform_int_distribution<int> ncat(2, 15), count(0, 5000);
  for (int k = 0; k < 30; ++k) {
    CategoricalCase c{"random", {}, {}};
    const int n = ncat(rng);
    for (int j = 0; j < n; ++j) {
      const std::string name = "k" + std::to_string(j);
      // Some categories only on one side.
      const int which = static_cast<int>(rng() % 6);
      if (which != 0) c.reference[name] = count(rng) + 1;
      if (which != 1) c.current[name] = count(rng) + 1;
    }
    if (c.reference.empty()) c.reference["k0"] = 1;
    if (c.current.empty()) c.current["k0"] = 1;
    cases.push_back(std::move(c));
  }
  cases.push_back({"one-category", {{"a", 10}}, {{"a", 30}}});
  cases.push_back({"two-categories", {{"no", 700}, {"yes", 300}}, {{"no", 640}, {"yes", 360}}});
  cases.push_back({"disjoint", {{"a", 5}, {"b", 7}}, {{"c", 4}}});
  cases.push_back({"identical", {{"a", 5}, {"b", 7}, {"c", 1}}, {{"a", 5}, {"b", 7}, {"c", 1}}});
  cases.push_back({"proportional", {{"a", 1}, {"b", 3}}, {{"a", 1000}, {"b", 3000}}});
  cases.push_back(
      {"unseen-category", {{"a", 500}, {"b", 500}}, {{"a", 450}, {"b", 450}, {"z", 100}}});
  cases.push_back(
      {"large-counts", {{"a", 10000000}, {"b", 20000000}}, {{"a", 100000001}, {"b", 199999999}}});
  return cases;
}

json CountsJson(const CategoryCounts& counts) {
  json out = json::object();
  for (const auto& [name, n] : counts) out[name] = n;
  return out;
}

TEST(CategoricalDriftStatistics, MatchScipy) {
  const std::vector<CategoricalCase> cases = CategoricalCases();
  json input = json::array();
  for (const CategoricalCase& c : cases) {
    input.push_back({{"r", CountsJson(c.reference)}, {"c", CountsJson(c.current)}});
  }
  const json expected = RunOracle(R"(
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial import distance

out = []
for case in json.load(sys.stdin):
    cats = sorted(set(case["r"]) | set(case["c"]))
    fr = np.array([case["r"].get(k, 0) for k in cats], dtype=float)
    fc = np.array([case["c"].get(k, 0) for k in cats], dtype=float)
    js = float(distance.jensenshannon(fr, fc))
    keep = (fr + fc) > 0
    chi = stats.chi2_contingency(np.vstack([fr[keep], fc[keep]]), correction=False)
    res = {"js": js, "chi2": float(chi[0]), "p": float(chi[1]), "dof": int(chi[2])}
    if len(cats) == 2:
        na, nb = fr.sum(), fc.sum()
        pooled = (fr[0] + fc[0]) / (na + nb)
        z = (fr[0] / na - fc[0] / nb) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        res["z"] = float(z)
        res["zp"] = float(2 * stats.norm.sf(abs(z)))
    out.append(res)
print(json.dumps(out))
)",
                                  input);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const CategoricalCase& c = cases[i];
    const json& e = expected[i];
    SCOPED_TRACE(c.label + " #" + std::to_string(i));
    EXPECT_TRUE(RelNear(JensenShannonDistance(c.reference, c.current), e["js"], 1e-9));
    const ChiSquareResult chi = ChiSquareHomogeneity(c.reference, c.current);
    EXPECT_TRUE(RelNear(chi.statistic, e["chi2"], 1e-9));
    EXPECT_TRUE(RelNear(chi.pvalue, e["p"], 1e-6));
    EXPECT_EQ(chi.dof, e["dof"].get<int64_t>());
    if (e.contains("z")) {
      const auto first = c.reference.begin()->first < c.current.begin()->first
                             ? c.reference.begin()->first
                             : c.current.begin()->first;
      auto count = [&](const CategoryCounts& m) {
        auto it = m.find(first);
        return it == m.end() ? int64_t{0} : it->second;
      };
      int64_t nr = 0, nc = 0;
      for (const auto& [k, n] : c.reference) nr += n;
      for (const auto& [k, n] : c.current) nc += n;
      const ZTestResult z = TwoProportionZTest(count(c.reference), nr, count(c.current), nc);
      EXPECT_TRUE(RelNear(z.statistic, e["z"], 1e-9));
      EXPECT_TRUE(RelNear(z.pvalue, e["zp"], 1e-6));
    }
  }
}

TEST(CategoricalDriftStatistics, IdenticalDistributionsHaveZeroDistanceAndPValueOne) {
  const CategoryCounts a = {{"x", 10}, {"y", 30}}, b = {{"x", 100}, {"y", 300}};
  EXPECT_EQ(JensenShannonDistance(a, b), 0.0);
  const ChiSquareResult chi = ChiSquareHomogeneity(a, b);
  EXPECT_EQ(chi.statistic, 0.0);
  EXPECT_EQ(chi.pvalue, 1.0);
  EXPECT_EQ(chi.dof, 1);
}

TEST(CategoricalDriftStatistics, DisjointSupportsHaveMaximalJensenShannon) {
  EXPECT_DOUBLE_EQ(JensenShannonDistance({{"a", 3}}, {{"b", 9}}), std::sqrt(std::log(2.0)));
}

TEST(CategoricalDriftStatistics, ChiSquareWithOneCategoryIsDegenerate) {
  const ChiSquareResult chi = ChiSquareHomogeneity({{"a", 3}, {"b", 0}}, {{"a", 9}});
  EXPECT_EQ(chi.dof, 0);
  EXPECT_EQ(chi.statistic, 0.0);
  EXPECT_EQ(chi.pvalue, 1.0);
}

TEST(CategoricalDriftStatistics, EmptySideGivesNaN) {
  EXPECT_TRUE(std::isnan(JensenShannonDistance({}, {{"a", 1}})));
  EXPECT_TRUE(std::isnan(ChiSquareHomogeneity({{"a", 0}}, {{"a", 1}}).pvalue));
}

TEST(TwoProportionZTest, NoVarianceMeansNoEvidence) {
  // Both samples all failures, then both all successes: pooled p (1 - p) == 0.
  for (const ZTestResult& z :
       {TwoProportionZTest(0, 40, 0, 70), TwoProportionZTest(40, 40, 70, 70)}) {
    EXPECT_EQ(z.statistic, 0.0);
    EXPECT_EQ(z.pvalue, 1.0);
  }
}

TEST(TwoProportionZTest, InvalidCountsGiveNaN) {
  EXPECT_TRUE(std::isnan(TwoProportionZTest(1, 0, 1, 2).pvalue));
  EXPECT_TRUE(std::isnan(TwoProportionZTest(3, 2, 1, 2).pvalue));
  EXPECT_TRUE(std::isnan(TwoProportionZTest(-1, 2, 1, 2).pvalue));
}

TEST(BenjaminiHochbergAdjusted, MatchesStatsmodelsFdrBh) {
  std::mt19937_64 rng(5);
  std::vector<std::vector<double>> cases = {
      {},
      {0.03},
      {0.01, 0.01, 0.04, 0.04, 1.0, 0.0},
      {0.5, 0.2, 0.2, 0.2, 0.9},
  };
  std::uniform_real_distribution<double> u(0, 1);
  for (int k = 0; k < 30; ++k) {
    std::vector<double> p(1 + rng() % 40);
    for (double& x : p) x = std::pow(u(rng), 1 + static_cast<double>(rng() % 4));
    cases.push_back(std::move(p));
  }
  // statsmodels.stats.multitest.fdrcorrection / multipletests(method="fdr_bh"), transcribed.
  const json expected = RunOracle(R"(
import json, sys
import numpy as np
out = []
for p in json.load(sys.stdin):
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        out.append([]); continue
    order = np.argsort(p)
    ps = p[order]
    ecdffactor = np.arange(1, len(ps) + 1) / float(len(ps))
    corrected = np.minimum.accumulate((ps / ecdffactor)[::-1])[::-1]
    corrected[corrected > 1] = 1
    back = np.empty_like(corrected); back[order] = corrected
    out.append([float(x) for x in back])
print(json.dumps(out))
)",
                                  json(cases));
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<double> adjusted = BenjaminiHochbergAdjusted(cases[i]);
    ASSERT_EQ(adjusted.size(), expected[i].size());
    for (size_t k = 0; k < adjusted.size(); ++k) {
      EXPECT_TRUE(RelNear(adjusted[k], expected[i][k], 1e-12)) << "case " << i << " index " << k;
    }
  }
}

TEST(BenjaminiHochbergAdjusted, WorkedExample) {
  // m = 4: sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.04, 0.04, 0.5 (running minimum from the top).
  const std::vector<double> adjusted =
      BenjaminiHochbergAdjusted(std::vector{0.5, 0.03, 0.01, 0.02});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_DOUBLE_EQ(adjusted[0], 0.5);
  EXPECT_DOUBLE_EQ(adjusted[1], 0.04);
  EXPECT_DOUBLE_EQ(adjusted[2], 0.04);
  EXPECT_DOUBLE_EQ(adjusted[3], 0.04);
}

}  // namespace
}  // namespace mw::stats
