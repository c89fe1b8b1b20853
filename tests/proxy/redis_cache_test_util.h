// What the RedisCache tests share (redis_cache_test.cc, redis_cache_outage_test.cc): a lookup that
// waits for its answer and says how it came, polling until a condition holds, and a fixture that
// makes caches against a RedisTestServer with the metrics they count into.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "proxy/cache/cache_metrics.h"
#include "proxy/cache/redis_cache.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy::testing {

struct RedisLookup {
  std::optional<CachedResponse> response;
  LookupOutcome outcome = LookupOutcome::kBypassed;
  bool inline_answer = false;  // `done` ran before Lookup returned
  std::thread::id thread;      // the thread `done` ran on
  std::chrono::milliseconds took{0};
};

// Looks `key` up and waits (at most 10 s) for the answer. The callback owns what it touches, so a
// late answer after a timeout is harmless.
inline RedisLookup RedisLookupWait(ResponseCache& cache, const CacheKey& key) {
  using Steady = std::chrono::steady_clock;
  auto promise = std::make_shared<std::promise<RedisLookup>>();
  std::future<RedisLookup> future = promise->get_future();
  const auto start = Steady::now();
  auto returned = std::make_shared<std::atomic<bool>>(false);
  cache.Lookup(key, [=](std::optional<CachedResponse> response, LookupOutcome outcome) {
    RedisLookup r;
    r.response = std::move(response);
    r.outcome = outcome;
    r.inline_answer = !returned->load();
    r.thread = std::this_thread::get_id();
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
    promise->set_value(std::move(r));
  });
  returned->store(true);
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within 10 s";
    return {};
  }
  return future.get();
}

// Waits (at most `limit`) until `predicate` holds.
template <typename Predicate>
bool RedisEventually(Predicate predicate,
                     std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

inline telemetry::MetricsOptions RedisMetricsOptions() {
  telemetry::MetricsOptions options;
  options.prefix = "ml";
  options.system_metrics = false;
  return options;
}

// Caches with the fixture's timeout and retry interval (a derived fixture sets its own).
class RedisCacheFixture : public ::testing::Test {
 protected:
  RedisCacheOptions Options(const std::string& url, size_t pool_size = 1) {
    RedisCacheOptions options;
    options.url = url;
    options.pool_size = pool_size;
    options.timeout = timeout_;
    options.retry_interval = retry_interval_;
    options.clock = &clock_;
    return options;
  }
  std::unique_ptr<RedisCache> Make(RedisCacheOptions options) {
    Result<std::unique_ptr<RedisCache>> cache = RedisCache::Create(std::move(options), &metrics_);
    EXPECT_TRUE(cache.has_value()) << cache.status().ToString();
    return cache.has_value() ? std::move(cache).value() : nullptr;
  }
  std::optional<double> Sample(const std::string& series) {
    return telemetry_test::Sample(telemetry_.Serialize(), series);
  }
  double Bypassed(const std::string& reason) {
    return Sample("modelwatch_proxy_cache_bypassed_total{reason=\"" + reason + "\"}").value_or(0);
  }

  std::chrono::milliseconds timeout_{500};  // ASan on shared cores; tests that measure set theirs
  std::chrono::milliseconds retry_interval_{300};
  SystemClock clock_;
  telemetry::Metrics telemetry_{RedisMetricsOptions()};
  CacheMetrics metrics_{telemetry_};
};

}  // namespace mw::proxy::testing
