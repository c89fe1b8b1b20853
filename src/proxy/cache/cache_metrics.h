// The response cache's metric families (P = metrics.prefix()):
//   P_cache_hits_total{cache_type="response"}       counter  lookups answered from the cache
//   P_cache_misses_total{cache_type="response"}     counter  lookups that found nothing fresh
//   P_cache_evictions_total{cache_type="response"}  counter  entries dropped to make room (LRU);
//                                                            expired entries are not evictions
//   P_cache_size_bytes{cache_type="response"}       gauge    what the cache holds (memory: the
//                                                            entries' cost, memory_cache.h)
//   modelwatch_proxy_cache_bypassed_total{reason}   counter  requests not looked up and answers
//                                                            not kept, by reason (kBypass*)
//   modelwatch_proxy_cache_redis_up                  gauge    1 while the Redis backend reaches
//                                                            Redis, else 0 (only with that backend)
// The P_ families describe the watched service (the cache sits in front of its API) and share
// their names with the dashboards' and rules' cache hit ratio; the bypasses are the proxy's own
// bookkeeping, hence modelwatch_.
//
// Hit ratio = hits / (hits + misses). Bypasses are in neither: a request the cache could not look
// up (its key too long, its body not keyable or too large to buffer, Redis down) says nothing
// about how well the cache works. An answer refused at Store (body_too_large) was a miss first;
// it is then also a bypass.
//
// Who calls what (cache.h, "Counting"): the caller counts Hit()/Miss() per lookup outcome and the
// bypasses it decides; a backend counts its evictions, its size and its own bypasses.
//
// Every series is created at construction (counters at 0, with the bypass reasons any backend
// has: key_too_large, invalid_body, body_too_large), so rates and ratios have data before the
// first request; redis_* series (the bypass reasons, the redis_up gauge) appear when the Redis
// backend first sets one.
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::proxy {

// Bypass reasons, a fixed set (the label's values come from code, never from requests):
//   key_too_large   MakeCacheKey said ResourceExhausted (longer than the key limit);
//   invalid_body    MakeCacheKey said InvalidArgument (pointers into a body that is not JSON);
//   body_too_large  a request body over proxy.max_capture_bytes (not buffered, so not keyed), or
//                   an answer larger than the backend keeps (MemoryCacheOptions::max_entry_bytes);
//   redis_down      the Redis backend cannot reach Redis;
//   redis_busy      the Redis backend's job queue is full.
inline constexpr std::string_view kBypassKeyTooLarge = "key_too_large";
inline constexpr std::string_view kBypassInvalidBody = "invalid_body";
inline constexpr std::string_view kBypassBodyTooLarge = "body_too_large";
inline constexpr std::string_view kBypassRedisDown = "redis_down";
inline constexpr std::string_view kBypassRedisBusy = "redis_busy";

class CacheMetrics {
 public:
  // The cache_type label value of the response cache.
  static constexpr std::string_view kCacheType = "response";

  // Registers the families on metrics.registry(); `metrics` must outlive this. Another owner of
  // the P_cache_* names (the profile cache, until it moves to modelwatch_) shares the families:
  // prometheus-cpp merges same-named families, and the cache_type label keeps the series apart.
  explicit CacheMetrics(telemetry::Metrics& metrics);

  void Hit();
  void Miss();
  void Evicted(uint64_t entries);
  void SetSizeBytes(size_t bytes);
  // `reason`: one of the kBypass* tokens.
  void Bypassed(std::string_view reason);
  // The Redis backend's connection state (creates the redis_up series on first use).
  void SetRedisUp(bool up);

 private:
  prometheus::Counter& hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& evictions_;
  prometheus::Gauge& size_bytes_;
  prometheus::Family<prometheus::Counter>& bypassed_family_;
  telemetry::SeriesCache<prometheus::Counter*> bypassed_;
  prometheus::Family<prometheus::Gauge>& redis_up_family_;
  std::once_flag redis_up_once_;
  prometheus::Gauge* redis_up_ = nullptr;  // set once, under redis_up_once_
};

}  // namespace mw::proxy
