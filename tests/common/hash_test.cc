// common/hash.h: the values are persisted or compared across runs, so they are pinned here.
#include "common/hash.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

// Published FNV-1a 64 test vectors.
static_assert(Fnv1a64("") == 0xcbf29ce484222325ULL);
static_assert(Fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
static_assert(Fnv1a64("foobar") == 0x85944171f73967e8ULL);

TEST(Fnv1a64, MatchesPublishedVectors) {
  EXPECT_EQ(Fnv1a64(""), kFnv1a64Offset);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Fnv1a64, AppendingInPiecesEqualsHashingTheWhole) {
  EXPECT_EQ(Fnv1a64Append(Fnv1a64("foo"), "bar"), Fnv1a64("foobar"));
  EXPECT_EQ(Fnv1a64Byte(kFnv1a64Offset, 'a'), Fnv1a64("a"));
}

TEST(Fnv1a64, BytesAboveSevenBitsAreUnsigned) {
  // 0xff must hash as 255, not as a sign-extended char.
  EXPECT_EQ(Fnv1a64("\xff"), (kFnv1a64Offset ^ 0xffULL) * kFnv1a64Prime);
}

TEST(SplitMix64Finalize, MatchesTheReferenceOutput) {
  // SplitMix64's first output for seed 0 is Finalize(0 + 0x9e3779b97f4a7c15).
  EXPECT_EQ(SplitMix64Finalize(0x9e3779b97f4a7c15ULL), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64Finalize(0), 0u);
}

}  // namespace
}  // namespace mw
