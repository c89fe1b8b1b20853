// KsTwoSampleSorted, KolmogorovTwoSidedSf and SmirnovSf against scipy 1.10.1 (the Debian
// python3-scipy the oracle runs). Each test batches all of its cases into one Python run.
#include "stats/ks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "stats/drift.h"
#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using mw::testing::RelNear;
using mw::testing::RunOracle;
using nlohmann::json;

// (n, d) pairs that reach every branch of scipy's kolmogn selection.
std::vector<std::pair<int64_t, double>> KolmogorovGrid() {
  std::vector<std::pair<int64_t, double>> grid;
  for (int64_t n : {1, 2, 3, 5, 10, 37, 140, 141, 500, 5000, 20000, 100000, 100001, 3000000}) {
    const double dn = static_cast<double>(n);
    // Ruben–Gambino below 1/n, the n - 1 end, and the x >= 0.5 Smirnov branch.
    for (double t : {0.3, 0.5, 0.5000001, 0.75, 1.0}) grid.emplace_back(n, t / dn);
    if (n > 2) grid.emplace_back(n, (dn - 0.5) / dn);
    for (double d : {0.5, 0.6, 0.93}) grid.emplace_back(n, d);
    // n x^2 across the DMTW / Pomeranz / Pelz–Good / Smirnov / zero cut-overs.
    // scipy's Smirnov sum costs ~0.5 s per call at n = 1e5, so large n gets fewer points
    // (n = 20000 covers the Smirnov branch for n > 140).
    std::vector<double> cs = {0.05, 0.3, 0.754, 1.5, 2.19, 371.0};
    if (n < 20000) {
      cs = {0.05, 0.3,  0.754, 0.76,  1.5,   2.19,  2.21, 3.9,
            4.1,  10.0, 60.0,  300.0, 369.0, 371.0, 500.0};
    } else if (n == 20000) {
      cs.insert(cs.end(), {2.21, 60.0, 369.0});
    }
    for (double c : cs) {
      const double d = std::sqrt(c / dn);
      if (d < 1.0) grid.emplace_back(n, d);
    }
  }
  // Large n with n x^1.5 <= 1.4: the DMTW matrix for n <= 100000, Pelz–Good above.
  grid.emplace_back(20000, 1.5e-3);
  grid.emplace_back(100001, 5e-4);
  return grid;
}

TEST(KolmogorovTwoSidedSf, MatchesScipyKstwoSfOnEveryBranch) {
  const auto grid = KolmogorovGrid();
  json input = json::array();
  for (const auto& [n, d] : grid) input.push_back({n, d});
  const json expected = RunOracle(R"(
import json, sys
from scipy import stats
print(json.dumps([float(stats.kstwo.sf(d, n)) for n, d in json.load(sys.stdin)]))
)",
                                  input);
  ASSERT_EQ(expected.size(), grid.size());
  for (size_t i = 0; i < grid.size(); ++i) {
    const auto& [n, d] = grid[i];
    EXPECT_TRUE(RelNear(KolmogorovTwoSidedSf(n, d), expected[i].get<double>(), 1e-9))
        << "n=" << n << " d=" << json(d).dump();
  }
}

TEST(SmirnovSf, MatchesScipySpecialSmirnov) {
  std::vector<std::pair<int64_t, double>> grid;
  // Not n ~ 1e6: scipy needs ~5 s per value there.
  for (int64_t n : {1, 2, 5, 9, 10, 11, 100, 1000, 50000, 1000001}) {
    const double dn = static_cast<double>(n);
    for (double d : {0.0, 1.0, 0.5 / dn, 1.0 / dn, 2.5 / dn, 1.0 - 1.0 / dn, 1.0 - 0.5 / dn,
                     0.5 / std::sqrt(dn), 1.0 / std::sqrt(dn), 3.0 / std::sqrt(dn), 0.3, 0.7}) {
      if (d >= 0.0 && d <= 1.0) grid.emplace_back(n, d);
    }
  }
  grid.emplace_back(100, 0.025);  // the upper (alternating) sum: 3 terms, x <= 0.5/sqrt(n)
  grid.emplace_back(3, 0.3);      // the upper sum with a single term
  json input = json::array();
  for (const auto& [n, d] : grid) input.push_back({n, d});
  const json expected = RunOracle(R"(
import json, sys
from scipy import special
print(json.dumps([float(special.smirnov(n, d)) for n, d in json.load(sys.stdin)]))
)",
                                  input);
  ASSERT_EQ(expected.size(), grid.size());
  for (size_t i = 0; i < grid.size(); ++i) {
    const auto& [n, d] = grid[i];
    EXPECT_TRUE(RelNear(SmirnovSf(n, d), expected[i].get<double>(), 1e-9))
        << "n=" << n << " d=" << json(d).dump();
  }
}

TEST(SmirnovSf, OutsideTheDomainIsNaN) {
  EXPECT_TRUE(std::isnan(SmirnovSf(0, 0.5)));
  EXPECT_TRUE(std::isnan(SmirnovSf(5, -0.1)));
  EXPECT_TRUE(std::isnan(SmirnovSf(5, 1.5)));
  EXPECT_TRUE(std::isnan(KolmogorovTwoSidedSf(0, 0.5)));
}

struct KsCase {
  std::string label;
  std::vector<double> a, b;
};

std::vector<double> NormalSample(std::mt19937_64& rng, size_t n, double mean, double sd) {
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

std::vector<double> Discrete(std::mt19937_64& rng, size_t n, int levels, int offset) {
  std::uniform_int_distribution<int> dist(0, levels - 1);
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<double>(dist(rng) + offset);
  return v;
}

std::vector<KsCase> KsCases() {
  std::mt19937_64 rng(20240517);
  std::vector<KsCase> cases;
  auto add = [&](std::string label, std::vector<double> a, std::vector<double> b) {
    cases.push_back({std::move(label), std::move(a), std::move(b)});
  };
  // Exact path, unequal sizes, shifted and unshifted, sizes from 1 up.
  std::uniform_int_distribution<int> small(1, 60), medium(61, 3000);
  std::uniform_real_distribution<double> shift(0.0, 1.0);
  for (int k = 0; k < 60; ++k) {
    const size_t n1 = static_cast<size_t>(small(rng)), n2 = static_cast<size_t>(small(rng));
    add("exact-small", NormalSample(rng, n1, 0, 1), NormalSample(rng, n2, shift(rng), 1));
  }
  for (int k = 0; k < 12; ++k) {
    const size_t n1 = static_cast<size_t>(medium(rng)), n2 = static_cast<size_t>(medium(rng));
    add("exact-medium", NormalSample(rng, n1, 0, 1), NormalSample(rng, n2, shift(rng) * 0.3, 1));
  }
  // The n1 == n2 path.
  for (size_t n : {1, 2, 7, 50, 400, 2500}) {
    add("equal-n", NormalSample(rng, n, 0, 1), NormalSample(rng, n, 0.2, 1));
  }
  add("equal-n-10000", NormalSample(rng, 10000, 0, 1), NormalSample(rng, 10000, 0.03, 1));
  // The largest exact case with coprime sizes, and a tiny p-value on the exact path.
  add("exact-10000x9999", NormalSample(rng, 10000, 0, 1), NormalSample(rng, 9999, 0.02, 1));
  add("exact-tiny-p", NormalSample(rng, 800, 0, 1), NormalSample(rng, 700, 0.8, 1));
  // Ties and heavily discretised data.
  add("ties-3-levels", Discrete(rng, 300, 3, 0), Discrete(rng, 257, 3, 0));
  add("ties-10-levels-shift", Discrete(rng, 2000, 10, 0), Discrete(rng, 1500, 10, 1));
  // Identical samples (p = 1) and completely separated samples.
  {
    std::vector<double> same = NormalSample(rng, 123, 0, 1);
    add("identical", same, same);
  }
  add("separated", NormalSample(rng, 40, 0, 1), NormalSample(rng, 33, 100, 1));
  add("single-vs-single", {1.0}, {2.0});
  add("single-vs-many", {0.5}, NormalSample(rng, 500, 0, 1));
  // Asymptotic path: max(n1, n2) > 10000.
  add("asymp-20000x20000", NormalSample(rng, 20000, 0, 1), NormalSample(rng, 20000, 0.01, 1));
  add("asymp-15000x300", NormalSample(rng, 15000, 0, 1), NormalSample(rng, 300, 0.1, 1));
  add("asymp-12000x1", NormalSample(rng, 12000, 0, 1), {0.3});
  add("asymp-shifted", NormalSample(rng, 12000, 0, 1), NormalSample(rng, 5000, 0.5, 1));
  add("asymp-ties", Discrete(rng, 11000, 4, 0), Discrete(rng, 900, 4, 0));
  {
    std::vector<double> same = NormalSample(rng, 10001, 0, 1);
    add("asymp-identical", same, same);
  }
  for (KsCase& c : cases) {
    SortValues(c.a);
    SortValues(c.b);
  }
  return cases;
}

TEST(KsTwoSampleSorted, MatchesScipyKs2samp) {
  const std::vector<KsCase> cases = KsCases();
  json input = json::array();
  for (const KsCase& c : cases) input.push_back({{"a", c.a}, {"b", c.b}});
  const json expected = RunOracle(R"(
import json, sys
from scipy import stats
out = []
for c in json.load(sys.stdin):
    r = stats.ks_2samp(c["a"], c["b"])
    out.append([float(r.statistic), float(r.pvalue)])
print(json.dumps(out))
)",
                                  input);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const KsCase& c = cases[i];
    SCOPED_TRACE(c.label + " n1=" + std::to_string(c.a.size()) +
                 " n2=" + std::to_string(c.b.size()));
    const Result<KsResult> r = KsTwoSampleSorted(c.a, c.b);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_TRUE(RelNear(r->statistic, expected[i][0].get<double>(), 1e-9));
    EXPECT_TRUE(RelNear(r->pvalue, expected[i][1].get<double>(), 1e-6));
    EXPECT_EQ(r->method, std::max(c.a.size(), c.b.size()) <= 10000 ? "exact" : "asymp");
  }
}

TEST(KsTwoSampleSorted, IdenticalSamplesHavePValueOne) {
  const std::vector<double> v = {1, 2, 2, 3, 5, 8};
  const Result<KsResult> r = KsTwoSampleSorted(v, v);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->statistic, 0.0);
  EXPECT_EQ(r->pvalue, 1.0);
}

TEST(KsTwoSampleSorted, SeparatedSamplesHaveStatisticOne) {
  const std::vector<double> a = {1, 2, 3}, b = {10, 11};
  const Result<KsResult> r = KsTwoSampleSorted(a, b);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->statistic, 1.0);
  // Exact: 2 / C(5, 2) = 0.2 of the orderings put one sample wholly below the other.
  EXPECT_NEAR(r->pvalue, 0.2, 1e-15);
}

TEST(KsTwoSampleSorted, RejectsEmptyUnsortedAndNonFiniteInput) {
  const std::vector<double> ok = {1, 2, 3};
  const std::vector<double> empty;
  const std::vector<double> unsorted = {3, 1, 2};
  const std::vector<double> with_nan = {1, std::nan(""), 3};
  const std::vector<double> with_inf = {1, 2, INFINITY};
  for (const auto* bad : {&empty, &unsorted, &with_nan, &with_inf}) {
    const Result<KsResult> r = KsTwoSampleSorted(ok, *bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(KsTwoSampleSorted(*bad, ok).has_value());
  }
}

}  // namespace
}  // namespace mw::stats
