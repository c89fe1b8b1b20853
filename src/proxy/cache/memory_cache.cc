#include "proxy/cache/memory_cache.h"

#include <cassert>
#include <iterator>
#include <utility>

#include "common/hash.h"

namespace mw::proxy {

MemoryCache::MemoryCache(const MemoryCacheOptions& options, CacheMetrics* metrics)
    : shard_budget_(options.max_bytes / kShards),
      max_entry_bytes_(options.max_entry_bytes),
      clock_(*options.clock),
      metrics_(metrics) {
  assert(options.clock != nullptr);
  if (metrics_ != nullptr) metrics_->SetSizeBytes(0);
}

MemoryCache::~MemoryCache() = default;

size_t MemoryCache::ShardOf(uint64_t hash) { return SplitMix64Finalize(hash) % kShards; }

size_t MemoryCache::EntryCost(const CacheKey& key, const CachedResponse& response) {
  size_t cost = kEntryOverhead + key.canonical.size() + response.body.size();
  for (const auto& [name, value] : response.headers) cost += name.size() + value.size();
  return cost;
}

void MemoryCache::Lookup(const CacheKey& key, LookupDone done) {
  Shard& shard = shards_[ShardOf(key.hash)];
  std::shared_ptr<const CachedResponse> found;
  bool expired = false;
  {
    std::lock_guard lock(shard.mutex);
    const auto it = shard.index.find(EntryRef{key.hash, key.canonical});
    if (it != shard.index.end()) {
      const EntryList::iterator entry = it->second;
      if (clock_.NowMillis() >= entry->expires_at_ms) {
        EraseLocked(shard, entry);
        expired = true;
      } else {
        shard.entries.splice(shard.entries.begin(), shard.entries, entry);
        found = entry->response;
      }
    }
  }
  if (expired) PublishSize();
  if (found) {
    done(*found, LookupOutcome::kHit);
  } else {
    done(std::nullopt, LookupOutcome::kMiss);
  }
}

void MemoryCache::Store(const CacheKey& key, CachedResponse response,
                        std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return;
  response.headers = StorableHeaders(std::move(response.headers));
  const size_t cost = EntryCost(key, response);
  if (cost > max_entry_bytes_ || cost > shard_budget_) {
    if (metrics_ != nullptr) metrics_->Bypassed(kBypassBodyTooLarge);
    return;
  }
  Entry entry{key.canonical, key.hash, cost, clock_.NowMillis() + ttl.count(),
              std::make_shared<const CachedResponse>(std::move(response))};
  Shard& shard = shards_[ShardOf(key.hash)];
  uint64_t evicted = 0;
  {
    std::lock_guard lock(shard.mutex);
    if (const auto it = shard.index.find(EntryRef{key.hash, key.canonical});
        it != shard.index.end()) {
      EraseLocked(shard, it->second);
    }
    shard.entries.push_front(std::move(entry));
    const Entry& stored = shard.entries.front();
    shard.index.emplace(EntryRef{stored.hash, stored.canonical}, shard.entries.begin());
    shard.bytes += cost;
    bytes_.fetch_add(cost, std::memory_order_relaxed);
    entries_.fetch_add(1, std::memory_order_relaxed);
    // The new entry fits a shard alone (checked above), so the loop stops before reaching it.
    while (shard.bytes > shard_budget_) {
      EraseLocked(shard, std::prev(shard.entries.end()));
      ++evicted;
    }
  }
  if (metrics_ != nullptr) metrics_->Evicted(evicted);
  PublishSize();
}

void MemoryCache::EraseLocked(Shard& shard, EntryList::iterator it) {
  shard.index.erase(EntryRef{it->hash, it->canonical});
  shard.bytes -= it->cost;
  bytes_.fetch_sub(it->cost, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.entries.erase(it);
}

void MemoryCache::PublishSize() {
  if (metrics_ == nullptr) return;
  std::lock_guard lock(publish_mutex_);
  metrics_->SetSizeBytes(bytes_.load(std::memory_order_relaxed));
}

}  // namespace mw::proxy
