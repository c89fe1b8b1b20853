// MemoryCache: hits and misses, expiry by the clock, the LRU byte bound, keys that share a hash,
// what it reports to CacheMetrics, and concurrent use.
#include "proxy/cache/memory_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

using namespace std::chrono_literals;

struct CacheLookupResult {
  std::optional<CachedResponse> response;
  LookupOutcome outcome = LookupOutcome::kBypassed;
  bool called = false;
};

// Looks `key` up; MemoryCache answers inline, so the result is complete on return.
CacheLookupResult CacheLookup(ResponseCache& cache, const CacheKey& key) {
  CacheLookupResult result;
  cache.Lookup(key, [&](std::optional<CachedResponse> response, LookupOutcome outcome) {
    result.response = std::move(response);
    result.outcome = outcome;
    result.called = true;
  });
  EXPECT_TRUE(result.called);
  return result;
}

CachedResponse CacheAnswer(std::string body, CacheHeaders headers = {}) {
  return CachedResponse{200, std::move(headers), std::move(body)};
}

// `n` distinct hashes that MemoryCache puts in shard 0, so their entries compete for one budget.
std::vector<uint64_t> CacheHashesOfOneShard(size_t n) {
  std::vector<uint64_t> hashes;
  for (uint64_t h = 1; hashes.size() < n; ++h) {
    if (MemoryCache::ShardOf(h) == 0) hashes.push_back(h);
  }
  return hashes;
}

class MemoryCacheTest : public ::testing::Test {
 protected:
  MemoryCacheOptions Options(size_t max_bytes = 64 << 20, size_t max_entry_bytes = 1 << 20) {
    MemoryCacheOptions options;
    options.max_bytes = max_bytes;
    options.max_entry_bytes = max_entry_bytes;
    options.clock = &clock_;
    return options;
  }

  FakeClock clock_;
};

TEST_F(MemoryCacheTest, StoredAnswerIsAHit) {
  MemoryCache cache(Options());
  const CacheKey key{"k", 42};
  EXPECT_EQ(CacheLookup(cache, key).outcome, LookupOutcome::kMiss);
  cache.Store(key, CachedResponse{201, {{"Content-Type", "application/json"}}, R"({"p":1})"}, 1s);
  const CacheLookupResult hit = CacheLookup(cache, key);
  EXPECT_EQ(hit.outcome, LookupOutcome::kHit);
  ASSERT_TRUE(hit.response.has_value());
  EXPECT_EQ(hit.response->status, 201);
  EXPECT_EQ(hit.response->headers, (CacheHeaders{{"Content-Type", "application/json"}}));
  EXPECT_EQ(hit.response->body, R"({"p":1})");
  EXPECT_EQ(cache.entries(), 1u);
}

TEST_F(MemoryCacheTest, UnknownKeyIsAMissWithoutAnswer) {
  MemoryCache cache(Options());
  cache.Store({"a", 1}, CacheAnswer("a"), 1s);
  const CacheLookupResult miss = CacheLookup(cache, {"b", 2});
  EXPECT_EQ(miss.outcome, LookupOutcome::kMiss);
  EXPECT_FALSE(miss.response.has_value());
}

TEST_F(MemoryCacheTest, EntryExpiresAfterItsTtl) {
  MemoryCache cache(Options());
  const CacheKey key{"k", 42};
  cache.Store(key, CacheAnswer("body"), 1000ms);
  clock_.Advance(999);
  EXPECT_EQ(CacheLookup(cache, key).outcome, LookupOutcome::kHit);
  clock_.Advance(1);
  EXPECT_EQ(CacheLookup(cache, key).outcome, LookupOutcome::kMiss);
  // The stale entry was dropped by the lookup.
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST_F(MemoryCacheTest, StoringAgainRestartsTheTtlAndReplacesTheAnswer) {
  MemoryCache cache(Options());
  const CacheKey key{"k", 42};
  cache.Store(key, CacheAnswer("old"), 1000ms);
  clock_.Advance(800);
  cache.Store(key, CacheAnswer("new!"), 1000ms);
  clock_.Advance(800);
  const CacheLookupResult hit = CacheLookup(cache, key);
  ASSERT_EQ(hit.outcome, LookupOutcome::kHit);
  EXPECT_EQ(hit.response->body, "new!");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), MemoryCache::kEntryOverhead + 1 + 4);
}

TEST_F(MemoryCacheTest, NonPositiveTtlStoresNothing) {
  MemoryCache cache(Options());
  cache.Store({"k", 1}, CacheAnswer("x"), 0ms);
  cache.Store({"k", 1}, CacheAnswer("x"), -5ms);
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(CacheLookup(cache, {"k", 1}).outcome, LookupOutcome::kMiss);
}

TEST_F(MemoryCacheTest, SameHashOtherCanonicalIsAMissNeverTheOtherAnswer) {
  MemoryCache cache(Options());
  const CacheKey a{"POST /predict {\"x\":1}", 7};
  const CacheKey b{"POST /predict {\"x\":2}", 7};
  cache.Store(a, CacheAnswer("answer for a"), 1s);
  const CacheLookupResult miss = CacheLookup(cache, b);
  EXPECT_EQ(miss.outcome, LookupOutcome::kMiss);
  EXPECT_FALSE(miss.response.has_value());
  // Both can be held at once, each found by its own canonical key.
  cache.Store(b, CacheAnswer("answer for b"), 1s);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(CacheLookup(cache, a).response->body, "answer for a");
  EXPECT_EQ(CacheLookup(cache, b).response->body, "answer for b");
}

TEST_F(MemoryCacheTest, StoreDropsHopByHopHeaders) {
  MemoryCache cache(Options());
  cache.Store({"k", 1},
              CacheAnswer("{}", {{"Content-Type", "application/json"},
                                 {"Connection", "keep-alive, X-Hop"},
                                 {"X-Hop", "1"},
                                 {"Transfer-Encoding", "chunked"},
                                 {"Date", "Wed, 01 Jan 2025 10:00:00 GMT"},
                                 {"Content-Length", "2"},
                                 {"X-Model", "m"}}),
              1s);
  EXPECT_EQ(CacheLookup(cache, {"k", 1}).response->headers,
            (CacheHeaders{{"Content-Type", "application/json"}, {"X-Model", "m"}}));
}

TEST_F(MemoryCacheTest, EntryCostIsKeyHeadersBodyAndOverhead) {
  const CachedResponse response = CacheAnswer("12345", {{"Ab", "cde"}, {"F", ""}});
  EXPECT_EQ(MemoryCache::EntryCost({"key", 1}, response), 64u + 3 + (2 + 3 + 1) + 5);
  MemoryCache cache(Options());
  cache.Store({"key", 1}, response, 1s);
  EXPECT_EQ(cache.bytes(), 64u + 3 + 6 + 5);
}

// Four entries of 100 bytes each (2-byte key, 34-byte body, 64 overhead) in one shard that holds
// 300: the fourth evicts the least recently used.
TEST_F(MemoryCacheTest, LeastRecentlyUsedIsEvictedToStayInTheByteBound) {
  MemoryCache cache(Options(/*max_bytes=*/MemoryCache::kShards * 300));
  const std::vector<uint64_t> hashes = CacheHashesOfOneShard(4);
  const std::vector<CacheKey> keys = {
      {"k1", hashes[0]}, {"k2", hashes[1]}, {"k3", hashes[2]}, {"k4", hashes[3]}};
  const std::string body(34, 'b');
  for (int i = 0; i < 3; ++i) cache.Store(keys[i], CacheAnswer(body), 1s);
  EXPECT_EQ(cache.bytes(), 300u);
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(CacheLookup(cache, keys[0]).outcome, LookupOutcome::kHit);  // k1 now most recent
  cache.Store(keys[3], CacheAnswer(body), 1s);
  EXPECT_EQ(cache.bytes(), 300u);
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_EQ(CacheLookup(cache, keys[1]).outcome, LookupOutcome::kMiss);  // k2 was the LRU
  EXPECT_EQ(CacheLookup(cache, keys[0]).outcome, LookupOutcome::kHit);
  EXPECT_EQ(CacheLookup(cache, keys[2]).outcome, LookupOutcome::kHit);
  EXPECT_EQ(CacheLookup(cache, keys[3]).outcome, LookupOutcome::kHit);
  // Recency is now k4, k3, k1 (most recent first). A 250-byte entry evicts from the back until
  // the shard fits again: k1, k3, then k4.
  cache.Store({"k5", hashes[0]}, CacheAnswer(std::string(184, 'b')), 1s);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), 250u);
}

TEST_F(MemoryCacheTest, ShardsKeepTheirOwnBudget) {
  MemoryCache cache(Options(/*max_bytes=*/MemoryCache::kShards * 100));
  // One 100-byte entry per shard: all sixteen fit at once.
  std::vector<CacheKey> keys;
  for (uint64_t h = 1; keys.size() < MemoryCache::kShards; ++h) {
    bool shard_taken = false;
    for (const CacheKey& k : keys)
      shard_taken |= MemoryCache::ShardOf(k.hash) == MemoryCache::ShardOf(h);
    if (!shard_taken) keys.push_back({"k" + std::to_string(h % 10), h});
  }
  for (const CacheKey& key : keys) cache.Store(key, CacheAnswer(std::string(34, 'b')), 1s);
  EXPECT_EQ(cache.entries(), MemoryCache::kShards);
  EXPECT_EQ(cache.bytes(), MemoryCache::kShards * 100);
}

TEST_F(MemoryCacheTest, EntryOverTheEntryLimitOrTheShardIsNotStored) {
  telemetry::MetricsOptions metrics_options;
  metrics_options.system_metrics = false;
  telemetry::Metrics metrics(metrics_options);
  CacheMetrics cache_metrics(metrics);
  MemoryCache cache(Options(/*max_bytes=*/MemoryCache::kShards * 1000, /*max_entry_bytes=*/500),
                    &cache_metrics);
  cache.Store({"k", 1}, CacheAnswer(std::string(500 - 64 - 1, 'b')), 1s);  // exactly 500: kept
  EXPECT_EQ(cache.entries(), 1u);
  cache.Store({"j", 2}, CacheAnswer(std::string(500 - 64, 'b')), 1s);  // 501
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(CacheLookup(cache, {"j", 2}).outcome, LookupOutcome::kMiss);
  MemoryCache small_shards(Options(/*max_bytes=*/MemoryCache::kShards * 100), &cache_metrics);
  small_shards.Store({"k", 1}, CacheAnswer(std::string(100, 'b')), 1s);  // 165 > a shard's 100
  EXPECT_EQ(small_shards.entries(), 0u);
  EXPECT_EQ(
      telemetry_test::Sample(metrics.Serialize(),
                             R"(modelwatch_proxy_cache_bypassed_total{reason="body_too_large"})"),
      2);
}

TEST_F(MemoryCacheTest, ReportsEvictionsAndSizeToTheMetrics) {
  telemetry::MetricsOptions metrics_options;
  metrics_options.system_metrics = false;
  telemetry::Metrics metrics(metrics_options);
  CacheMetrics cache_metrics(metrics);
  MemoryCache cache(Options(/*max_bytes=*/MemoryCache::kShards * 300), &cache_metrics);
  const std::vector<uint64_t> hashes = CacheHashesOfOneShard(5);
  for (int i = 0; i < 5; ++i) {
    cache.Store({"k" + std::to_string(i), hashes[i]}, CacheAnswer(std::string(34, 'b')), 1s);
  }
  std::string text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_evictions_total{cache_type="response"})"), 2);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_size_bytes{cache_type="response"})"), 300);
  // The cache counts no hits or misses itself: the caller does, from the outcome.
  CacheLookup(cache, {"k4", hashes[4]});
  CacheLookup(cache, {"k0", hashes[0]});
  text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_hits_total{cache_type="response"})"), 0);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_misses_total{cache_type="response"})"), 0);
  // Expiry shrinks the size without counting an eviction.
  clock_.Advance(1000);
  CacheLookup(cache, {"k4", hashes[4]});
  text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_size_bytes{cache_type="response"})"), 200);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_evictions_total{cache_type="response"})"), 2);
}

TEST_F(MemoryCacheTest, DoneMayCallBackIntoTheCache) {
  MemoryCache cache(Options());
  const CacheKey key{"k", 3};
  bool stored_inside = false;
  cache.Lookup(key, [&](std::optional<CachedResponse>, LookupOutcome outcome) {
    if (outcome == LookupOutcome::kMiss) {
      cache.Store(key, CacheAnswer("from upstream"), 1s);
      stored_inside = true;
    }
  });
  EXPECT_TRUE(stored_inside);
  cache.Lookup(key, [&](std::optional<CachedResponse> response, LookupOutcome) {
    ASSERT_TRUE(response.has_value());
    cache.Store({"other", 4}, *response, 1s);
  });
  EXPECT_EQ(cache.entries(), 2u);
}

// 8 threads × 10 000 mixed lookups and stores over 200 keys in a cache small enough to evict all
// the time. Every hit must carry its own key's answer; the totals must add up at the end. Run
// under the sanitizer build (ASan/UBSan) and, by hand, under -fsanitize=thread.
TEST_F(MemoryCacheTest, ConcurrentLookupsAndStoresStayConsistent) {
  telemetry::MetricsOptions metrics_options;
  metrics_options.system_metrics = false;
  telemetry::Metrics metrics(metrics_options);
  CacheMetrics cache_metrics(metrics);
  MemoryCache cache(Options(/*max_bytes=*/MemoryCache::kShards * 1000), &cache_metrics);
  constexpr int kThreads = 8, kOps = 10'000, kKeys = 200;
  std::vector<CacheKey> keys;
  for (int i = 0; i < kKeys; ++i) {
    const std::string canonical = "key-" + std::to_string(i);
    keys.push_back({canonical, static_cast<uint64_t>(i % 50)});  // four keys per hash
  }
  std::atomic<int> wrong_answers{0}, hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      for (int op = 0; op < kOps; ++op) {
        const CacheKey& key = keys[random() % kKeys];
        if (random() % 3 == 0) {
          cache.Store(key, CacheAnswer("answer of " + key.canonical), 1s);
        } else {
          cache.Lookup(key, [&](std::optional<CachedResponse> response, LookupOutcome outcome) {
            if (outcome != LookupOutcome::kHit) return;
            ++hits;
            if (response->body != "answer of " + key.canonical) ++wrong_answers;
          });
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong_answers.load(), 0);
  EXPECT_GT(hits.load(), 0);
  EXPECT_LE(cache.bytes(), MemoryCache::kShards * 1000);
  EXPECT_EQ(
      telemetry_test::Sample(metrics.Serialize(), R"(ml_cache_size_bytes{cache_type="response"})"),
      static_cast<double>(cache.bytes()));
  // Every entry is one key's answer: the totals are the sum of what the keys still hold.
  size_t held_bytes = 0, held_entries = 0;
  for (const CacheKey& key : keys) {
    const CacheLookupResult result = CacheLookup(cache, key);
    if (result.outcome != LookupOutcome::kHit) continue;
    ++held_entries;
    held_bytes += MemoryCache::EntryCost(key, *result.response);
  }
  EXPECT_EQ(cache.entries(), held_entries);
  EXPECT_EQ(cache.bytes(), held_bytes);
}

}  // namespace
}  // namespace mw::proxy
