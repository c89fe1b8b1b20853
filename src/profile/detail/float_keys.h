// Doubles as order-preserving unsigned 64-bit keys (internal to src/profile): for finite a, b,
// a < b implies OrderedKey(a) < OrderedKey(b), and -0.0 sorts just before +0.0. Used to radix
// sort columns and to store sorted columns as small key differences.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace mw::profile::detail {

inline uint64_t OrderedKey(double value) {
  const uint64_t bits = std::bit_cast<uint64_t>(value);
  // Negative: flip everything (larger magnitude = smaller key); positive: set the sign bit.
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

inline double FromOrderedKey(uint64_t key) {
  const uint64_t bits = (key >> 63) != 0 ? key & ~(uint64_t{1} << 63) : ~key;
  return std::bit_cast<double>(bits);
}

// Sorts finite values ascending with boost's integer_sort (a radix sort) over their keys.
// boost::sort::spreadsort::float_sort would sort the doubles directly, but it subtracts signed
// 64-bit bit patterns of mixed-sign values, which overflows (UBSan reports it); the unsigned keys
// give the same order without undefined behaviour, for one extra pass each way.
void SortValues(std::vector<double>* values);

}  // namespace mw::profile::detail
