#include "alerting/notify/alert.h"

#include <cstdio>

namespace mw::alerting {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;  // cannot occur in valid UTF-8

uint64_t Add(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t AddByte(uint64_t h, unsigned char c) {
  h ^= c;
  return h * kFnvPrime;
}

}  // namespace

std::string AlertEvent::severity() const {
  auto it = labels.find("severity");
  return it == labels.end() ? std::string() : it->second;
}

std::string AlertEvent::Fingerprint() const { return LabelsFingerprint(labels); }

std::string LabelsFingerprint(const std::map<std::string, std::string>& labels) {
  uint64_t h = kFnvOffset;
  for (const auto& [name, value] : labels) {  // std::map: already sorted by name
    h = AddByte(Add(h, name), kSeparator);
    h = AddByte(Add(h, value), kSeparator);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace mw::alerting
