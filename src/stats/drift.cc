#include "stats/drift.h"

#include <algorithm>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/sort/spreadsort/float_sort.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <utility>

#include "stats/sum.h"

namespace mw::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Boost.Math reports domain and overflow errors through errno instead of throwing: stats is
// exception-free, and every argument passed here is already validated.
using NoThrowPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

// numpy's pairwise summation (umath loops: blocks of 8 partial sums up to 128 elements, halving
// above), so a sum over a small array is bit-for-bit np.sum's.
double NumpySum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return NumpySum(a, n2) + NumpySum(a + n2, n - n2);
}

double NumpySum(const std::vector<double>& v) { return NumpySum(v.data(), v.size()); }

// scipy.special.rel_entr
double RelEntr(double x, double y) {
  if (x > 0 && y > 0) return x * std::log(x / y);
  if (x == 0 && y >= 0) return 0.0;
  return std::numeric_limits<double>::infinity();
}

struct CategoryPair {
  int64_t reference;
  int64_t current;
};

// The union of both maps' categories in name order, 0 where a side lacks the category.
std::vector<CategoryPair> UnionCounts(const CategoryCounts& reference,
                                      const CategoryCounts& current) {
  std::vector<CategoryPair> out;
  auto r = reference.begin();
  auto c = current.begin();
  while (r != reference.end() || c != current.end()) {
    if (c == current.end() || (r != reference.end() && r->first < c->first)) {
      out.push_back({r->second, 0});
      ++r;
    } else if (r == reference.end() || c->first < r->first) {
      out.push_back({0, c->second});
      ++c;
    } else {
      out.push_back({r->second, c->second});
      ++r;
      ++c;
    }
  }
  return out;
}

}  // namespace

void SortValues(std::vector<double>& v) {
  // float_sort casts doubles to int64 and subtracts the extremes; across both signs that
  // overflows (undefined behaviour that UBSan aborts on, e.g. for any data spanning -2..2).
  // Within one sign the difference fits, so sort the sign-bit-set values (negatives and -0.0)
  // and the rest separately.
  const auto non_negative =
      std::partition(v.begin(), v.end(), [](double x) { return std::signbit(x); });
  boost::sort::spreadsort::float_sort(v.begin(), non_negative);
  boost::sort::spreadsort::float_sort(non_negative, v.end());
}

bool IsSortedFinite(std::span<const double> v) {
  if (v.empty()) return true;
  if (!std::isfinite(v.front())) return false;
  for (size_t i = 1; i < v.size(); ++i) {
    // !(a <= b) also catches NaN; with the first value finite and the sequence ascending, only
    // +inf could remain, which the last check catches.
    if (!(v[i - 1] <= v[i])) return false;
  }
  return std::isfinite(v.back());
}

double Wasserstein1Sorted(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return kNaN;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  NeumaierSum sum;  // compensated: a long stream that is not materialised
  size_t i = 0, j = 0;
  double x = std::min(a[0], b[0]);
  while (true) {
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    if (i == a.size() && j == b.size()) break;
    const double next = (j == b.size() || (i < a.size() && a[i] < b[j])) ? a[i] : b[j];
    const double cdf_gap = std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb);
    sum.Add(cdf_gap * (next - x));
    x = next;
  }
  return sum.value();
}

double PopulationStdDev(std::span<const double> v) {
  if (v.empty()) return kNaN;
  const double n = static_cast<double>(v.size());
  const double mean = NumpySum(v.data(), v.size()) / n;
  std::vector<double> squares(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double d = v[i] - mean;
    squares[i] = d * d;
  }
  return std::sqrt(NumpySum(squares) / n);
}

bool IsConstantSpread(double std_dev, double mean) {
  // Relative: a spread a billionth of the level is rounding residue, not variation.
  return !(std_dev > 1e-9 * std::fabs(mean));
}

std::optional<double> NormalizedWasserstein(std::span<const double> reference,
                                            std::span<const double> current) {
  if (reference.empty()) return std::nullopt;
  const double mean =
      NumpySum(reference.data(), reference.size()) / static_cast<double>(reference.size());
  const double std_dev = PopulationStdDev(reference);
  if (IsConstantSpread(std_dev, mean)) return std::nullopt;
  return Wasserstein1Sorted(reference, current) / std_dev;
}

std::vector<double> QuantileEdges(std::span<const double> reference_sorted, int bins) {
  if (bins < 1 || reference_sorted.empty()) return {};
  const size_t n = reference_sorted.size();
  const double last_index = static_cast<double>(n - 1);
  const double step = 1.0 / static_cast<double>(bins);  // np.linspace(0, 1, bins + 1)
  std::vector<double> edges(static_cast<size_t>(bins) + 1);
  for (int k = 1; k < bins; ++k) {
    const double q = static_cast<double>(k) * step;
    const double virtual_index = last_index * q;
    double below, above;
    double gamma;
    if (virtual_index >= last_index) {
      below = above = reference_sorted[n - 1];
      gamma = 0.0;
    } else {
      const double previous = std::floor(virtual_index);
      const size_t lo = static_cast<size_t>(previous);
      below = reference_sorted[lo];
      above = reference_sorted[lo + 1];
      gamma = virtual_index - previous;
    }
    // numpy's _lerp: interpolate from the nearer end.
    const double diff = above - below;
    edges[static_cast<size_t>(k)] =
        gamma >= 0.5 ? above - diff * (1 - gamma) : below + diff * gamma;
  }
  edges.front() = -std::numeric_limits<double>::infinity();
  edges.back() = std::numeric_limits<double>::infinity();
  return edges;
}

double Psi(std::span<const double> reference_sorted, std::span<const double> current_sorted,
           int bins, double min_proportion) {
  if (reference_sorted.empty() || current_sorted.empty() || bins < 1) return kNaN;
  const std::vector<double> edges = QuantileEdges(reference_sorted, bins);
  // np.histogram with explicit edges: bin i holds edge_i <= x < edge_{i+1}, the last bin also
  // holds its right edge; the outer edges are infinite so every finite value is counted.
  auto proportions = [&](std::span<const double> sorted) {
    std::vector<double> out(static_cast<size_t>(bins));
    const double size = static_cast<double>(sorted.size());
    size_t below = 0;
    for (int i = 0; i < bins; ++i) {
      const size_t upto =
          i + 1 == bins ? sorted.size()
                        : static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(),
                                                               edges[static_cast<size_t>(i) + 1]) -
                                              sorted.begin());
      out[static_cast<size_t>(i)] =
          std::max(static_cast<double>(upto - below) / size, min_proportion);
      below = upto;
    }
    return out;
  };
  const std::vector<double> pr = proportions(reference_sorted);
  const std::vector<double> pc = proportions(current_sorted);
  std::vector<double> terms(static_cast<size_t>(bins));
  for (size_t i = 0; i < terms.size(); ++i) terms[i] = (pc[i] - pr[i]) * std::log(pc[i] / pr[i]);
  return NumpySum(terms);
}

double JensenShannonDistance(const CategoryCounts& reference, const CategoryCounts& current) {
  const std::vector<CategoryPair> counts = UnionCounts(reference, current);
  int64_t total_r = 0, total_c = 0;
  for (const CategoryPair& c : counts) {
    total_r += c.reference;
    total_c += c.current;
  }
  if (total_r <= 0 || total_c <= 0) return kNaN;
  std::vector<double> left(counts.size()), right(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double p = static_cast<double>(counts[i].reference) / static_cast<double>(total_r);
    const double q = static_cast<double>(counts[i].current) / static_cast<double>(total_c);
    const double m = (p + q) / 2.0;
    left[i] = RelEntr(p, m);
    right[i] = RelEntr(q, m);
  }
  const double js = NumpySum(left) + NumpySum(right);
  return js > 0 ? std::sqrt(js / 2.0) : 0.0;
}

ChiSquareResult ChiSquareHomogeneity(const CategoryCounts& reference,
                                     const CategoryCounts& current) {
  const std::vector<CategoryPair> counts = UnionCounts(reference, current);
  std::vector<int64_t> ref(counts.size()), cur(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    ref[i] = counts[i].reference;
    cur[i] = counts[i].current;
  }
  return ChiSquareHomogeneityColumns(ref, cur);
}

ChiSquareResult ChiSquareHomogeneityColumns(std::span<const int64_t> reference,
                                            std::span<const int64_t> current) {
  std::vector<CategoryPair> counts;
  counts.reserve(std::min(reference.size(), current.size()));
  for (size_t i = 0; i < reference.size() && i < current.size(); ++i) {
    if (reference[i] + current[i] != 0) counts.push_back({reference[i], current[i]});
  }
  int64_t total_r = 0, total_c = 0;
  for (const CategoryPair& c : counts) {
    total_r += c.reference;
    total_c += c.current;
  }
  if (total_r <= 0 || total_c <= 0) return {kNaN, kNaN, 0};
  const int64_t k = static_cast<int64_t>(counts.size());
  if (k <= 1) return {0.0, 1.0, 0};
  const double total = static_cast<double>(total_r + total_c);
  // Terms of the 2 x K table in row-major order (reference row, then current row), as
  // power_divergence sums them: (observed - expected)^2 / expected, with
  // expected = row total * column total / grand total.
  std::vector<double> terms(static_cast<size_t>(2 * k));
  for (size_t row = 0; row < 2; ++row) {
    const double row_total = static_cast<double>(row == 0 ? total_r : total_c);
    for (size_t col = 0; col < counts.size(); ++col) {
      const double observed =
          static_cast<double>(row == 0 ? counts[col].reference : counts[col].current);
      const double col_total = static_cast<double>(counts[col].reference + counts[col].current);
      const double expected = row_total * col_total / total;
      const double diff = observed - expected;
      terms[row * counts.size() + col] = diff * diff / expected;
    }
  }
  ChiSquareResult result;
  result.dof = k - 1;
  result.statistic = NumpySum(terms);
  result.pvalue = boost::math::gamma_q(static_cast<double>(result.dof) / 2.0,
                                       result.statistic / 2.0, NoThrowPolicy());
  return result;
}

ZTestResult TwoProportionZTest(int64_t successes_a, int64_t n_a, int64_t successes_b, int64_t n_b) {
  if (n_a <= 0 || n_b <= 0 || successes_a < 0 || successes_b < 0 || successes_a > n_a ||
      successes_b > n_b) {
    return {kNaN, kNaN};
  }
  const double na = static_cast<double>(n_a), nb = static_cast<double>(n_b);
  const double pooled = static_cast<double>(successes_a + successes_b) / (na + nb);
  const double variance = pooled * (1 - pooled) * (1 / na + 1 / nb);
  if (!(variance > 0)) return {0.0, 1.0};
  const double z = (static_cast<double>(successes_a) / na - static_cast<double>(successes_b) / nb) /
                   std::sqrt(variance);
  // 2 * norm.sf(|z|) = erfc(|z| / sqrt(2))
  return {z, boost::math::erfc(std::fabs(z) / std::numbers::sqrt2, NoThrowPolicy())};
}

std::vector<double> BenjaminiHochbergAdjusted(std::span<const double> pvalues) {
  const size_t m = pvalues.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return pvalues[x] < pvalues[y]; });
  std::vector<double> adjusted(m);
  double running_min = std::numeric_limits<double>::infinity();
  for (size_t r = m; r-- > 0;) {
    // ecdffactor = (rank + 1) / m, as statsmodels' _ecdf computes it.
    const double factor = static_cast<double>(r + 1) / static_cast<double>(m);
    running_min = std::min(running_min, pvalues[order[r]] / factor);
    adjusted[order[r]] = std::min(running_min, 1.0);
  }
  return adjusted;
}

}  // namespace mw::stats
