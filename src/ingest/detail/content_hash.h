// ContentHasher: the 64-bit hash behind PredictionEvent::content_hash.
//
// FNV-1a (64-bit, common/hash.h) over a tagged, length-prefixed byte encoding of the values, so
// that no two different sequences of values encode to the same bytes. Not std::hash, because the
// value is persisted by the store to recognise retries: it must stay identical across builds,
// platforms and library versions, which std::hash does not promise. Not cryptographic: it
// detects accidental differences between a retry and the original, not adversarial collisions.
//
// Numbers are hashed by their double value (so 1, 1.0 and 1e0 are equal; -0 equals 0), strings
// by their unescaped UTF-8 bytes. Integers and lengths are encoded little-endian.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/hash.h"

namespace mw::ingest::detail {

class ContentHasher {
 public:
  void Tag(char tag) { Byte(static_cast<uint8_t>(tag)); }
  void String(std::string_view s) {
    U64(s.size());
    h_ = Fnv1a64Append(h_, s);
  }
  void Number(double d) {
    if (d == 0) d = 0;  // -0 and 0 are the same number
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    U64(bits);
  }
  void Int(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  uint64_t value() const { return h_; }

 private:
  void Byte(uint8_t b) { h_ = Fnv1a64Byte(h_, b); }
  uint64_t h_ = kFnv1a64Offset;
};

}  // namespace mw::ingest::detail
