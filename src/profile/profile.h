// The reference profile of a model version: its training rows reduced, column by column, to what
// drift and data-quality checks need (the sorted values of each numeric feature, the category
// counts of each categorical one, and how many rows lacked a value).
//
// Built by reference_builder.h from CSV or NDJSON, stored compactly by serialize.h, kept loaded
// by profile_cache.h, and compared against the current window (current_columns.h) by quality.h
// here and by src/stats for drift.
//
// Thread-safety: plain values; a const ReferenceProfile may be read from many threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mw::profile {

enum class FeatureType { kNumeric, kCategorical };

// "numeric" | "categorical".
std::string_view FeatureTypeName(FeatureType type);

// The non-missing values of a numeric column, ascending; every value is finite. `missing` counts
// the rows without a value.
struct NumericColumn {
  std::vector<double> sorted;
  int64_t missing = 0;

  friend bool operator==(const NumericColumn&, const NumericColumn&) = default;
};

// Rows per category (every count > 0) and the rows without a value.
struct CategoricalColumn {
  std::map<std::string, int64_t, std::less<>> counts;
  int64_t missing = 0;

  friend bool operator==(const CategoricalColumn&, const CategoricalColumn&) = default;
};

struct FeatureProfile {
  std::string name;
  FeatureType type = FeatureType::kNumeric;
  NumericColumn numeric;          // when numeric (empty otherwise)
  CategoricalColumn categorical;  // when categorical (empty otherwise)
  // Numeric only: the smallest and largest non-missing value; both 0 when there is none.
  double min = 0, max = 0;

  friend bool operator==(const FeatureProfile&, const FeatureProfile&) = default;
};

// Invariant (kept by the builders and checked by DeserializeProfile): for every feature, the
// values plus `missing` add up to `rows`, and so do those of `prediction` and `actual`.
struct ReferenceProfile {
  int64_t rows = 0;
  std::vector<FeatureProfile> features;             // in first-seen column order; unique names
  std::optional<NumericColumn> prediction, actual;  // when the reference has those columns

  // The feature called `name`, or nullptr.
  const FeatureProfile* Find(std::string_view name) const;

  friend bool operator==(const ReferenceProfile&, const ReferenceProfile&) = default;
};

// How rows become a profile (and how current CSV columns are read).
struct ProfileOptions {
  // Columns holding the model's output and the ground truth; numeric; not features.
  std::string prediction_column = "prediction", actual_column = "actual";
  // Columns that are neither features nor prediction/actual (row metadata); skipped entirely.
  std::set<std::string, std::less<>> ignore_columns = {"id", "timestamp", "model", "version",
                                                       "segment"};
  // Feature types fixed by the caller instead of inferred. A value that does not fit a forced
  // numeric type is an error; a forced categorical column takes numbers as their text.
  std::map<std::string, FeatureType, std::less<>> types;
  // Inputs with more data rows than this are refused (kInvalidArgument).
  int64_t max_rows = 5'000'000;
};

}  // namespace mw::profile
