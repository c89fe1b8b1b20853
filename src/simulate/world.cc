#include "simulate/world.h"

#include <limits>

namespace mw::simulate {

double AsNumber(const FeatureValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  return std::numeric_limits<double>::quiet_NaN();
}

nlohmann::ordered_json FeaturesJson(const std::vector<FeatureSpec>& specs,
                                    const std::vector<FeatureValue>& values) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (size_t i = 0; i < specs.size() && i < values.size(); ++i) {
    std::visit([&](const auto& v) { out[specs[i].name] = v; }, values[i]);
  }
  return out;
}

int World::FeatureIndex(std::string_view name) const {
  const auto& all = features();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace mw::simulate
