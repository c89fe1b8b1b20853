// Fills the columns of one table (reference or current window) from cells, row by row (internal
// to src/profile). The readers decide what a column is; this class only files values.
//
// Missing counts are derived, not counted: a feature's `missing` is rows - values - mismatches,
// so a feature absent from a row (a JSON key not sent, a CSV file without that column) needs no
// call at all. Hence each feature may receive at most one cell per row.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "profile/current_columns.h"
#include "profile/detail/cells.h"
#include "profile/detail/float_keys.h"
#include "profile/profile.h"

namespace mw::profile::detail {

class ColumnAccumulator {
 public:
  explicit ColumnAccumulator(std::vector<FeatureType> types);

  // Files `cell` under feature `index`. Returns false, counting a type mismatch and keeping
  // nothing, when the cell does not fit the feature's type; missing cells always fit.
  bool AddFeature(size_t index, const Cell& cell);
  // Files a prediction / actual; false (nothing kept) when the cell is not missing and not a
  // number.
  bool AddPrediction(const Cell& cell) { return AddNumber(cell, &columns_.prediction.sorted); }
  bool AddActual(const Cell& cell) { return AddNumber(cell, &columns_.actual.sorted); }
  // Counts a row carrying a feature the reference lacks (missing cells are not counted).
  void AddUnknown(std::string_view name, const Cell& cell);
  void EndRow() { ++columns_.rows; }
  int64_t rows() const { return columns_.rows; }

  // Derives the missing counts and sorts every numeric column.
  CurrentColumns Finish() &&;

 private:
  static bool AddNumber(const Cell& cell, std::vector<double>* values);

  std::vector<FeatureType> types_;
  CurrentColumns columns_;
};

// The reference profile made of filled columns: `names` and `types` per feature, min/max from
// the sorted values; prediction/actual kept only when `has_prediction` / `has_actual`.
ReferenceProfile ToReferenceProfile(CurrentColumns columns, std::vector<std::string> names,
                                    const std::vector<FeatureType>& types, bool has_prediction,
                                    bool has_actual);

}  // namespace mw::profile::detail
