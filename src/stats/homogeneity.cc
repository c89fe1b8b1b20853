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
// order, and must count as ties (R's chisq.test does the same with a slack of 64 epsilon).
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
// from the pooled items. Neither the C++ standard library nor Boost.Random has a multivariate (or
// even a univariate) hypergeometric distribution, so the draws are hand-written, in two ways that
// follow the same law; the cheaper one for the table is used.
namespace {

// Partial Fisher–Yates shuffle of the pooled items' level indices: after m swap steps the first m
// positions are a uniform random m-subset. The pool is not restored between draws: it stays a
// permutation of the same multiset, and a partial shuffle of any arrangement is again uniform.
class ShuffleSampler {
 public:
  ShuffleSampler(const std::vector<int64_t>& columns, int64_t m) : m_(static_cast<uint64_t>(m)) {
    for (size_t j = 0; j < columns.size(); ++j) {
      pool_.insert(pool_.end(), static_cast<size_t>(columns[j]), static_cast<uint32_t>(j));
    }
    counts_.assign(columns.size(), 0);
  }
  // Q = sum_j x_j^2 / c_j of one draw.
  double Draw(std::mt19937_64& rng, const std::vector<double>& inverse_column) {
    const uint64_t size = pool_.size();
    for (uint64_t i = 0; i < m_; ++i) {
      const uint64_t pick = i + Below(rng, size - i);
      std::swap(pool_[i], pool_[pick]);
      const uint32_t level = pool_[i];
      if (counts_[level]++ == 0) touched_.push_back(level);
    }
    double q = 0;
    for (uint32_t level : touched_) {
      const double x = static_cast<double>(counts_[level]);
      q += x * x * inverse_column[level];
      counts_[level] = 0;
    }
    touched_.clear();
    return q;
  }

 private:
  uint64_t m_;
  std::vector<uint32_t> pool_;
  std::vector<int64_t> counts_;
  std::vector<uint32_t> touched_;
};

double LogFactorial(double k) {
  int sign = 0;
  return lgamma_r(k + 1, &sign);  // reentrant: std::lgamma writes the global signgam
}

// One draw of the univariate hypergeometric law: successes among `draws` items taken without
// replacement from `population` items of which `successes` are successes. Inversion from the
// mode: the pmf at the mode from log-factorials, then outwards by the pmf's ratio recurrence,
// alternately up and down, until the uniform is used up. Expected steps O(1 + sd).
int64_t Hypergeometric(std::mt19937_64& rng, int64_t population, int64_t successes, int64_t draws) {
  const int64_t failures = population - successes;
  const int64_t lo = std::max<int64_t>(0, draws - failures), hi = std::min(successes, draws);
  if (lo >= hi) return lo;
  const double s = static_cast<double>(successes), f = static_cast<double>(failures),
               d = static_cast<double>(draws), n = static_cast<double>(population);
  const int64_t mode = std::clamp(static_cast<int64_t>((d + 1) * (s + 1) / (n + 2)), lo, hi);
  const double x0 = static_cast<double>(mode);
  const double log_pmf = LogFactorial(s) - LogFactorial(x0) - LogFactorial(s - x0) +
                         LogFactorial(f) - LogFactorial(d - x0) - LogFactorial(f - d + x0) -
                         (LogFactorial(n) - LogFactorial(d) - LogFactorial(n - d));
  const double mode_pmf = std::exp(log_pmf);
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  u -= mode_pmf;
  if (u <= 0) return mode;
  int64_t up = mode, down = mode;
  double up_pmf = mode_pmf, down_pmf = mode_pmf;
  while (up < hi || down > lo) {
    if (up < hi) {
      const double x = static_cast<double>(up);
      up_pmf *= (s - x) * (d - x) / ((x + 1) * (f - d + x + 1));
      ++up;
      u -= up_pmf;
      if (u <= 0) return up;
    }
    if (down > lo) {
      const double x = static_cast<double>(down);
      down_pmf *= x * (f - d + x) / ((s - x + 1) * (d - x + 1));
      --down;
      u -= down_pmf;
      if (u <= 0) return down;
    }
  }
  return mode;  // the pmf summed to 1 - u by rounding only: the most likely value
}

// The smaller row column by column: x_j ~ Hypergeometric(items left, c_j, row items left).
double ColumnsDraw(std::mt19937_64& rng, const std::vector<int64_t>& columns, int64_t total,
                   int64_t m, const std::vector<double>& inverse_column) {
  double q = 0;
  int64_t population = total, left = m;
  for (size_t j = 0; j < columns.size() && left > 0; ++j) {
    const int64_t x =
        j + 1 == columns.size() ? left : Hypergeometric(rng, population, columns[j], left);
    const double xd = static_cast<double>(x);
    q += xd * xd * inverse_column[j];
    population -= columns[j];
    left -= x;
  }
  return q;
}

}  // namespace

double MonteCarloHomogeneityPValue(const LevelTable& t, int draws, TableSampler sampler) {
  const size_t k = t.levels();
  const int64_t n1 = RowTotal(t.reference), n2 = RowTotal(t.current);
  const std::vector<int64_t>& sampled_row = n2 <= n1 ? t.current : t.reference;
  const int64_t m = std::min(n1, n2);
  std::vector<int64_t> columns(k);
  std::vector<double> inverse_column(k);
  for (size_t j = 0; j < k; ++j) {
    columns[j] = t.reference[j] + t.current[j];
    inverse_column[j] = 1.0 / static_cast<double>(columns[j]);
  }
  if (sampler == TableSampler::kAuto) {
    // Measured costs (ns, GCC 12 -O3, x86-64): the shuffle about 7 per step, m steps per draw,
    // plus about 3 (a cached pool) to 18 (a 40 MB pool, page faults included) per pooled item; the
    // column sampler about 90 per column per draw (log-gamma) plus the search around the mode.
    const double b = static_cast<double>(draws);
    const double shuffle_cost = 7 * b * static_cast<double>(m) + 10 * static_cast<double>(n1 + n2);
    const double column_cost =
        b * static_cast<double>(k) * (90 + std::sqrt(static_cast<double>(m)));
    sampler = shuffle_cost <= column_cost ? TableSampler::kShuffle : TableSampler::kColumns;
  }
  const double observed = QOfRow(sampled_row, inverse_column) * (1 - kTieSlack);
  std::mt19937_64 rng(TableSeed(t, draws));
  int64_t at_least = 0;
  if (sampler == TableSampler::kShuffle) {
    ShuffleSampler shuffle(columns, m);
    for (int b = 0; b < draws; ++b) at_least += shuffle.Draw(rng, inverse_column) >= observed;
  } else {
    for (int b = 0; b < draws; ++b) {
      at_least += ColumnsDraw(rng, columns, n1 + n2, m, inverse_column) >= observed;
    }
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
