#include "simulate/world.h"

namespace mw::simulate {

int World::FeatureIndex(std::string_view name) const {
  const auto& all = features();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace mw::simulate
