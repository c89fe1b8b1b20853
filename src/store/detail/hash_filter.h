// HashFilter: a blocked Bloom filter over 64-bit hashes that are already well mixed (IdHash).
//
// Why: the ingest writer asks the id file, for every event with a client id, whether the id is
// stored already. Almost always it is not, and answering "no" through SQLite (statement step plus
// a B-tree descent) was about 12% of the writer's time under batched load. The filter answers
// most of those "no"s from memory. No Debian-packaged C++ library offers a Bloom filter that
// works on precomputed hashes with concurrent readers, so it is written here (~60 lines).
//
// Contract: MayContain(h) is true for every h passed to Add before (no false negatives, once the
// Add happens-before the query, e.g. through a mutex); for other hashes it is false except with
// probability about 1% at `capacity` entries (10 bits per entry, 7 bits set per entry, all in
// one 512-bit block so a query touches one cache line). Past capacity the false-positive rate
// rises gracefully; the owner rebuilds a larger filter. Add and MayContain are safe to call
// concurrently from any threads (relaxed atomics: bits are only ever set).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace mw::store::detail {

class HashFilter {
 public:
  // Largest filter: 2^30 bits (128 MiB), about 100M entries at 1% false positives.
  static constexpr uint64_t kMaxBits = uint64_t{1} << 30;

  explicit HashFilter(uint64_t capacity)
      : blocks_(std::bit_ceil(
            std::clamp<uint64_t>(capacity * 10 / kBlockBits + 1, 1, kMaxBits / kBlockBits))),
        capacity_(capacity),
        words_(new std::atomic<uint64_t>[blocks_ * kWordsPerBlock]) {
    for (uint64_t i = 0; i < blocks_ * kWordsPerBlock; ++i) {
      words_[i].store(0, std::memory_order_relaxed);
    }
  }

  uint64_t capacity() const { return capacity_; }
  uint64_t bits() const { return blocks_ * kBlockBits; }

  void Add(uint64_t hash) {
    std::atomic<uint64_t>* block = Block(hash);
    uint64_t probe = Remix(hash);
    for (int i = 0; i < kProbes; ++i, probe >>= 9) {
      block[(probe >> 6) & 7].fetch_or(uint64_t{1} << (probe & 63), std::memory_order_relaxed);
    }
  }

  bool MayContain(uint64_t hash) const {
    const std::atomic<uint64_t>* block = Block(hash);
    uint64_t probe = Remix(hash);
    for (int i = 0; i < kProbes; ++i, probe >>= 9) {
      const uint64_t bit = uint64_t{1} << (probe & 63);
      if ((block[(probe >> 6) & 7].load(std::memory_order_relaxed) & bit) == 0) return false;
    }
    return true;
  }

 private:
  static constexpr uint64_t kBlockBits = 512;
  static constexpr uint64_t kWordsPerBlock = kBlockBits / 64;
  static constexpr int kProbes = 7;  // 7 x 9 bits of the remixed hash pick the bits in a block

  // The block comes from the hash's high bits; the bits inside it from a second, independent
  // mix (so that hashes sharing a block do not share bit patterns).
  std::atomic<uint64_t>* Block(uint64_t hash) const {
    return &words_[((hash >> 32) * blocks_ >> 32) * kWordsPerBlock];
  }
  static uint64_t Remix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;  // murmur3 fmix64
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

  uint64_t blocks_;
  uint64_t capacity_;
  std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace mw::store::detail
