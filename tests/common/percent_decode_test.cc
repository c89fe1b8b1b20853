#include "common/percent_decode.h"

#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

TEST(PercentDecode, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc", false), "a/b/c");
  EXPECT_EQ(PercentDecode("%41%42", false), "AB");
}

TEST(PercentDecode, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("%2B", true), "+");
}

TEST(PercentDecode, KeepsInvalidAndTruncatedEscapesLiterally) {
  EXPECT_EQ(PercentDecode("%zz", false), "%zz");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%4", false), "%4");
  EXPECT_EQ(PercentDecode("%4g", false), "%4g");
}

TEST(PercentDecode, MayYieldAnyByte) {
  EXPECT_EQ(PercentDecode("a%00b", false), std::string("a\0b", 3));
  EXPECT_EQ(PercentDecode("%FF", false), "\xFF");
}

}  // namespace
}  // namespace mw
