#include "alerting/notify/alert.h"

#include <cstdio>

#include "common/hash.h"

namespace mw::alerting {
namespace {

constexpr unsigned char kSeparator = 0xff;  // cannot occur in valid UTF-8

}  // namespace

std::string AlertEvent::severity() const {
  auto it = labels.find("severity");
  return it == labels.end() ? std::string() : it->second;
}

std::string AlertEvent::Fingerprint() const { return LabelsFingerprint(labels); }

std::string LabelsFingerprint(const std::map<std::string, std::string>& labels) {
  uint64_t h = kFnv1a64Offset;
  for (const auto& [name, value] : labels) {  // std::map: already sorted by name
    h = Fnv1a64Byte(Fnv1a64Append(h, name), kSeparator);
    h = Fnv1a64Byte(Fnv1a64Append(h, value), kSeparator);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace mw::alerting
