#include "stats/homogeneity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

namespace mw::stats {
namespace {

constexpr double kLevelRelativeTolerance = 1e-6;
constexpr double kCochranMinExpected = 5.0;
// Relative slack when counting draws whose statistic reaches the observed one: tables with the
// same statistic in exact arithmetic can differ in the last bits after summation in another
// order, and must count as ties (R's chisq.test uses the same 1e-7-style slack).
constexpr double kTieSlack = 1e-12;

int64_t RowTotal(const std::vector<int64_t>& row) {
  int64_t total = 0;
  for (int64_t c : row) total += c;
  return total;
}

// splitmix64's finaliser: a well-mixed 64-bit hash step.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The seed of a table's draws: a hash of its counts in column order and of B, so the answer is a
// function of the input alone.
uint64_t TableSeed(const LevelTable& t, int draws) {
  uint64_t h = Mix64(static_cast<uint64_t>(t.levels()) ^ (static_cast<uint64_t>(draws) << 32));
  for (size_t j = 0; j < t.levels(); ++j) {
    h = Mix64(h ^ static_cast<uint64_t>(t.reference[j]));
    h = Mix64(h ^ static_cast<uint64_t>(t.current[j]));
  }
  return h;
}

// A uniform integer in [0, bound) (bound >= 1) by Lemire's multiply-and-reject method: unbiased,
// one multiplication per draw almost always, and (unlike std::uniform_int_distribution, whose
// algorithm is implementation-defined) the same sequence on every standard library.
uint64_t Below(std::mt19937_64& rng, uint64_t bound) {
  unsigned __int128 m = static_cast<unsigned __int128>(rng()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(rng()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

// For a 2 x K table with row totals n1, n2, column totals c_j and grand total N, Pearson's
// X2 = N^2 / (n1 n2) * (sum_j x_j^2 / c_j - n1^2 / N), x_j the counts of either row. With the
// margins fixed X2 is an increasing function of Q = sum_j x_j^2 / c_j alone, so the Monte Carlo
// test compares Q (a sum of non-negative terms: no cancellation, and only the columns a draw
// touched contribute).
double QOfRow(const std::vector<int64_t>& row, const std::vector<double>& inverse_column) {
  double q = 0;
  for (size_t j = 0; j < row.size(); ++j) {
    const double x = static_cast<double>(row[j]);
    q += x * x * inverse_column[j];
  }
  return q;
}

}  // namespace

LevelTable TableFromCounts(const CategoryCounts& reference, const CategoryCounts& current) {
  LevelTable t;
  auto r = reference.begin();
  auto c = current.begin();
  auto push = [&t](int64_t a, int64_t b) {
    if (a + b == 0) return;
    t.reference.push_back(a);
    t.current.push_back(b);
  };
  while (r != reference.end() || c != current.end()) {
    if (c == current.end() || (r != reference.end() && r->first < c->first)) {
      push(r->second, 0);
      ++r;
    } else if (r == reference.end() || c->first < r->first) {
      push(0, c->second);
      ++c;
    } else {
      push(r->second, c->second);
      ++r;
      ++c;
    }
  }
  return t;
}

bool SameLevel(double x, double v) {
  return v == x ||
         std::fabs(v - x) <= kLevelRelativeTolerance * std::max(std::fabs(x), std::fabs(v));
}

std::vector<double> ReferenceLevels(std::span<const double> reference_sorted, int max_levels) {
  std::vector<double> levels;
  if (max_levels <= 0 || reference_sorted.empty()) return levels;
  for (double v : reference_sorted) {
    if (!levels.empty() && SameLevel(levels.back(), v)) continue;
    if (static_cast<int>(levels.size()) == max_levels) return {};
    levels.push_back(v);
  }
  return levels;
}

LevelTable TableFromLevels(std::span<const double> levels, std::span<const double> reference_sorted,
                           std::span<const double> current_sorted) {
  LevelTable t;
  t.reference.assign(levels.size(), 0);
  t.current.assign(levels.size(), 0);
  // The reference is grouped exactly as ReferenceLevels grouped it: runs in sorted order.
  size_t level = 0;
  for (double v : reference_sorted) {
    while (level + 1 < levels.size() && !SameLevel(levels[level], v)) ++level;
    ++t.reference[level];
  }
  int64_t new_values = 0;
  for (double v : current_sorted) {
    const auto it =
        std::find_if(levels.begin(), levels.end(), [v](double x) { return SameLevel(x, v); });
    if (it == levels.end()) {
      ++new_values;
    } else {
      ++t.current[static_cast<size_t>(it - levels.begin())];
    }
  }
  // A reference level the current window lacks still has its reference count, so no column is
  // empty on both sides; only the "new value" column needs a count to exist.
  if (new_values > 0) {
    t.reference.push_back(0);
    t.current.push_back(new_values);
  }
  return t;
}

bool CochranRuleHolds(const LevelTable& t) {
  const double n1 = static_cast<double>(RowTotal(t.reference));
  const double n2 = static_cast<double>(RowTotal(t.current));
  const double total = n1 + n2;
  const double smaller_row = std::min(n1, n2);
  for (size_t j = 0; j < t.levels(); ++j) {
    const double column = static_cast<double>(t.reference[j] + t.current[j]);
    if (smaller_row * column / total < kCochranMinExpected) return false;
  }
  return true;
}

// Conditional on both margins, the row with fewer items is a multivariate hypergeometric sample
// from the pooled items. Neither the C++ standard library nor Boost.Random has a multivariate
// hypergeometric distribution, so it is drawn here by a partial Fisher–Yates shuffle of the pooled
// items' level indices: the first m positions after m swap steps are a uniform random m-subset.
// The pool is not restored between draws: it stays a permutation of the same multiset, and a
// partial shuffle of any arrangement is again uniform. Per draw O(m) work, m the smaller row.
double MonteCarloHomogeneityPValue(const LevelTable& t, int draws) {
  const size_t k = t.levels();
  const int64_t n1 = RowTotal(t.reference), n2 = RowTotal(t.current);
  const std::vector<int64_t>& sampled_row = n2 <= n1 ? t.current : t.reference;
  const int64_t m = std::min(n1, n2);
  const int64_t total = n1 + n2;
  std::vector<double> inverse_column(k);
  std::vector<uint32_t> pool;
  pool.reserve(static_cast<size_t>(total));
  for (size_t j = 0; j < k; ++j) {
    const int64_t column = t.reference[j] + t.current[j];
    inverse_column[j] = 1.0 / static_cast<double>(column);
    pool.insert(pool.end(), static_cast<size_t>(column), static_cast<uint32_t>(j));
  }
  const double observed = QOfRow(sampled_row, inverse_column) * (1 - kTieSlack);
  std::mt19937_64 rng(TableSeed(t, draws));
  std::vector<int64_t> counts(k, 0);
  std::vector<uint32_t> touched;
  touched.reserve(std::min<size_t>(k, static_cast<size_t>(m)));
  int64_t at_least = 0;
  const uint64_t size = static_cast<uint64_t>(total);
  for (int b = 0; b < draws; ++b) {
    for (uint64_t i = 0; i < static_cast<uint64_t>(m); ++i) {
      const uint64_t pick = i + Below(rng, size - i);
      std::swap(pool[i], pool[pick]);
      const uint32_t level = pool[i];
      if (counts[level]++ == 0) touched.push_back(level);
    }
    double q = 0;
    for (uint32_t level : touched) {
      const double x = static_cast<double>(counts[level]);
      q += x * x * inverse_column[level];
      counts[level] = 0;
    }
    touched.clear();
    if (q >= observed) ++at_least;
  }
  return static_cast<double>(1 + at_least) / static_cast<double>(draws + 1);
}

LevelTestResult LevelTest(const LevelTable& t, bool z_test, int draws) {
  LevelTestResult out;
  out.levels = static_cast<int64_t>(t.levels());
  const int64_t n1 = RowTotal(t.reference), n2 = RowTotal(t.current);
  if (n1 <= 0 || n2 <= 0) {
    out.statistic = out.pvalue = std::numeric_limits<double>::quiet_NaN();
    out.method = "asymptotic";
    return out;
  }
  if (t.levels() <= 1) {
    out.method = "exact";
    return out;  // statistic 0, p-value 1: one level, nothing can differ
  }
  if (z_test) {
    const ZTestResult z = TwoProportionZTest(t.reference[0], n1, t.current[0], n2);
    out.statistic = z.statistic;
    out.pvalue = z.pvalue;
  } else {
    const ChiSquareResult chi = ChiSquareHomogeneityColumns(t.reference, t.current);
    out.statistic = chi.statistic;
    out.pvalue = chi.pvalue;
  }
  if (CochranRuleHolds(t)) {
    out.method = "asymptotic";
  } else {
    out.method = "monte_carlo";
    out.pvalue = MonteCarloHomogeneityPValue(t, draws);
  }
  return out;
}

}  // namespace mw::stats
