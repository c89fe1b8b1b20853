#include "proxy/cache/cache_metrics.h"

#include <string>

namespace mw::proxy {
namespace {

using prometheus::Counter;
using prometheus::Gauge;

const prometheus::Labels& CacheTypeLabels() {
  static const prometheus::Labels kLabels = {{"cache_type", std::string(CacheMetrics::kCacheType)}};
  return kLabels;
}

// One registration function per family, so each name and HELP text reads in one place.
Counter& RegisterCacheHits(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name(m.prefix() + "_cache_hits_total")
      .Help("Cache lookups answered from the cache, by cache type.")
      .Register(m.registry())
      .Add(CacheTypeLabels());
}

Counter& RegisterCacheMisses(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name(m.prefix() + "_cache_misses_total")
      .Help("Cache lookups that found no fresh entry, by cache type.")
      .Register(m.registry())
      .Add(CacheTypeLabels());
}

Counter& RegisterCacheEvictions(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name(m.prefix() + "_cache_evictions_total")
      .Help("Cache entries dropped to make room (least recently used first), by cache type.")
      .Register(m.registry())
      .Add(CacheTypeLabels());
}

Gauge& RegisterCacheSize(telemetry::Metrics& m) {
  return prometheus::BuildGauge()
      .Name(m.prefix() + "_cache_size_bytes")
      .Help("Bytes held by the cache, by cache type.")
      .Register(m.registry())
      .Add(CacheTypeLabels());
}

prometheus::Family<Counter>& RegisterCacheBypassed(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_proxy_cache_bypassed_total")
      .Help(
          "Proxied requests the response cache did not look up, and answers it did not keep, "
          "by reason (key_too_large, invalid_body, body_too_large, redis_down, redis_busy); "
          "in neither hits nor misses.")
      .Register(m.registry());
}

prometheus::Family<Gauge>& RegisterCacheRedisUp(telemetry::Metrics& m) {
  return prometheus::BuildGauge()
      .Name("modelwatch_proxy_cache_redis_up")
      .Help("1 while the response cache's Redis backend reaches Redis, else 0.")
      .Register(m.registry());
}

}  // namespace

CacheMetrics::CacheMetrics(telemetry::Metrics& metrics)
    : hits_(RegisterCacheHits(metrics)),
      misses_(RegisterCacheMisses(metrics)),
      evictions_(RegisterCacheEvictions(metrics)),
      size_bytes_(RegisterCacheSize(metrics)),
      bypassed_family_(RegisterCacheBypassed(metrics)),
      redis_up_family_(RegisterCacheRedisUp(metrics)) {
  for (const std::string_view reason :
       {kBypassKeyTooLarge, kBypassInvalidBody, kBypassBodyTooLarge}) {
    bypassed_.Get({reason}, [&] {
      return &bypassed_family_.Add({{"reason", std::string(reason)}});
    });
  }
}

void CacheMetrics::Hit() { hits_.Increment(); }

void CacheMetrics::Miss() { misses_.Increment(); }

void CacheMetrics::Evicted(uint64_t entries) {
  if (entries > 0) evictions_.Increment(static_cast<double>(entries));
}

void CacheMetrics::SetSizeBytes(size_t bytes) { size_bytes_.Set(static_cast<double>(bytes)); }

void CacheMetrics::Bypassed(std::string_view reason) {
  bypassed_.Get({reason},
                [&] {
                  return &bypassed_family_.Add({{"reason", std::string(reason)}});
                })
      ->Increment();
}

void CacheMetrics::SetRedisUp(bool up) {
  std::call_once(redis_up_once_, [&] { redis_up_ = &redis_up_family_.Add({}); });
  redis_up_->Set(up ? 1 : 0);
}

}  // namespace mw::proxy
