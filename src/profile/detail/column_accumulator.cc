#include "profile/detail/column_accumulator.h"

#include <string>
#include <utility>

namespace mw::profile::detail {

ColumnAccumulator::ColumnAccumulator(std::vector<FeatureType> types) : types_(std::move(types)) {
  columns_.numeric.resize(types_.size());
  columns_.categorical.resize(types_.size());
  columns_.type_mismatches.assign(types_.size(), 0);
}

bool ColumnAccumulator::AddFeature(size_t index, const Cell& cell) {
  if (cell.kind == CellKind::kMissing) return true;
  if (types_[index] == FeatureType::kNumeric) {
    double value = 0;
    if (CellNumber(cell, &value)) {
      columns_.numeric[index].sorted.push_back(value);
      return true;
    }
  } else {
    std::string_view category;
    if (CellCategory(cell, &category)) {
      auto& counts = columns_.categorical[index].counts;
      if (auto it = counts.find(category); it != counts.end()) {
        ++it->second;
      } else {
        counts.emplace(std::string(category), 1);
      }
      return true;
    }
  }
  ++columns_.type_mismatches[index];
  return false;
}

bool ColumnAccumulator::AddNumber(const Cell& cell, std::vector<double>* values) {
  if (cell.kind == CellKind::kMissing) return true;
  double value = 0;
  if (!CellNumber(cell, &value)) return false;
  values->push_back(value);
  return true;
}

void ColumnAccumulator::AddUnknown(std::string_view name, const Cell& cell) {
  if (cell.kind == CellKind::kMissing) return;
  auto& unknown = columns_.unknown_features;
  if (auto it = unknown.find(name); it != unknown.end()) {
    ++it->second;
  } else {
    unknown.emplace(std::string(name), 1);
  }
}

CurrentColumns ColumnAccumulator::Finish() && {
  const int64_t rows = columns_.rows;
  for (size_t i = 0; i < types_.size(); ++i) {
    int64_t values = 0;
    if (types_[i] == FeatureType::kNumeric) {
      SortValues(&columns_.numeric[i].sorted);
      values = static_cast<int64_t>(columns_.numeric[i].sorted.size());
      columns_.numeric[i].missing = rows - values - columns_.type_mismatches[i];
    } else {
      for (const auto& [category, count] : columns_.categorical[i].counts) values += count;
      columns_.categorical[i].missing = rows - values - columns_.type_mismatches[i];
    }
  }
  for (NumericColumn* column : {&columns_.prediction, &columns_.actual}) {
    SortValues(&column->sorted);
    column->missing = rows - static_cast<int64_t>(column->sorted.size());
  }
  return std::move(columns_);
}

ReferenceProfile ToReferenceProfile(CurrentColumns columns, std::vector<std::string> names,
                                    const std::vector<FeatureType>& types, bool has_prediction,
                                    bool has_actual) {
  ReferenceProfile profile;
  profile.rows = columns.rows;
  profile.features.resize(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    FeatureProfile& feature = profile.features[i];
    feature.name = std::move(names[i]);
    feature.type = types[i];
    if (types[i] == FeatureType::kNumeric) {
      feature.numeric = std::move(columns.numeric[i]);
      if (!feature.numeric.sorted.empty()) {
        feature.min = feature.numeric.sorted.front();
        feature.max = feature.numeric.sorted.back();
      }
    } else {
      feature.categorical = std::move(columns.categorical[i]);
    }
  }
  if (has_prediction) profile.prediction = std::move(columns.prediction);
  if (has_actual) profile.actual = std::move(columns.actual);
  return profile;
}

}  // namespace mw::profile::detail
