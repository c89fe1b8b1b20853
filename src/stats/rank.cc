#include "stats/rank.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "stats/sum.h"

namespace mw::stats {

std::vector<double> AverageRanks(std::span<const double> values) {
  const size_t n = values.size();
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    return std::vector<double>(n, std::nan(""));
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold ranks i+1..j; their mean is (i + 1 + j) / 2.
    const double rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

namespace {

bool IsConstant(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

}  // namespace

std::optional<double> SpearmanCorrelation(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size() || x.size() < 2) return std::nullopt;
  const auto has_nan = [](std::span<const double> v) {
    return std::any_of(v.begin(), v.end(), [](double e) { return std::isnan(e); });
  };
  if (has_nan(x) || has_nan(y) || IsConstant(x) || IsConstant(y)) return std::nullopt;
  const std::vector<double> rx = AverageRanks(x), ry = AverageRanks(y);
  // Average ranks always sum to n(n+1)/2, so both means are (n+1)/2.
  const double mean = 0.5 * static_cast<double>(x.size() + 1);
  // Compensated: rank products reach n^3 / 4, beyond double's exact integers for n in the
  // hundreds of thousands.
  NeumaierSum sxy, sxx, syy;
  for (size_t i = 0; i < rx.size(); ++i) {
    const double dx = rx[i] - mean, dy = ry[i] - mean;
    sxy.Add(dx * dy);
    sxx.Add(dx * dx);
    syy.Add(dy * dy);
  }
  // One square root of the product (rather than np.corrcoef's division by each deviation in turn,
  // equal up to an ulp) so that identical rankings give exactly +-1: sqrt(fl(s * s)) == s.
  // Clipped as np.corrcoef does.
  const double r = sxy.value() / std::sqrt(sxx.value() * syy.value());
  return std::clamp(r, -1.0, 1.0);
}

namespace {

// NaN importances sort below every number.
bool MoreImportant(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a > b;
}

// Competition ranks by descending importance: 1 + the number of strictly more important values.
std::vector<int64_t> CompetitionRanks(const std::vector<double>& importance) {
  const size_t n = importance.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return MoreImportant(importance[a], importance[b]); });
  std::vector<int64_t> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && !MoreImportant(importance[order[i]], importance[order[j]])) ++j;
    for (size_t k = i; k < j; ++k) ranks[order[k]] = static_cast<int64_t>(i + 1);
    i = j;
  }
  return ranks;
}

}  // namespace

ImportanceChange CompareFeatureImportance(const std::map<std::string, double>& old_importance,
                                          const std::map<std::string, double>& new_importance) {
  ImportanceChange change;
  std::vector<std::string> common;
  std::vector<double> old_values, new_values;
  // Both maps iterate in name order: one merge pass splits the names three ways, each sorted.
  auto o = old_importance.begin();
  auto n = new_importance.begin();
  while (o != old_importance.end() || n != new_importance.end()) {
    if (n == new_importance.end() || (o != old_importance.end() && o->first < n->first)) {
      change.only_in_old.push_back((o++)->first);
    } else if (o == old_importance.end() || n->first < o->first) {
      change.only_in_new.push_back((n++)->first);
    } else {
      common.push_back(o->first);
      old_values.push_back((o++)->second);
      new_values.push_back((n++)->second);
    }
  }
  change.common_features = static_cast<int64_t>(common.size());
  change.spearman = SpearmanCorrelation(old_values, new_values);
  const std::vector<int64_t> old_ranks = CompetitionRanks(old_values),
                             new_ranks = CompetitionRanks(new_values);
  for (size_t i = 0; i < common.size(); ++i) {
    change.moves.push_back({common[i], old_ranks[i], new_ranks[i], old_ranks[i] - new_ranks[i]});
  }
  // Stable on name order, so equal |moved| keeps names ascending.
  std::stable_sort(
      change.moves.begin(), change.moves.end(),
      [](const RankMove& a, const RankMove& b) { return std::abs(a.moved) > std::abs(b.moved); });
  return change;
}

}  // namespace mw::stats
