// NDJSON reference uploads under the limits every JSON body shares: nesting depth, leading BOM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/json_limits.h"
#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

using ::testing::HasSubstr;

std::string DeepArray(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ReferenceNdjsonLimitsTest, LeadingUtf8BomIsSkippedAsInCsv) {
  Result<ReferenceProfile> p = BuildProfileFromNdjson("\xEF\xBB\xBF{\"a\":1}\n{\"a\":2}\n");
  ASSERT_TRUE(p.has_value()) << p.status().ToString();
  EXPECT_EQ(p->rows, 2);
  ASSERT_EQ(p->features.size(), 1u);
  EXPECT_EQ(p->features[0].name, "a");  // not "\xEF\xBB\xBF" + "a" or a syntax error
}

TEST(ReferenceNdjsonLimitsTest, NestingPastTheSharedLimitNamesTheLimitAndTheLine) {
  Result<ReferenceProfile> p =
      BuildProfileFromNdjson("{\"a\":1}\n{\"a\":" + DeepArray(100'000) + "}\n");
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message(), HasSubstr("line 2: JSON nested deeper than 64 levels"));
}

TEST(ReferenceNdjsonLimitsTest, NestingAtTheLimitIsOnlyANestedValue) {
  // The row object is level 1: 63 arrays under "a" reach exactly the limit.
  Result<ReferenceProfile> p =
      BuildProfileFromNdjson("{\"a\":" + DeepArray(kMaxJsonDepth - 1) + "}\n");
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message(), HasSubstr("nested objects and arrays are not supported"));
}

}  // namespace
}  // namespace mw::profile
