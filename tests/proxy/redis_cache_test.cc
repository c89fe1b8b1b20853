// RedisCache against a real redis-server: round trips, Redis' expiry, hash collisions, what is
// (not) written into Redis, Redis killed, stopped and restarted, a full job queue, the metrics.
#include "proxy/cache/redis_cache.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "proxy/cache/cache_metrics.h"
#include "proxy/redis_cache_test_util.h"
#include "proxy/redis_test_server.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

using namespace std::chrono_literals;
using testing::RedisEventually;
using testing::RedisLookup;
using testing::RedisLookupWait;
using testing::RedisTestServer;
using Steady = std::chrono::steady_clock;

std::vector<std::string> RedisKeys(detail::RedisConnection& redis) {
  std::vector<std::string> keys;
  const detail::RedisReplyPtr reply = redis.Command({"KEYS", "*"});
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return keys;
  for (size_t i = 0; i < reply->elements; ++i) {
    keys.emplace_back(reply->element[i]->str, reply->element[i]->len);
  }
  return keys;
}

std::string RedisGet(detail::RedisConnection& redis, const std::string& key) {
  const detail::RedisReplyPtr reply = redis.Command({"GET", key});
  if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return "";
  return std::string(reply->str, reply->len);
}

class RedisCacheTest : public testing::RedisCacheFixture {};

TEST_F(RedisCacheTest, AnswerRoundTripsBinarySafe) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  ASSERT_TRUE(cache->up());
  const std::string body("a\0b\xff\r\n\x01z", 8);
  const CacheKey key{std::string("POST\0/p\xfe", 8), 42};
  cache->Store(key,
               CachedResponse{203,
                              {{"Content-Type", "application/octet-stream"},
                               {"X-Bin", std::string("v\0w", 3)},
                               {"Connection", "keep-alive"},
                               {"Date", "Mon, 07 Dec 2026 10:00:00 GMT"}},
                              body},
               60s);
  const RedisLookup hit = RedisLookupWait(*cache, key);
  ASSERT_EQ(hit.outcome, LookupOutcome::kHit);
  ASSERT_TRUE(hit.response.has_value());
  EXPECT_EQ(hit.response->status, 203);
  EXPECT_EQ(hit.response->body, body);
  // StorableHeaders applied at Store: Connection and Date are not replayed.
  EXPECT_EQ(hit.response->headers, (CacheHeaders{{"Content-Type", "application/octet-stream"},
                                                 {"X-Bin", std::string("v\0w", 3)}}));
  EXPECT_FALSE(hit.inline_answer);
  EXPECT_NE(hit.thread, std::this_thread::get_id());
}

TEST_F(RedisCacheTest, UnknownKeyIsAMiss) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  const RedisLookup miss = RedisLookupWait(*cache, {"k", 7});
  EXPECT_EQ(miss.outcome, LookupOutcome::kMiss);
  EXPECT_FALSE(miss.response.has_value());
}

TEST_F(RedisCacheTest, StoredUnderTheHashKeyWithTheTtlAsPx) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  cache->Store({"k", 0x2a}, CachedResponse{200, {}, "x"}, 60s);
  ASSERT_EQ(RedisLookupWait(*cache, {"k", 0x2a}).outcome, LookupOutcome::kHit);
  auto inspect = redis.Connect();
  ASSERT_NE(inspect, nullptr);
  EXPECT_EQ(RedisKeys(*inspect), std::vector<std::string>{"mw:cache:000000000000002a"});
  EXPECT_EQ(RedisCache::RedisKey(0xfedcba9876543210ULL), "mw:cache:fedcba9876543210");
  const detail::RedisReplyPtr pttl = inspect->Command({"PTTL", "mw:cache:000000000000002a"});
  ASSERT_NE(pttl, nullptr);
  ASSERT_EQ(pttl->type, REDIS_REPLY_INTEGER);
  EXPECT_GT(pttl->integer, 50'000);
  EXPECT_LE(pttl->integer, 60'000);
}

TEST_F(RedisCacheTest, EntryExpiresWithItsTtl) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  const CacheKey key{"k", 9};
  cache->Store(key, CachedResponse{200, {}, "soon gone"}, 300ms);
  EXPECT_EQ(RedisLookupWait(*cache, key).outcome, LookupOutcome::kHit);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(RedisLookupWait(*cache, key).outcome, LookupOutcome::kMiss);
}

TEST_F(RedisCacheTest, SameHashWithAnotherCanonicalKeyIsAMiss) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  const CacheKey mine{"POST /p {\"a\":1}", 77}, other{"POST /p {\"a\":2}", 77};
  cache->Store(mine, CachedResponse{200, {}, "mine"}, 60s);
  const RedisLookup collision = RedisLookupWait(*cache, other);
  EXPECT_EQ(collision.outcome, LookupOutcome::kMiss);
  EXPECT_FALSE(collision.response.has_value());
  const RedisLookup hit = RedisLookupWait(*cache, mine);
  ASSERT_EQ(hit.outcome, LookupOutcome::kHit);
  EXPECT_EQ(hit.response->body, "mine");
}

TEST_F(RedisCacheTest, AValueItDidNotWriteIsAMiss) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  auto inspect = redis.Connect();
  ASSERT_NE(inspect, nullptr);
  ASSERT_NE(inspect->Command({"SET", RedisCache::RedisKey(5), "not ours"}), nullptr);
  ASSERT_NE(inspect->Command({"LPUSH", RedisCache::RedisKey(6), "a list"}), nullptr);
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 5}).outcome, LookupOutcome::kMiss);
  // WRONGTYPE is an error reply: the lookup cannot look, Redis is still up.
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 6}).outcome, LookupOutcome::kBypassed);
  EXPECT_TRUE(cache->up());
}

TEST_F(RedisCacheTest, NoBearerTokenIsWrittenToRedis) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  // The canonical key holds the vary header's value (cache.h): a client's token.
  const std::string token = "tok-SECRET-8c1f2e";
  const CacheKey key{"6:POST|2:/p|1|" + std::to_string(token.size() + 7) + ":Bearer " + token +
                         "|{\"features\":{\"x\":1}}",
                     0x1234};
  cache->Store(key, CachedResponse{200, {{"Content-Type", "application/json"}}, "{\"p\":1}"}, 60s);
  ASSERT_EQ(RedisLookupWait(*cache, key).outcome, LookupOutcome::kHit);
  auto inspect = redis.Connect();
  ASSERT_NE(inspect, nullptr);
  const std::vector<std::string> keys = RedisKeys(*inspect);
  ASSERT_EQ(keys.size(), 1u);
  for (const std::string& k : keys) {
    EXPECT_EQ(k.find("SECRET"), std::string::npos);
    const std::string value = RedisGet(*inspect, k);
    ASSERT_FALSE(value.empty());
    EXPECT_EQ(value.find("SECRET"), std::string::npos);
    EXPECT_EQ(value.find("Bearer"), std::string::npos);
    EXPECT_EQ(value.find("features"), std::string::npos);  // no part of the canonical key
  }
}

TEST_F(RedisCacheTest, DoneMayCallBackIntoTheCache) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  std::promise<LookupOutcome> inner;
  cache->Lookup({"a", 1}, [&](std::optional<CachedResponse>, LookupOutcome) {
    cache->Store({"b", 2}, CachedResponse{200, {}, "b"}, 60s);
    cache->Lookup({"b", 2}, [&](std::optional<CachedResponse>, LookupOutcome outcome) {
      inner.set_value(outcome);
    });
  });
  std::future<LookupOutcome> f = inner.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), LookupOutcome::kHit);  // one worker: the Store ran before the Lookup
}

TEST_F(RedisCacheTest, AnswerTooLargeIsNotStored) {
  RedisTestServer redis;
  RedisCacheOptions options = Options(redis.url());
  options.max_entry_bytes = 100;
  auto cache = Make(options);
  cache->Store({"k", 3}, CachedResponse{200, {}, std::string(200, 'x')}, 60s);
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 3}).outcome, LookupOutcome::kMiss);
  EXPECT_EQ(Bypassed("body_too_large"), 1);
}

TEST_F(RedisCacheTest, NonPositiveTtlStoresNothing) {
  RedisTestServer redis;
  auto cache = Make(Options(redis.url()));
  cache->Store({"k", 4}, CachedResponse{200, {}, "x"}, 0ms);
  EXPECT_EQ(RedisLookupWait(*cache, {"k", 4}).outcome, LookupOutcome::kMiss);
}

TEST_F(RedisCacheTest, BadUrlIsRefusedWithTheKey) {
  Result<std::unique_ptr<RedisCache>> cache =
      RedisCache::Create(Options("rediss://127.0.0.1:6379"), &metrics_);
  ASSERT_FALSE(cache.has_value());
  EXPECT_EQ(cache.error().message(),
            "proxy.cache.redis_url: rediss:// is not supported (no TLS in Debian's hiredis 0.14)");
}

}  // namespace
}  // namespace mw::proxy
