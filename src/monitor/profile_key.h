// ProfileKey: which reference profile an entry of the profile cache (profile/profile_cache.h)
// holds: a model version's profile, for one segment ("" = the whole model).
//
// The cache keys its entries by string; Encode and Decode are the one place that knows how a key
// becomes that string, so the quality service that fills the cache, the admin routes that list
// and unload entries, and the cache gauges all speak in ProfileKeys.
// Contract: Decode(k.Encode()) == k for every key whose parts contain no '\x1f' (names never do:
// common/names.h forbids control characters).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mw::monitor {

struct ProfileKey {
  std::string model;
  std::string version;
  std::string segment;

  bool operator==(const ProfileKey&) const = default;

  std::string Encode() const;
  // The parts of an encoded key: up to the first separator, up to the second, the rest. A string
  // with fewer separators (never made by Encode) leaves the missing parts empty.
  static ProfileKey Decode(std::string_view encoded);
};

struct ProfileKeyHash {
  size_t operator()(const ProfileKey& key) const;
};

}  // namespace mw::monitor
