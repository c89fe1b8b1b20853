#include "monitor/profile_key.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace mw::monitor {
namespace {

TEST(ProfileKeyTest, DecodeInvertsEncode) {
  for (const ProfileKey& key : {ProfileKey{"churn", "v1", ""}, ProfileKey{"churn", "v1", "eu"},
                                ProfileKey{"", "", ""}, ProfileKey{"a b", "2024-01-01", "x/y"}}) {
    EXPECT_EQ(ProfileKey::Decode(key.Encode()), key) << key.Encode();
  }
}

TEST(ProfileKeyTest, KeysThatDifferInAnyPartDiffer) {
  const ProfileKey a{"m", "v", "s"};
  EXPECT_NE(a.Encode(), (ProfileKey{"m", "v", ""}.Encode()));
  EXPECT_NE((ProfileKey{"mv", "", "s"}.Encode()), (ProfileKey{"m", "v", "s"}.Encode()));
  std::unordered_set<ProfileKey, ProfileKeyHash> set{a, {"m", "v", ""}, {"m", "w", "s"}, a};
  EXPECT_EQ(set.size(), 3u);
}

TEST(ProfileKeyTest, StringsWithoutSeparatorsLeaveTheMissingPartsEmpty) {
  EXPECT_EQ(ProfileKey::Decode("churn"), (ProfileKey{"churn", "", ""}));
  EXPECT_EQ(ProfileKey::Decode("churn\x1fv1"), (ProfileKey{"churn", "v1", ""}));
}

}  // namespace
}  // namespace mw::monitor
