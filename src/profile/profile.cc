#include "profile/profile.h"

namespace mw::profile {

std::string_view FeatureTypeName(FeatureType type) {
  switch (type) {
    case FeatureType::kNumeric:
      return "numeric";
    case FeatureType::kCategorical:
      return "categorical";
  }
  return "unknown";
}

const FeatureProfile* ReferenceProfile::Find(std::string_view name) const {
  for (const FeatureProfile& feature : features) {
    if (feature.name == name) return &feature;
  }
  return nullptr;
}

}  // namespace mw::profile
