// Homogeneity tests of a 2 x K table (a reference row and a current row of counts over K levels)
// with a p-value that is valid at every sample size, and the level matching that turns a numeric
// feature with few distinct values into such a table.
//
// The statistics are the scipy-identical ones of drift.h (Pearson chi-square, pooled
// two-proportion z); what this file adds is the choice of p-value:
//   - asymptotic (chi2.sf / 2 norm.sf) when every expected count is >= 5 (Cochran's rule);
//   - otherwise a conditional Monte Carlo p-value: the permutation distribution of the table
//     given both margins (as R's chisq.test(simulate.p.value = TRUE) computes it),
//     p = (1 + #{X2* >= X2_obs}) / (B + 1) over B draws, "reaches" with a relative slack of
//     1e-12 on Q = sum_j x_j^2 / c_j (given the margins X2 is an increasing function of Q). Such a
//     p-value is valid (P(p <= alpha) <= alpha under homogeneity) at any size by construction. z^2
//     equals Pearson X2 on the 2 x 2 table, so the two-sided z-test takes the same path.
// The draws are seeded from the table itself, so the same table always gets the same p-value.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stats/drift.h"

namespace mw::stats {

// A 2 x K table. Invariant kept by the builders below: reference.size() == current.size(), every
// count >= 0 and no column is 0 on both sides.
struct LevelTable {
  std::vector<int64_t> reference, current;
  size_t levels() const { return reference.size(); }
};

// The table of two categorical count maps over the union of categories in name order (the order
// drift.h's ChiSquareHomogeneity and the z-test use); categories counted 0 on both sides are left
// out.
LevelTable TableFromCounts(const CategoryCounts& reference, const CategoryCounts& current);

// True when a current value v counts as the reference level x: v == x or
// |v - x| <= 1e-6 * max(|x|, |v|). So float noise (0.1 vs 0.1 + 1e-9) is the same level while
// any real difference (2.0 vs 0.1, 1 vs 1.00001) is not.
bool SameLevel(double x, double v);

// The distinct levels of a sorted, finite, non-empty reference when there are at most
// `max_levels` of them, else an empty vector (also for max_levels <= 0 or an empty reference).
// Consecutive sorted values that are SameLevel as the first value of their run form one level,
// represented by that first value.
std::vector<double> ReferenceLevels(std::span<const double> reference_sorted, int max_levels);

// The table of a numeric feature tested as levels: one column per reference level (the reference
// values grouped as ReferenceLevels groups them; the current values matched with SameLevel) and,
// when some current value matches no level, a last "new value" column (reference count 0).
// Precondition: `levels` is ReferenceLevels(reference_sorted, ...) and non-empty.
LevelTable TableFromLevels(std::span<const double> levels, std::span<const double> reference_sorted,
                           std::span<const double> current_sorted);

struct LevelTestResult {
  double statistic =
      0;  // Pearson X2, or the signed z (positive: reference share of level 0 larger)
  double pvalue = 1;
  std::string method;  // "asymptotic" | "monte_carlo" | "exact" (one level: p = 1, nothing varies)
  int64_t levels = 0;  // K
};

// The homogeneity test of `table`: the two-proportion z-test on level 0 when `z_test` (requires
// K <= 2), else Pearson chi-square. K <= 1: statistic 0, p-value 1, method "exact". Either side
// totalling 0: NaN statistic and p-value. `draws` (>= 1) is B for the Monte Carlo path.
// Cost: O(K) on the asymptotic path; on the Monte Carlo path the cheaper of O(B m + N) time and
// O(N) memory (shuffle) and O(B K (1 + sqrt(m))) time and O(K) memory (columns), m the smaller
// row total and N the grand total: a few milliseconds for B = 2000 in every case measured (10 to
// 10000 rows against 1000 to 10 million).
LevelTestResult LevelTest(const LevelTable& table, bool z_test, int draws);

// True when every expected count row_total * column_total / N is >= 5.
bool CochranRuleHolds(const LevelTable& table);

// How a Monte Carlo draw of the smaller row is generated; both draw from the same law (the
// multivariate hypergeometric given both margins). kAuto picks the cheaper for the table
// (deterministically, so the p-value stays a function of the table).
enum class TableSampler {
  kAuto,
  kShuffle,  // partial Fisher–Yates over the pooled items: O(m) per draw, m the smaller row
  kColumns,  // one univariate hypergeometric per column: O(K (1 + sd)) per draw
};

// The conditional Monte Carlo p-value of Pearson's X2 on `table` (both row totals > 0, K >= 2),
// B = draws, seeded from the counts. The sampler is exposed for tests.
double MonteCarloHomogeneityPValue(const LevelTable& table, int draws,
                                   TableSampler sampler = TableSampler::kAuto);

}  // namespace mw::stats
