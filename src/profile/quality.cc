#include "profile/quality.h"

#include <algorithm>

namespace mw::profile {
namespace {

double Rate(int64_t count, int64_t rows) {
  return rows == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(rows);
}

void NumericQuality(const FeatureProfile& reference, const NumericColumn& current,
                    FeatureQuality* quality) {
  quality->missing = current.missing;
  quality->reference_min = reference.min;
  quality->reference_max = reference.max;
  const std::vector<double>& values = current.sorted;
  if (reference.numeric.sorted.empty()) {
    quality->out_of_range = static_cast<int64_t>(values.size());
  } else {
    // The values are sorted: those below min form a prefix and those above max a suffix.
    const auto low = std::lower_bound(values.begin(), values.end(), reference.min);
    const auto high = std::upper_bound(values.begin(), values.end(), reference.max);
    quality->out_of_range = (low - values.begin()) + (values.end() - high);
  }
}

void CategoricalQuality(const FeatureProfile& reference, const CategoricalColumn& current,
                        FeatureQuality* quality) {
  quality->missing = current.missing;
  const auto& known = reference.categorical.counts;
  for (const auto& [category, count] : current.counts) {
    if (known.contains(category)) continue;
    quality->unseen_categories.emplace_back(category, count);
    quality->unseen += count;
  }
  // Stable over the name order of the map, so equal counts stay sorted by name.
  std::stable_sort(quality->unseen_categories.begin(), quality->unseen_categories.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
}

}  // namespace

QualityReport ComputeQuality(const ReferenceProfile& reference, const CurrentColumns& current) {
  QualityReport report;
  report.rows = current.rows;
  report.features.reserve(reference.features.size());
  for (size_t i = 0; i < reference.features.size(); ++i) {
    const FeatureProfile& feature = reference.features[i];
    FeatureQuality& quality = report.features.emplace_back();
    quality.name = feature.name;
    quality.type = feature.type;
    quality.rows = current.rows;
    const int64_t reference_missing = feature.type == FeatureType::kNumeric
                                          ? feature.numeric.missing
                                          : feature.categorical.missing;
    quality.reference_missing_rate = Rate(reference_missing, reference.rows);
    if (i < current.type_mismatches.size()) quality.type_mismatches = current.type_mismatches[i];
    if (feature.type == FeatureType::kNumeric) {
      if (i < current.numeric.size()) NumericQuality(feature, current.numeric[i], &quality);
    } else if (i < current.categorical.size()) {
      CategoricalQuality(feature, current.categorical[i], &quality);
    }
    quality.missing_rate = Rate(quality.missing, current.rows);
    quality.out_of_range_rate = Rate(quality.out_of_range, current.rows);
    quality.unseen_rate = Rate(quality.unseen, current.rows);
  }
  for (const auto& [name, rows] : current.unknown_features) report.unknown_features.push_back(name);
  return report;
}

}  // namespace mw::profile
