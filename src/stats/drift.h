// Drift statistics between a reference sample and a current sample: distances (Wasserstein, PSI,
// Jensen–Shannon) and tests (chi-square homogeneity, two-proportion z), plus the
// Benjamini–Hochberg adjustment. The two-sample Kolmogorov–Smirnov test lives in ks.h.
//
// Every function reproduces a named numpy/scipy/statsmodels computation (scipy 1.10.1,
// numpy 1.24) and says which; docs/drift.md gives the formulas. Small sums use numpy's pairwise
// summation order, so those results are bit-for-bit numpy's; long sums use compensated
// summation and agree to ~1e-15 relative.
//
// Numeric inputs named *_sorted, or taken by the *Sorted functions, must be sorted ascending,
// finite and non-empty unless stated; SortValues produces that order. Functions do not allocate
// proportional to the input except where noted. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mw::stats {

// Sorts ascending with boost::sort::spreadsort::float_sort (about twice as fast as std::sort on
// a million doubles), run separately on the negative and non-negative values. Precondition: no
// NaN (NaN has no place in the order; the result would be unspecified). Infinities sort to the
// ends, -0.0 before +0.0.
void SortValues(std::vector<double>& v);

// True when every value is finite and each is >= its predecessor (empty spans are sorted).
bool IsSortedFinite(std::span<const double> v);

// scipy.stats.wasserstein_distance(a, b): the area between the two empirical CDFs,
// sum over consecutive distinct values x_k < x_{k+1} of |F_a(x_k) - F_b(x_k)| (x_{k+1} - x_k).
// Returns NaN when either sample is empty.
double Wasserstein1Sorted(std::span<const double> a, std::span<const double> b);

// np.std(v) (ddof = 0): sqrt(sum((v - mean)^2) / n), with numpy's summation order.
// Returns NaN for an empty span. Allocates one copy of v.
double PopulationStdDev(std::span<const double> v);

// True when a sample with this population std and mean counts as constant:
// !(std > 1e-9 * |mean|), which covers std == 0 (and NaN) and the rounding residue numpy leaves
// for a constant column (np.std([0.1] * 2000) is 1.4e-17, not 0).
bool IsConstantSpread(double std_dev, double mean);

// Wasserstein1Sorted(reference, current) / PopulationStdDev(reference): the distance in units
// of the reference's spread. nullopt when the reference is empty or constant (IsConstantSpread,
// with numpy's mean), where the ratio is undefined or only measures rounding noise.
std::optional<double> NormalizedWasserstein(std::span<const double> reference,
                                            std::span<const double> current);

// np.quantile(reference, np.linspace(0, 1, bins + 1)) (method "linear"), with the first edge
// replaced by -inf and the last by +inf, so every value falls into one of `bins` bins
// [edge_i, edge_{i+1}). Returns bins + 1 edges (non-decreasing; repeated when the reference has
// ties). Precondition: bins >= 1 and a non-empty reference; otherwise returns an empty vector.
std::vector<double> QuantileEdges(std::span<const double> reference_sorted, int bins);

// Population stability index as bench/baseline/drift_scipy.py psi() computes it:
// bins from QuantileEdges(reference, bins); per bin the reference and current proportions
// (count / size, np.histogram's half-open bins) clipped below at min_proportion; then
// sum((p_cur - p_ref) * ln(p_cur / p_ref)). Returns NaN when either sample is empty or bins < 1.
double Psi(std::span<const double> reference_sorted, std::span<const double> current_sorted,
           int bins = 10, double min_proportion = 1e-4);

// Category -> count (counts >= 0). Transparent comparator: find() accepts string_view.
using CategoryCounts = std::map<std::string, int64_t, std::less<>>;

// scipy.spatial.distance.jensenshannon(p, q) (natural log) over the union of categories in name
// order, a category missing on one side counting 0 there: p = counts / total on each side,
// m = (p + q) / 2, sqrt((sum rel_entr(p, m) + sum rel_entr(q, m)) / 2). In [0, sqrt(ln 2)].
// Where rounding makes the sum under the root slightly negative (near-identical distributions)
// scipy returns NaN; this returns 0. Returns NaN when either side's total is 0.
double JensenShannonDistance(const CategoryCounts& reference, const CategoryCounts& current);

struct ChiSquareResult {
  double statistic = 0;
  double pvalue = 1;
  int64_t dof = 0;
};

// scipy.stats.chi2_contingency(table, correction=False) on the 2 x K table whose rows are the
// reference and current counts over the union of categories (K = categories with a non-zero
// count on at least one side; categories counted 0 on both sides are dropped, as scipy would
// reject their zero expected frequency). dof = K - 1; p-value = chi2.sf(statistic, dof)
// (Boost's regularised upper incomplete gamma).
// K <= 1 (both sides hold the same single category): dof 0, statistic 0, p-value 1 — scipy's
// degenerate case; there is nothing to compare. Returns NaN statistic and p-value when either
// side's total is 0.
ChiSquareResult ChiSquareHomogeneity(const CategoryCounts& reference,
                                     const CategoryCounts& current);

// The same test on a table given column by column: reference[j] and current[j] are the counts of
// column j (same length; columns 0 on both sides are dropped as above). ChiSquareHomogeneity is
// this on the union of categories in name order, so the two agree bit for bit.
ChiSquareResult ChiSquareHomogeneityColumns(std::span<const int64_t> reference,
                                            std::span<const int64_t> current);

struct ZTestResult {
  double statistic = 0;  // signed: positive when sample a's proportion is the larger
  double pvalue = 1;
};

// Pooled two-proportion z-test, two-sided: p = (s_a + s_b) / (n_a + n_b),
// z = (s_a/n_a - s_b/n_b) / sqrt(p (1 - p) (1/n_a + 1/n_b)), p-value = 2 * norm.sf(|z|).
// When p (1 - p) == 0 both samples are all successes or all failures, the proportions are equal
// and there is no variance to scale by: returns statistic 0, p-value 1.
// Preconditions: n_a, n_b > 0 and 0 <= s <= n; otherwise returns NaN statistic and p-value.
ZTestResult TwoProportionZTest(int64_t successes_a, int64_t n_a, int64_t successes_b, int64_t n_b);

// statsmodels.stats.multitest.multipletests(pvalues, method="fdr_bh")[1]: the
// Benjamini–Hochberg adjusted p-values, in input order. Sorted ascending, p_(i) * m / i, made
// monotone by a running minimum from the largest, capped at 1. Rejecting where adjusted <= alpha
// is BH's step-up procedure at false discovery rate alpha.
std::vector<double> BenjaminiHochbergAdjusted(std::span<const double> pvalues);

}  // namespace mw::stats
