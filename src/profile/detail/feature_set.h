// The features of a reference under construction (internal to src/profile): names in first-seen
// order and their types as far as known, which the first pass of a builder narrows from numeric
// to categorical.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/detail/csv_table.h"
#include "profile/profile.h"

namespace mw::profile::detail {

// The role of a column named `name` in an uploaded reference table.
inline ColumnRole::Kind ReferenceRoleOf(std::string_view name, const ProfileOptions& options) {
  if (name == options.prediction_column) return ColumnRole::Kind::kPrediction;
  if (name == options.actual_column) return ColumnRole::Kind::kActual;
  if (options.ignore_columns.contains(name)) return ColumnRole::Kind::kIgnored;
  return ColumnRole::Kind::kFeature;
}

class FeatureSet {
 public:
  // `options` must outlive the set.
  explicit FeatureSet(const ProfileOptions& options) : options_(options) {}

  // Adds a feature (numeric until shown otherwise, unless options.types fixes its type) and
  // returns its index.
  size_t Add(std::string_view name) {
    names_.emplace_back(name);
    const auto forced = options_.types.find(name);
    forced_.push_back(forced != options_.types.end());
    types_.push_back(forced_.back() ? forced->second : FeatureType::kNumeric);
    return names_.size() - 1;
  }
  // True while feature i's type is inferred and still numeric.
  bool inferring(size_t i) const { return !forced_[i] && types_[i] == FeatureType::kNumeric; }
  void MarkCategorical(size_t i) { types_[i] = FeatureType::kCategorical; }
  FeatureType type(size_t i) const { return types_[i]; }
  const std::vector<FeatureType>& types() const { return types_; }
  std::vector<std::string> TakeNames() { return std::move(names_); }

 private:
  const ProfileOptions& options_;
  std::vector<std::string> names_;
  std::vector<bool> forced_;
  std::vector<FeatureType> types_;
};

}  // namespace mw::profile::detail
