#include "common/regex_bounds.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace mw {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(RegexBoundsTest, OrdinaryPatternsKeepTheBounds) {
  for (const char* re : {"churn|risk", "demand_.*", "a{3}b{2,5}c{1000}", "[a-z]{2,}", "x{0}",
                         "(a{100}){100}", "\\{99999999}", "[{99999999}]", "a{,99999}b"}) {
    EXPECT_EQ(RegexBoundsProblem(re), "") << re;
  }
}

TEST(RegexBoundsTest, RepetitionCountsOverTheLimitAreRefusedWithoutOverflow) {
  for (const char* re : {"a{1001}", "a{2,1001}", "a{1001,}", "a{88888888888888888888}",
                         "a{1,88888888888888888888}", "a{99999999999999999999999"}) {
    EXPECT_EQ(RegexBoundsProblem(re), "regular expression repeats more than 1000 times") << re;
  }
}

// Found by fuzzing: a back-reference number is read as unchecked as a repetition count.
TEST(RegexBoundsTest, BackReferenceNumbersOverTheLimitAreRefusedWithoutOverflow) {
  EXPECT_EQ(RegexBoundsProblem("(a)\\2222222222222222222222222222"),
            "regular expression back-reference number over 1000");
  EXPECT_EQ(RegexBoundsProblem("[\\99999999999999999999]"),
            "regular expression back-reference number over 1000");
  EXPECT_EQ(RegexBoundsProblem("(a)\\1"), "");
  EXPECT_EQ(RegexBoundsProblem("\\0123"), "");  // \0 is the NUL character, then digits
}

TEST(RegexBoundsTest, NestedCountedRepetitionsMultiply) {
  EXPECT_EQ(RegexBoundsProblem("((a{100}){100}){100}"),
            "regular expression expands to more than 100000 states (counted repetitions multiply)");
  EXPECT_EQ(RegexBoundsProblem("(abcdefghij){1000}(abcdefghij){1000}"), "");  // 22,002
  EXPECT_NE(RegexBoundsProblem(Repeat("(abcdefghij){1000}", 10)), "");        // 110,010
}

TEST(RegexBoundsTest, LengthAndGroupDepthAreBounded) {
  EXPECT_EQ(RegexBoundsProblem(std::string(4097, 'a')),
            "regular expression longer than 4096 bytes");
  EXPECT_EQ(RegexBoundsProblem(std::string(4096, 'a')), "");
  EXPECT_EQ(RegexBoundsProblem(Repeat("(", 33) + "a" + Repeat(")", 33)),
            "regular expression nests groups more than 32 levels deep");
  EXPECT_EQ(RegexBoundsProblem(Repeat("(", 32) + "a" + Repeat(")", 32)), "");
}

// What the bounds admit std::regex compiles quickly and in little memory.
TEST(RegexBoundsTest, PatternsAtTheBoundsCompile) {
  for (const std::string& re : {std::string("(a{100}){100}"), std::string("a{1000}"),
                                Repeat("(", 32) + "a" + Repeat(")", 32)}) {
    ASSERT_EQ(RegexBoundsProblem(re), "") << re;
    std::regex compiled(re, std::regex::ECMAScript);
    EXPECT_FALSE(std::regex_search(std::string("b"), compiled)) << re;
  }
}

}  // namespace
}  // namespace mw
