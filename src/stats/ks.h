// The two-sample Kolmogorov–Smirnov test, ported from scipy 1.10.1 so that modelwatch's statistic
// and p-value equal `scipy.stats.ks_2samp(a, b)` (alternative="two-sided", method="auto").
//
// What scipy does, and so what this does:
//   * D = max |F_a(x) - F_b(x)| over every observed value x (ties handled by counting values
//     <= x), each ECDF value computed as count / size in double precision.
//   * When max(n_a, n_b) <= 10000 the p-value is exact: D is snapped to the lattice
//     h / lcm(n_a, n_b) (h = round-half-even(D * lcm)), which is also the statistic reported, and
//     P(D_{n_a,n_b} >= D) is computed by counting lattice paths (Hodges; Viehmann's 1 - p
//     recursion when n_a != n_b, the alternating series when n_a == n_b). If that computation
//     leaves [0, 1] the test falls back to the asymptotic path, as scipy does.
//   * Otherwise the p-value is kstwo.sf(D, round(n_a n_b / (n_a + n_b))), the one-sample
//     two-sided Kolmogorov distribution evaluated with Simard & L'Ecuyer's choice of algorithm
//     (Ruben–Gambino, Durbin/Marsaglia–Tsang–Wang matrix, Pomeranz, Pelz–Good, 2 x Smirnov).
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace mw::stats {

struct KsResult {
  double statistic = 0;  // D in [0, 1]; on the exact path, D snapped to the lcm lattice
  double pvalue = 1;     // in [0, 1]
  std::string method;    // the method that produced the p-value: "exact" | "asymp"
};

// scipy.stats.ks_2samp(a, b) for sorted samples.
// Preconditions checked: both non-empty, ascending, finite; otherwise kInvalidArgument.
// Cost: O(n_a + n_b) for D, plus up to O(n_a * n_b / gcd) arithmetic on the exact path
// (a few milliseconds at 10000 x 9999) and at most O(n) on the asymptotic path.
Result<KsResult> KsTwoSampleSorted(std::span<const double> a, std::span<const double> b);

// scipy.stats.kstwo.sf(d, n): P(D_n >= d) for the two-sided one-sample statistic with n
// observations. Returns 1 for d <= 0.5 / n, 0 for d >= 1, NaN for n < 1 or NaN d.
double KolmogorovTwoSidedSf(int64_t n, double d);

// scipy.special.smirnov(n, d): P(D_n^+ >= d) for the one-sided one-sample statistic.
// Returns NaN outside n >= 1, 0 <= d <= 1.
double SmirnovSf(int64_t n, double d);

}  // namespace mw::stats
