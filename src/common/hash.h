// The non-cryptographic hashes modelwatch uses for identifiers, fingerprints and seeds: 64-bit
// FNV-1a over bytes and the SplitMix64 finaliser. Their values are persisted or compared across
// runs (event content hashes, alert fingerprints, the simulator's per-stream seeds, the store's id
// index), so they must never change: the tests pin known values. Pure, constexpr, header-only so
// that the per-byte loop inlines into the hot paths that call it.
#pragma once

#include <cstdint>
#include <string_view>

namespace mw {

inline constexpr uint64_t kFnv1a64Offset = 14695981039346656037ULL;  // 0xcbf29ce484222325
inline constexpr uint64_t kFnv1a64Prime = 1099511628211ULL;          // 0x100000001b3

// One FNV-1a step: `h` (a running hash, kFnv1a64Offset to start) extended by the byte `b`.
constexpr uint64_t Fnv1a64Byte(uint64_t h, uint8_t b) { return (h ^ b) * kFnv1a64Prime; }

// `h` extended by every byte of `bytes`, in order.
constexpr uint64_t Fnv1a64Append(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) h = Fnv1a64Byte(h, static_cast<uint8_t>(c));
  return h;
}

// FNV-1a 64 of `bytes` ("" hashes to kFnv1a64Offset).
constexpr uint64_t Fnv1a64(std::string_view bytes) { return Fnv1a64Append(kFnv1a64Offset, bytes); }

// SplitMix64's output function: a bijection that spreads every input bit over the whole word
// (FNV's high bits are weak; a seed and a stream hash XORed together need mixing).
constexpr uint64_t SplitMix64Finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace mw
