// GenerateUlid: format, time prefix, monotonicity (same millisecond, clock steps back, threads).
#include "common/ulid.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace mw {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The generator's state is process-wide and other tests call it with times around 2023, so each
// test here takes a fresh, strictly later millisecond: the id's time prefix is then this value.
int64_t FreshMillis() {
  static std::atomic<int64_t> next{4'000'000'000'000};
  return next.fetch_add(1'000);
}

int64_t DecodeTime(const std::string& ulid) {
  int64_t ms = 0;
  for (int i = 0; i < 10; ++i) ms = ms * 32 + static_cast<int64_t>(kCrockford.find(ulid[i]));
  return ms;
}

TEST(GenerateUlid, Is26CrockfordBase32Characters) {
  const std::string id = GenerateUlid(FreshMillis());
  ASSERT_EQ(id.size(), 26u);
  for (const char c : id) EXPECT_NE(kCrockford.find(c), std::string_view::npos) << c;
  EXPECT_LE(id[0], '7');  // 128 bits in 130: the first character carries 3 bits
}

TEST(GenerateUlid, FirstTenCharactersEncodeTheMilliseconds) {
  const int64_t ms = FreshMillis();
  EXPECT_EQ(DecodeTime(GenerateUlid(ms)), ms);
}

TEST(GenerateUlid, LaterMillisecondSortsAfter) {
  const int64_t ms = FreshMillis();
  const std::string first = GenerateUlid(ms);
  const std::string second = GenerateUlid(ms + 1);
  EXPECT_LT(first, second);
  EXPECT_EQ(DecodeTime(second), ms + 1);
}

TEST(GenerateUlid, IncreasesWithinOneMillisecond) {
  const int64_t ms = FreshMillis();
  std::string previous = GenerateUlid(ms);
  for (int i = 0; i < 10'000; ++i) {
    const std::string next = GenerateUlid(ms);
    ASSERT_LT(previous, next);
    previous = next;
  }
  EXPECT_EQ(DecodeTime(previous), ms);
}

TEST(GenerateUlid, IncreasesWhenTheClockStepsBack) {
  const int64_t ms = FreshMillis();
  const std::string first = GenerateUlid(ms);
  const std::string second = GenerateUlid(ms - 500);
  EXPECT_LT(first, second);
  EXPECT_EQ(DecodeTime(second), ms);  // time never goes backwards in the ids
}

TEST(GenerateUlid, UniqueAndIncreasingPerThreadAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  const int64_t ms = FreshMillis();
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ids[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(GenerateUlid(ms + i / 5'000));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : ids) {
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    EXPECT_EQ(std::adjacent_find(list.begin(), list.end()), list.end());
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(GenerateUlid, NegativeTimeIsClampedToTheEpoch) {
  // Cannot observe the clamp through the time prefix (state is shared and later than 0), but the
  // id must still be well-formed and increasing.
  const std::string before = GenerateUlid(FreshMillis());
  const std::string id = GenerateUlid(-5);
  EXPECT_EQ(id.size(), 26u);
  EXPECT_LT(before, id);
}

}  // namespace
}  // namespace mw
