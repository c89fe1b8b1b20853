// The in-memory response cache (`proxy.cache.backend: memory`, the default): least recently used
// entries bounded in bytes, each kept until its ttl passes.
//
// Layout. kShards shards, chosen by the key's hash (mixed: FNV-1a's low bits depend only on the
// low bits of the input bytes), each a recency list and a hash map under its own mutex, so
// lookups of different keys rarely wait for each other. Each shard holds at most
// max_bytes / kShards bytes (the floor); an entry costs its canonical key, its header names and
// values, its body and kEntryOverhead bytes (the list node, the map slot, the response object).
// Storing evicts the shard's least recently used entries until the shard fits again; a lookup
// that hits makes its entry the most recent. Entries are found by hash and canonical key together,
// so two keys with one hash are two entries, and a lookup never returns the other one.
//
// Expiry. An entry stored at t with ttl d is fresh until t + d (by `clock`), exclusive; a lookup
// that finds it stale drops it (a miss, not an eviction). Stale entries nobody asks for stay until
// they are evicted. The clock is wall time: a clock set back keeps entries longer.
//
// Counting: evictions, the size gauge (the sum of the entries' cost) and the body_too_large
// bypasses of Store go to `metrics` when given; Lookup counts nothing (the caller counts hits and
// misses from the outcome, cache.h). Lookup calls `done` inline, after releasing the shard's lock.
// A hit copies the answer outside the lock (entries are shared, immutable).
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/cache_metrics.h"

namespace mw::proxy {

struct MemoryCacheOptions {
  size_t max_bytes = 64 << 20;       // the whole cache (proxy.cache.max_bytes)
  size_t max_entry_bytes = 1 << 20;  // larger entries are not stored (bypass body_too_large)
  const Clock* clock = nullptr;      // required; must outlive the cache
};

class MemoryCache final : public ResponseCache {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntryOverhead = 64;

  // Precondition: options.clock is not null. `metrics` may be null; else it must outlive this.
  explicit MemoryCache(const MemoryCacheOptions& options, CacheMetrics* metrics = nullptr);
  ~MemoryCache() override;
  MemoryCache(const MemoryCache&) = delete;
  MemoryCache& operator=(const MemoryCache&) = delete;

  // kHit with a copy of the fresh entry, or kMiss; never kBypassed.
  void Lookup(const CacheKey& key, LookupDone done) override;
  // Stores unless ttl <= 0 or the entry costs more than max_entry_bytes or than a shard holds
  // (then counted as bypass body_too_large). Replaces an entry of the same key (not an eviction).
  void Store(const CacheKey& key, CachedResponse response, std::chrono::milliseconds ttl) override;

  // The sum of the entries' cost, and their number (expired ones not yet dropped included).
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t entries() const { return entries_.load(std::memory_order_relaxed); }

  // The shard of a key with this hash (exposed so tests can put keys in one shard).
  static size_t ShardOf(uint64_t hash);
  // What an entry of this key and answer costs (after StorableHeaders).
  static size_t EntryCost(const CacheKey& key, const CachedResponse& response);

 private:
  struct Entry {
    std::string canonical;
    uint64_t hash = 0;
    size_t cost = 0;
    int64_t expires_at_ms = 0;  // fresh while now < expires_at_ms
    std::shared_ptr<const CachedResponse> response;
  };
  using EntryList = std::list<Entry>;  // most recently used first
  // A map key that points into its entry's canonical string (list nodes never move).
  struct EntryRef {
    uint64_t hash;
    std::string_view canonical;
    bool operator==(const EntryRef& other) const {
      return hash == other.hash && canonical == other.canonical;
    }
  };
  struct EntryRefHash {
    size_t operator()(const EntryRef& ref) const { return static_cast<size_t>(ref.hash); }
  };
  struct Shard {
    std::mutex mutex;
    EntryList entries;
    std::unordered_map<EntryRef, EntryList::iterator, EntryRefHash> index;
    size_t bytes = 0;
  };

  // Under the shard's lock: removes `it`, keeping the totals.
  void EraseLocked(Shard& shard, EntryList::iterator it);
  // After the totals changed: publishes them to the size gauge.
  void PublishSize();

  const size_t shard_budget_;
  const size_t max_entry_bytes_;
  const Clock& clock_;
  CacheMetrics* const metrics_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> entries_{0};
  // Serialises reading bytes_ and setting the gauge, so the last setter sets the latest total.
  std::mutex publish_mutex_;
};

}  // namespace mw::proxy
