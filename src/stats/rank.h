// Rank statistics: scipy-compatible average ranks and Spearman correlation, and the comparison of
// two feature-importance tables (which features changed place between model versions).
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mw::stats {

// scipy.stats.rankdata(values, method='average'): 1-based ranks in ascending order, tied values
// sharing the mean of the ranks they span (-0.0 ties with 0.0). As scipy's default
// nan_policy='propagate', a NaN anywhere makes every rank NaN. One deliberate difference: scipy
// 1.10.1 detects NaN by summing the values, so an input holding both +inf and -inf is ranked all
// NaN there; here the infinities simply rank first and last. O(n log n).
std::vector<double> AverageRanks(std::span<const double> values);

// scipy.stats.spearmanr(x, y).statistic: the Pearson correlation of the average ranks, in
// [-1, 1]. nullopt when n < 2, when either side is constant, when either side has a NaN (scipy
// answers NaN in all three cases) or when the lengths differ.
std::optional<double> SpearmanCorrelation(std::span<const double> x, std::span<const double> y);

struct RankMove {
  std::string feature;
  // 1 = most important, among the features present in both tables; tied importances share the
  // best rank of their group (competition ranking: 1, 2, 2, 4), so a tie never looks like a move.
  int64_t old_rank = 0;
  int64_t new_rank = 0;
  int64_t moved = 0;  // old_rank - new_rank: + means became more important
};

struct ImportanceChange {
  // Spearman correlation of the two importances over the common features (equivalently, of their
  // average ranks by descending importance); nullopt when fewer than 2 features are common or
  // either side's importances are all equal there.
  std::optional<double> spearman;
  int64_t common_features = 0;
  std::vector<RankMove> moves;           // every common feature, sorted by |moved| desc, then name
  std::vector<std::string> only_in_old;  // sorted by name
  std::vector<std::string> only_in_new;  // sorted by name
};

// Compares feature importances of two model versions (name -> importance, larger = more
// important). Ranks are taken among the common features only, so a feature added or removed does
// not shift everyone else. A NaN importance counts as less important than any number, and the
// Spearman correlation is then nullopt (as scipy's would be NaN).
ImportanceChange CompareFeatureImportance(const std::map<std::string, double>& old_importance,
                                          const std::map<std::string, double>& new_importance);

}  // namespace mw::stats
