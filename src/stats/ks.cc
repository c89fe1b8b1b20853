// scipy 1.10.1 stats.ks_2samp (two-sided, method="auto"): the statistic, the exact lattice-path
// p-value (_attempt_exact_2kssamp, _compute_prob_outside_square and the pythran
// _compute_outer_prob_inside_method) and the asymptotic kstwo.sf path.
#include "stats/ks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "stats/drift.h"

namespace mw::stats {
namespace {

// ks_2samp's MAX_AUTO_N: "auto" is exact when both sizes are at most this.
constexpr int64_t kMaxAutoN = 10000;

// P(D_{n,n} >= h/n) = 2 * (C(2n, n-h) - C(2n, n-2h) + ...) / C(2n, n), evaluated as
// 2 * A0 * (1 - A1 * (1 - A2 * (...))) to avoid the cancellation.
double ProbOutsideSquare(int64_t n, int64_t h) {
  double p = 0.0;
  int64_t k = static_cast<int64_t>(std::floor(static_cast<double>(n) / static_cast<double>(h)));
  while (k >= 0) {
    double p1 = 1.0;
    for (int64_t j = 0; j < h; ++j) {
      p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
    }
    p = p1 * (1.0 - p);
    --k;
  }
  return 2 * p;
}

// The proportion of lattice paths from (0, 0) to (m, n) that leave |x/m - y/n| < h/lcm(m, n),
// by Hodges' inside method with Viehmann's recursion for 1 - p (arXiv:2102.08037). Keeps one
// sliding window of a column of the path-count matrix.
double OuterProbInsideMethod(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g;
  const int64_t ng = n / g;
  const double dmg = static_cast<double>(mg);

  int64_t minj = 0;
  int64_t maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(h) / dmg)), n + 1);
  int64_t curlen = maxj - minj;
  const int64_t len_a = std::min(2 * maxj + 2, n + 1);
  std::vector<double> a(static_cast<size_t>(len_a), 1.0);
  std::fill(a.begin(), a.begin() + std::min(maxj, len_a), 0.0);
  for (int64_t i = 1; i <= m; ++i) {
    const int64_t lastminj = minj, lastlen = curlen;
    minj = std::max(static_cast<int64_t>(std::floor(static_cast<double>(ng * i - h) / dmg)) + 1,
                    int64_t{0});
    minj = std::min(minj, n);
    maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(ng * i + h) / dmg)), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    for (int64_t jj = 0; jj < maxj - minj; ++jj) {
      const int64_t j = jj + minj;
      val = (a[static_cast<size_t>(jj + minj - lastminj)] * static_cast<double>(i) +
             val * static_cast<double>(j)) /
            static_cast<double>(i + j);
      a[static_cast<size_t>(jj)] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      // Set the carried-over elements to 1 (numpy slice assignment, clipped to the array).
      const int64_t from = std::min(maxj - minj, len_a);
      const int64_t to = std::min(maxj - minj + (lastlen - curlen), len_a);
      std::fill(a.begin() + from, a.begin() + to, 1.0);
    }
  }
  return a[static_cast<size_t>(maxj - minj - 1)];
}

}  // namespace

Result<KsResult> KsTwoSampleSorted(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return InvalidArgument("ks_2samp needs two non-empty samples");
  if (!IsSortedFinite(a) || !IsSortedFinite(b)) {
    return InvalidArgument("ks_2samp needs finite samples sorted ascending");
  }
  const int64_t n1 = static_cast<int64_t>(a.size());
  const int64_t n2 = static_cast<int64_t>(b.size());
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);

  // cdf1 - cdf2 at every distinct observed value (searchsorted side="right").
  double max_diff = -std::numeric_limits<double>::infinity();
  double min_diff = std::numeric_limits<double>::infinity();
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double x = (j == b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    const double diff = static_cast<double>(i) / dn1 - static_cast<double>(j) / dn2;
    max_diff = std::max(max_diff, diff);
    min_diff = std::min(min_diff, diff);
  }
  const double min_s = std::clamp(-min_diff, 0.0, 1.0);
  double d = min_s > max_diff ? min_s : max_diff;

  KsResult result;
  double prob = std::numeric_limits<double>::quiet_NaN();
  bool exact = std::max(n1, n2) <= kMaxAutoN;
  if (exact) {
    const int64_t g = std::gcd(n1, n2);
    const int64_t lcm = (n1 / g) * n2;
    // np.round: half to even, as nearbyint does in the default rounding mode.
    const int64_t h = static_cast<int64_t>(std::nearbyint(d * static_cast<double>(lcm)));
    d = static_cast<double>(h) * 1.0 / static_cast<double>(lcm);
    if (h == 0) {
      prob = 1.0;
    } else if (n1 == n2) {
      prob = ProbOutsideSquare(n1, h);
    } else {
      prob = OuterProbInsideMethod(n1, n2, g, h);
    }
    // scipy falls back to the asymptotic p-value (keeping the snapped d) outside [0, 1].
    if (!(prob >= 0.0 && prob <= 1.0)) exact = false;
  }
  if (!exact) {
    const double big = std::max(dn1, dn2), small = std::min(dn1, dn2);
    const double en = big * small / (big + small);
    prob = KolmogorovTwoSidedSf(static_cast<int64_t>(std::nearbyint(en)), d);
  }
  result.statistic = d;
  result.pvalue = std::clamp(prob, 0.0, 1.0);
  result.method = exact ? "exact" : "asymp";
  return result;
}

}  // namespace mw::stats
