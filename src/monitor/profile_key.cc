#include "monitor/profile_key.h"

#include <functional>

namespace mw::monitor {
namespace {
constexpr char kSeparator = '\x1f';  // a control character, which no name may contain
}  // namespace

std::string ProfileKey::Encode() const {
  std::string out;
  out.reserve(model.size() + version.size() + segment.size() + 2);
  out.append(model).push_back(kSeparator);
  out.append(version).push_back(kSeparator);
  out.append(segment);
  return out;
}

ProfileKey ProfileKey::Decode(std::string_view encoded) {
  ProfileKey key;
  const size_t a = encoded.find(kSeparator);
  key.model = std::string(encoded.substr(0, a));
  if (a == std::string_view::npos) return key;
  const size_t b = encoded.find(kSeparator, a + 1);
  key.version = std::string(encoded.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
  if (b == std::string_view::npos) return key;
  key.segment = std::string(encoded.substr(b + 1));
  return key;
}

size_t ProfileKeyHash::operator()(const ProfileKey& key) const {
  const std::hash<std::string> h;
  size_t seed = h(key.model);
  for (const std::string* part : {&key.version, &key.segment}) {
    seed ^= h(*part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  }
  return seed;
}

}  // namespace mw::monitor
