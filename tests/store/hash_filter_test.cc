#include "store/detail/hash_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "store/id_index.h"

namespace mw::store::detail {
namespace {

TEST(HashFilterTest, EveryAddedHashIsFound) {
  HashFilter filter(100000);
  std::mt19937_64 rng(1);
  std::vector<uint64_t> added;
  for (int i = 0; i < 100000; ++i) added.push_back(IdHash("id-" + std::to_string(rng())));
  for (uint64_t h : added) filter.Add(h);
  for (uint64_t h : added) ASSERT_TRUE(filter.MayContain(h)) << h;
}

TEST(HashFilterTest, FalsePositiveRateAtCapacityIsAboutOnePercent) {
  constexpr int kCapacity = 200000;
  HashFilter filter(kCapacity);
  EXPECT_GE(filter.bits(), uint64_t{kCapacity} * 10);
  for (int i = 0; i < kCapacity; ++i) filter.Add(IdHash("in-" + std::to_string(i)));
  int positives = 0;
  constexpr int kProbes = 1000000;
  for (int i = 0; i < kProbes; ++i)
    positives += filter.MayContain(IdHash("out-" + std::to_string(i)));
  // 10 bits per entry rounded up to a power of two of blocks: at most ~1.2% for a blocked
  // filter at exactly 10 bits/entry, less with the rounding.
  EXPECT_LT(positives, kProbes * 15 / 1000) << positives;
  EXPECT_GT(positives, 0);  // a filter that always says no would be wrong
}

TEST(HashFilterTest, EmptyFilterContainsNothingAndTinyCapacityWorks) {
  HashFilter empty(0);
  EXPECT_FALSE(empty.MayContain(IdHash("a")));
  HashFilter tiny(1);
  tiny.Add(IdHash("a"));
  EXPECT_TRUE(tiny.MayContain(IdHash("a")));
}

TEST(HashFilterTest, ConcurrentAddsAreAllVisibleAfterJoin) {
  HashFilter filter(40000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&filter, t] {
      for (int i = 0; i < 10000; ++i)
        filter.Add(IdHash(std::to_string(t) + "-" + std::to_string(i)));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 10000; ++i) {
      ASSERT_TRUE(filter.MayContain(IdHash(std::to_string(t) + "-" + std::to_string(i))));
    }
  }
}

}  // namespace
}  // namespace mw::store::detail
