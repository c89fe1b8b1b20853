// RedisCache when Redis is not there: killed (SIGKILL), restarted on the same port, stopped
// (SIGSTOP) with the job queue filling, absent at start, refusing the password; and the gauges
// (redis_up, the size from INFO memory) that tell an operator about it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "proxy/cache/cache_metrics.h"
#include "proxy/cache/redis_cache.h"
#include "proxy/redis_cache_test_util.h"
#include "proxy/redis_test_server.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

using namespace std::chrono_literals;
using testing::RedisEventually;
using testing::RedisFreePort;
using testing::RedisLookup;
using testing::RedisLookupWait;
using Steady = std::chrono::steady_clock;
using testing::RedisTestServer;

// Short timeouts: these tests measure how soon an outage is noticed and left behind.
class RedisCacheOutageTest : public testing::RedisCacheFixture {
 protected:
  RedisCacheOutageTest() {
    timeout_ = 200ms;
    retry_interval_ = 500ms;
  }
};

TEST_F(RedisCacheOutageTest, KilledRedisIsBypassedWithinTheTimeout) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url(), 2));
  ASSERT_TRUE(cache->up());
  EXPECT_EQ(Sample("modelwatch_proxy_cache_redis_up"), 1);
  cache->Store({"k", 1}, CachedResponse{200, {}, "x"}, 60s);
  ASSERT_TRUE(RedisEventually(
      [&] {
        return RedisLookupWait(*cache, {"k", 1}).outcome == LookupOutcome::kHit;
      },
      5s));

  redis.Kill();
  // The first lookups find the connections dead (each answered within the timeout plus slack
  // for a loaded machine); once one did, Redis is down and the rest are answered at once.
  for (int i = 0; i < 20; ++i) {
    const RedisLookup r = RedisLookupWait(*cache, {"k", 1});
    EXPECT_EQ(r.outcome, LookupOutcome::kBypassed) << i;
    EXPECT_LT(r.took, 200ms + 800ms) << i;
  }
  EXPECT_FALSE(cache->up());
  EXPECT_EQ(Sample("modelwatch_proxy_cache_redis_up"), 0);
  EXPECT_EQ(Bypassed("redis_down"), 20);
  // Known down: answered inline, without a worker.
  const RedisLookup known = RedisLookupWait(*cache, {"k", 1});
  EXPECT_EQ(known.outcome, LookupOutcome::kBypassed);
  EXPECT_TRUE(known.inline_answer);
  // A Store while down is dropped, counted.
  cache->Store({"k", 2}, CachedResponse{200, {}, "y"}, 60s);
  EXPECT_EQ(Bypassed("redis_down"), 22);
}

TEST_F(RedisCacheOutageTest, RestartedRedisIsUpWithinTheRetryInterval) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url(), 2));
  ASSERT_TRUE(cache->up());
  redis.Kill();
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 1}).outcome, LookupOutcome::kBypassed);
  ASSERT_FALSE(cache->up());
  std::this_thread::sleep_for(1s);  // several retry intervals of refused reconnections
  EXPECT_FALSE(cache->up());

  redis.Start();  // the same port, an empty Redis
  const auto restarted = Steady::now();
  // No traffic needed: the workers reconnect on their own.
  ASSERT_TRUE(RedisEventually([&] { return cache->up(); }, 500ms + 1s));
  EXPECT_LE(Steady::now() - restarted, 500ms + 1s);
  EXPECT_EQ(Sample("modelwatch_proxy_cache_redis_up"), 1);
  cache->Store({"k", 1}, CachedResponse{200, {}, "again"}, 60s);
  EXPECT_TRUE(RedisEventually(
      [&] {
        return RedisLookupWait(*cache, {"k", 1}).outcome == LookupOutcome::kHit;
      },
      5s));
}

TEST_F(RedisCacheOutageTest, ARestartBetweenTwoLookupsCostsNoBypass) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  ASSERT_EQ(RedisLookupWait(*cache, {"k", 1}).outcome, LookupOutcome::kMiss);
  // Redis restarts while the worker's connection is idle: the connection is found closed at the
  // next command, reopened once, and the command answered.
  redis.Kill();
  redis.Start();
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 1}).outcome, LookupOutcome::kMiss);
  EXPECT_TRUE(cache->up());
  EXPECT_EQ(Bypassed("redis_down"), 0);
}

TEST_F(RedisCacheOutageTest, AbsentRedisAtStartIsDownNotAnError) {
  const int port = RedisFreePort();
  auto cache = Make(Options("redis://127.0.0.1:" + std::to_string(port)));
  ASSERT_NE(cache, nullptr);
  EXPECT_FALSE(cache->up());
  const RedisLookup r = RedisLookupWait(*cache, {"k", 1});
  EXPECT_EQ(r.outcome, LookupOutcome::kBypassed);
  EXPECT_TRUE(r.inline_answer);
  EXPECT_EQ(Bypassed("redis_down"), 1);

  RedisTestServer redis({}, port);
  EXPECT_TRUE(RedisEventually([&] { return cache->up(); }, 500ms + 1s));
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 1}).outcome, LookupOutcome::kMiss);
}

TEST_F(RedisCacheOutageTest, FullQueuesAreBypassedAsBusy) {
  RedisTestServer redis;
  RedisCacheOptions options = Options(redis.url());
  options.queue_capacity = 4;
  options.timeout = 3000ms;  // the stopped Redis holds the worker in its GET meanwhile
  auto cache = Make(options);
  ASSERT_TRUE(cache->up());
  redis.Pause();
  std::atomic<int> answered{0}, busy{0}, misses{0};
  std::atomic<bool> returned{false};
  for (int i = 0; i < 8; ++i) {
    returned.store(false);
    cache->Lookup({"k", static_cast<uint64_t>(i)},
                  [&](std::optional<CachedResponse>, LookupOutcome outcome) {
                    if (outcome == LookupOutcome::kBypassed && !returned.load()) ++busy;
                    if (outcome == LookupOutcome::kMiss) ++misses;
                    ++answered;
                  });
    returned.store(true);
  }
  // One lookup is with the worker (or about to be), four wait: at least three were turned away
  // at once.
  EXPECT_GE(busy.load(), 3);
  EXPECT_LE(busy.load(), 4);
  EXPECT_EQ(Bypassed("redis_busy"), busy.load());
  redis.Resume();
  ASSERT_TRUE(RedisEventually([&] { return answered.load() == 8; }, 5s));
  EXPECT_EQ(misses.load() + busy.load(), 8);  // the queued ones were looked up after all
  EXPECT_TRUE(cache->up());
}

TEST_F(RedisCacheOutageTest, StoppedRedisIsDownAfterTheTimeout) {
  RedisTestServer redis;
  RedisCacheOptions options = Options(redis.url());
  options.timeout = 100ms;
  auto cache = Make(options);
  ASSERT_TRUE(cache->up());
  redis.Pause();
  const RedisLookup r = RedisLookupWait(*cache, {"k", 1});
  EXPECT_EQ(r.outcome, LookupOutcome::kBypassed);
  EXPECT_GE(r.took, 90ms);
  EXPECT_LT(r.took, 100ms + 800ms);
  EXPECT_FALSE(cache->up());
  redis.Resume();
  EXPECT_TRUE(RedisEventually([&] { return cache->up(); }, 500ms + 1s));
}

TEST_F(RedisCacheOutageTest, PasswordAndDatabaseComeFromTheUrl) {
  RedisTestServer redis({"--requirepass", "pw:with@chars"});
  auto cache =
      Make(Options("redis://:pw%3Awith%40chars@127.0.0.1:" + std::to_string(redis.port()) + "/3"));
  ASSERT_TRUE(cache->up());
  cache->Store({"k", 0xab}, CachedResponse{200, {}, "x"}, 60s);
  ASSERT_EQ(RedisLookupWait(*cache, {"k", 0xab}).outcome, LookupOutcome::kHit);
  auto inspect = redis.Connect(":pw%3Awith%40chars@", 3);
  ASSERT_NE(inspect, nullptr);
  const detail::RedisReplyPtr exists = inspect->Command({"EXISTS", RedisCache::RedisKey(0xab)});
  ASSERT_NE(exists, nullptr);
  EXPECT_EQ(exists->integer, 1);

  auto refused = Make(Options("redis://:wrong@127.0.0.1:" + std::to_string(redis.port())));
  ASSERT_NE(refused, nullptr);
  EXPECT_FALSE(refused->up());
  EXPECT_EQ(RedisLookupWait(*refused, {"k", 0xab}).outcome, LookupOutcome::kBypassed);
}

TEST_F(RedisCacheOutageTest, SizeGaugeIsRedisUsedMemory) {
  RedisTestServer redis;
  RedisCacheOptions options = Options(redis.url());
  options.info_interval = 100ms;
  auto cache = Make(options);
  ASSERT_TRUE(cache->up());
  // Redis' own used_memory is around a megabyte when empty.
  EXPECT_TRUE(RedisEventually(
      [&] { return Sample(R"(ml_cache_size_bytes{cache_type="response"})").value_or(0) > 100'000; },
      3s));
  const double before = Sample(R"(ml_cache_size_bytes{cache_type="response"})").value_or(0);
  for (uint64_t i = 0; i < 20; ++i) {
    cache->Store({"k", i}, CachedResponse{200, {}, std::string(100'000, 'x')}, 60s);
  }
  EXPECT_TRUE(RedisEventually(
      [&] {
        return Sample(R"(ml_cache_size_bytes{cache_type="response"})").value_or(0) >
               before + 1'500'000;
      },
      3s));
}

}  // namespace
}  // namespace mw::proxy
