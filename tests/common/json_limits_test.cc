#include "common/json_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

using ::testing::HasSubstr;

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonDepthTest, AcceptsNestingUpToTheLimit) {
  EXPECT_TRUE(CheckJsonDepth(Nested(kMaxJsonDepth)).ok());
  EXPECT_TRUE(CheckJsonDepth(R"({"a":[1,{"b":null}],"c":"x"})").ok());
  EXPECT_TRUE(CheckJsonDepth("42").ok());
  EXPECT_TRUE(CheckJsonDepth("").ok());
}

TEST(JsonDepthTest, RejectsOneLevelPastTheLimitNamingItAndTheOffset) {
  const Status s = CheckJsonDepth("{\"extra\":" + Nested(kMaxJsonDepth) + "}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("deeper than 64 levels"));
  // The root object is level 1: the 64th '[' (at byte 9 + 63) is level 65.
  EXPECT_THAT(s.message(), HasSubstr("at byte 72"));
}

TEST(JsonDepthTest, RejectsAHugeDocumentWithoutRecursing) {
  EXPECT_FALSE(CheckJsonDepth(Nested(1'000'000, '{', '}')).ok());
  EXPECT_FALSE(CheckJsonDepth("{\"extra\":" + Nested(100'000) + "}").ok());
}

TEST(JsonDepthTest, SiblingsDoNotAddUp) {
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += Nested(kMaxJsonDepth - 1) + ",";
  wide += "1]";
  EXPECT_TRUE(CheckJsonDepth(wide).ok());
}

TEST(JsonDepthTest, BracketsInsideStringsDoNotCount) {
  const std::string brackets(1000, '[');
  EXPECT_TRUE(CheckJsonDepth("{\"k\":\"" + brackets + "\"}").ok());
  EXPECT_TRUE(CheckJsonDepth("{\"" + brackets + "\":1}").ok());
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  EXPECT_TRUE(CheckJsonDepth("[\"\\\"" + brackets + "\"]").ok());
  EXPECT_FALSE(CheckJsonDepth("[\"\\\\\"" + brackets + "]").ok());
}

TEST(JsonDepthTest, HonoursAGivenLimit) {
  EXPECT_TRUE(CheckJsonDepth("[[[]]]", 3).ok());
  const Status s = CheckJsonDepth("[[[[]]]]", 3);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("deeper than 3 levels"));
}

TEST(JsonDepthTest, StrayClosingBracketsDoNotBuyDepth) {
  EXPECT_FALSE(CheckJsonDepth("]]]]]]]]" + Nested(kMaxJsonDepth + 1)).ok());
}

TEST(Utf8BomTest, StripsOnlyALeadingBom) {
  EXPECT_EQ(StripUtf8Bom("\xEF\xBB\xBF{\"a\":1}"), "{\"a\":1}");
  EXPECT_EQ(StripUtf8Bom("{\"a\":1}"), "{\"a\":1}");
  EXPECT_EQ(StripUtf8Bom(" \xEF\xBB\xBF{}"), " \xEF\xBB\xBF{}");
  EXPECT_EQ(StripUtf8Bom("\xEF\xBB"), "\xEF\xBB");
  EXPECT_EQ(StripUtf8Bom(""), "");
}

}  // namespace
}  // namespace mw
