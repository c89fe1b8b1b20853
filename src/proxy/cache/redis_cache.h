// The Redis response cache (`proxy.cache.backend: redis`): answers shared by every sidecar that
// uses the same Redis, kept with Redis' own expiry.
//
// Threads. hiredis 0.14 offers no Asio adapter, and its blocking calls must never run on a proxy
// I/O thread, so the cache runs pool_size worker threads, each with one blocking connection
// (detail/redis_connection.h) and a job queue of at most queue_capacity jobs. Lookup and Store
// put a job on a worker's queue (round robin, the next worker when one is full) and return;
// Lookup's `done` is then called on that worker thread (the caller posts back to its strand),
// never under a lock of the cache.
//
// Keys and values. An answer is stored under "mw:cache:<16 lower-case hex digits of key.hash>"
// with `SET key value PX <ttl ms>` (Redis expires it); the value (detail/redis_value.h) holds the
// status, the headers (after StorableHeaders), the body and the SHA-256 of the canonical key, never
// the canonical key itself (it holds the vary headers' values: Authorization). A lookup whose
// stored digest differs is a miss (a 64-bit hash collision), as is a value it cannot read.
//
// Redis down. A connection that fails (refused, timed out, reset: hiredis returns no reply)
// marks Redis down: up() turns false, and until a connection succeeds again every Lookup is
// answered at once, inline on the calling thread, with kBypassed and counted
// bypassed{reason="redis_down"} (the request goes upstream: never an error to the client), and
// every Store is dropped (counted the same way). The workers try to reconnect at most once per
// retry_interval, with or without traffic. A connection that the server closed while idle (Redis
// restarted) is reopened once at once before Redis is declared down. Every lookup is answered
// within about `timeout` (each read and write of a command is bounded by it; a worker that finds
// Redis down answers its queued jobs without trying). A full queue on every worker: the lookup is
// answered inline with kBypassed, bypassed{reason="redis_busy"}.
//
// Counting (cache.h): the caller counts hits and misses; this counts its bypasses, answers too
// large to keep (body_too_large: the encoded value over max_entry_bytes), the size gauge
// (P_cache_size_bytes{cache_type="response"} = Redis' used_memory from INFO memory, read every
// info_interval while up) and modelwatch_proxy_cache_redis_up.
//
// Thread-safety: every method may be called from any thread concurrently. The destructor stops
// the workers and answers the jobs still queued with kBypassed (redis_down); it must not run on a
// worker thread (from a `done`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/background.h"
#include "common/clock.h"
#include "common/status.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/cache_metrics.h"

namespace mw::proxy {

struct RedisCacheOptions {
  std::string url;                                  // ParseRedisUrl (redis_url.h)
  size_t pool_size = 2;                             // worker threads, each one connection
  size_t queue_capacity = 64;                       // jobs waiting per worker
  std::chrono::milliseconds timeout{50};            // connect, and each command's read/write
  std::chrono::milliseconds retry_interval{1000};   // between reconnection attempts while down
  std::chrono::milliseconds info_interval{10'000};  // between INFO memory reads (size gauge)
  size_t max_entry_bytes = 1 << 20;                 // larger encoded answers are not stored
  const Clock* clock = nullptr;                     // required; schedules retries and INFO
  BackgroundErrorReporter* reporter = nullptr;      // a worker's exception; null = stderr
};

class RedisCache final : public ResponseCache {
 public:
  // InvalidArgument (ParseRedisUrl's message, prefixed "proxy.cache.redis_url: ") for a bad URL.
  // Starts the workers and waits for the first connection attempt (at most about `timeout`), so
  // up() tells at once whether Redis answered. Redis being down is not an error. `metrics` may be
  // null; else it must outlive the cache, as must options.clock.
  static Result<std::unique_ptr<RedisCache>> Create(RedisCacheOptions options,
                                                    CacheMetrics* metrics);
  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  void Lookup(const CacheKey& key, LookupDone done) override;
  void Store(const CacheKey& key, CachedResponse response, std::chrono::milliseconds ttl) override;

  // True while the last connection attempt or command reached Redis (for /health's
  // redis_connected and modelwatch_proxy_cache_redis_up).
  bool up() const;

  // "mw:cache:" and the hash as 16 lower-case hex digits.
  static std::string RedisKey(uint64_t hash);

 private:
  class Impl;
  explicit RedisCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::proxy
