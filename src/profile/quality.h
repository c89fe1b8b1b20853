// Data quality of the current window against the reference profile: how much is missing, of
// the wrong kind, outside the range seen in training, or a category never seen in training.
// docs/data-quality.md explains each figure for users.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "profile/current_columns.h"
#include "profile/profile.h"

namespace mw::profile {

// Every rate is a share of the current window's rows (0 when the window has no rows), so the
// rates of one feature can be compared and added up.
struct FeatureQuality {
  std::string name;
  FeatureType type = FeatureType::kNumeric;
  int64_t rows = 0;     // rows in the current window
  int64_t missing = 0;  // rows without a value (absent, null, CSV missing marker)
  double missing_rate = 0;
  double reference_missing_rate = 0;  // the same share in the reference (0 for an empty one)
  int64_t type_mismatches = 0;        // rows whose value was of the wrong kind (excluded)
  // Numeric: values outside [reference_min, reference_max]; every value when the reference
  // had no value for the feature at all (there is no range to be inside).
  int64_t out_of_range = 0;
  double out_of_range_rate = 0;
  double reference_min = 0, reference_max = 0;  // numeric: as in the reference profile
  // Categorical: categories absent from the reference with their row counts, most frequent first
  // (ties by name); `unseen` is the sum of those counts.
  std::vector<std::pair<std::string, int64_t>> unseen_categories;
  int64_t unseen = 0;
  double unseen_rate = 0;
};

struct QualityReport {
  int64_t rows = 0;
  std::vector<FeatureQuality> features;       // in the reference's feature order
  std::vector<std::string> unknown_features;  // in the window but not the reference, by name
};

// `current` must have been built against `reference` (one column per reference feature).
QualityReport ComputeQuality(const ReferenceProfile& reference, const CurrentColumns& current);

}  // namespace mw::profile
