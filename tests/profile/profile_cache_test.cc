#include "profile/profile_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

namespace mw::profile {
namespace {

using Loaded = Result<std::shared_ptr<const ReferenceProfile>>;

// A loader that makes a profile whose row count identifies it, and counts its calls.
struct CountingLoader {
  std::atomic<int> calls{0};
  ProfileCache::Loader For(int64_t rows) {
    return [this, rows]() -> Loaded {
      ++calls;
      auto profile = std::make_shared<ReferenceProfile>();
      profile->rows = rows;
      return std::shared_ptr<const ReferenceProfile>(profile);
    };
  }
};

int64_t RowsOf(const Loaded& loaded) {
  EXPECT_TRUE(loaded.has_value()) << loaded.status().ToString();
  return loaded.has_value() ? (*loaded)->rows : -1;
}

TEST(ProfileCacheTest, MissThenHitReturnsTheSameProfile) {
  ProfileCache cache;
  CountingLoader loader;
  const Loaded first = cache.Get("a", loader.For(1));
  const Loaded second = cache.Get("a", loader.For(2));
  EXPECT_EQ(RowsOf(second), 1);
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(loader.calls, 1);
  EXPECT_EQ(cache.misses(), 1);
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.capacity(), 10u);
}

TEST(ProfileCacheTest, EvictsTheLeastRecentlyUsed) {
  ProfileCache cache(3);
  CountingLoader loader;
  for (const char* key : {"a", "b", "c"}) ASSERT_TRUE(cache.Get(key, loader.For(0)).has_value());
  EXPECT_EQ(cache.Keys(), (std::vector<std::string>{"c", "b", "a"}));
  ASSERT_TRUE(cache.Get("a", loader.For(0)).has_value());  // a becomes the most recent
  EXPECT_EQ(cache.Keys(), (std::vector<std::string>{"a", "c", "b"}));
  ASSERT_TRUE(cache.Get("d", loader.For(0)).has_value());  // evicts b
  EXPECT_EQ(cache.Keys(), (std::vector<std::string>{"d", "a", "c"}));
  EXPECT_EQ(cache.evictions(), 1);
  ASSERT_TRUE(cache.Get("b", loader.For(0)).has_value());  // loads again, evicts c
  EXPECT_EQ(cache.Keys(), (std::vector<std::string>{"b", "d", "a"}));
  EXPECT_EQ(cache.evictions(), 2);
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 5);
  EXPECT_EQ(loader.calls, 5);
}

TEST(ProfileCacheTest, UnloadAndClear) {
  ProfileCache cache;
  CountingLoader loader;
  ASSERT_TRUE(cache.Get("a", loader.For(1)).has_value());
  ASSERT_TRUE(cache.Get("b", loader.For(2)).has_value());
  const Loaded held = cache.Get("a", loader.For(0));
  EXPECT_TRUE(cache.Unload("a"));
  EXPECT_FALSE(cache.Unload("a"));
  EXPECT_FALSE(cache.Unload("never"));
  EXPECT_EQ(RowsOf(held), 1);  // a profile handed out stays valid
  EXPECT_EQ(cache.Keys(), (std::vector<std::string>{"b"}));
  EXPECT_EQ(RowsOf(cache.Get("a", loader.For(3))), 3);  // reloaded
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.evictions(), 0);  // unloads are not evictions
  EXPECT_EQ(cache.misses(), 3);
  EXPECT_EQ(cache.hits(), 1);
}

TEST(ProfileCacheTest, LoaderErrorsAreReturnedAndNotCached) {
  ProfileCache cache;
  int calls = 0;
  const auto failing = [&]() -> Loaded {
    ++calls;
    return NotFound("no reference for churn/v3");
  };
  for (int i = 0; i < 2; ++i) {
    const Loaded loaded = cache.Get("churn/v3", failing);
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.size(), 0u);
  const Loaded null =
      cache.Get("x", [] { return Loaded(std::shared_ptr<const ReferenceProfile>()); });
  ASSERT_FALSE(null.has_value());
  EXPECT_EQ(null.error().code(), StatusCode::kInternal);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ProfileCacheTest, CapacityZeroKeepsNothing) {
  ProfileCache cache(0);
  CountingLoader loader;
  EXPECT_EQ(RowsOf(cache.Get("a", loader.For(1))), 1);
  EXPECT_EQ(RowsOf(cache.Get("a", loader.For(2))), 2);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.evictions(), 0);
}

// A load that was running when its key was unloaded (say, a new reference was uploaded) must not
// put the old profile back into the cache.
TEST(ProfileCacheTest, ALoadOverlappingAnUnloadIsNotCached) {
  ProfileCache cache;
  std::mutex mu;
  std::condition_variable cv;
  bool loading = false, unloaded = false;
  std::thread slow([&] {
    const Loaded loaded = cache.Get("m/v1", [&]() -> Loaded {
      std::unique_lock lock(mu);
      loading = true;
      cv.notify_all();
      cv.wait(lock, [&] { return unloaded; });
      auto profile = std::make_shared<ReferenceProfile>();
      profile->rows = 1;  // the old reference
      return std::shared_ptr<const ReferenceProfile>(profile);
    });
    EXPECT_EQ(RowsOf(loaded), 1);  // the caller still gets what it loaded
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return loading; });
  }
  EXPECT_FALSE(cache.Unload("m/v1"));
  {
    std::lock_guard lock(mu);
    unloaded = true;
  }
  cv.notify_all();
  slow.join();
  EXPECT_EQ(cache.size(), 0u);
  CountingLoader loader;
  EXPECT_EQ(RowsOf(cache.Get("m/v1", loader.For(2))), 2);
}

TEST(ProfileCacheTest, ConcurrentGetsAgreeAndKeepTheCountsConsistent) {
  constexpr int kThreads = 8, kGetsPerThread = 2000, kKeys = 6;
  ProfileCache cache(4);
  std::atomic<int> loads{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kGetsPerThread; ++i) {
        const int key = (i * 7 + t) % kKeys;
        const Loaded loaded = cache.Get("k" + std::to_string(key), [&, key]() -> Loaded {
          ++loads;
          auto profile = std::make_shared<ReferenceProfile>();
          profile->rows = key;
          return std::shared_ptr<const ReferenceProfile>(profile);
        });
        if (!loaded.has_value() || (*loaded)->rows != key) ++wrong;
        if (i % 500 == 0) (void)cache.Keys();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(cache.hits() + cache.misses(), kThreads * kGetsPerThread);
  EXPECT_EQ(cache.misses(), loads);
  EXPECT_LE(cache.size(), 4u);
  EXPECT_GE(cache.evictions(), 1);  // 6 keys cycling through 4 slots
  // Every miss either filled a slot, lost a race to an identical load, or was evicted later.
  EXPECT_LE(static_cast<int64_t>(cache.size()) + cache.evictions(), cache.misses());
}

}  // namespace
}  // namespace mw::profile
