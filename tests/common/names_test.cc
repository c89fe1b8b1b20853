#include "common/names.h"

#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

TEST(NamesTest, AcceptsPrintableAsciiAndUnicode) {
  for (const char* ok : {"demand_forecast", "v3", "restaurant 17", "a/b%2Fc", "café", "модель",
                         "模型", "emoji \xF0\x9F\x98\x80", "\xEF\xBF\xBD"}) {
    EXPECT_EQ(NameProblem(ok, 128), std::nullopt) << ok;
  }
}

TEST(NamesTest, RejectsEmpty) { EXPECT_EQ(NameProblem("", 128), "must not be empty"); }

TEST(NamesTest, RejectsLongerThanTheLimitInBytes) {
  EXPECT_EQ(NameProblem(std::string(128, 'x'), 128), std::nullopt);
  EXPECT_EQ(NameProblem(std::string(129, 'x'), 128), "must be at most 128 bytes (got 129)");
  // 64 two-byte characters are 128 bytes: the limit counts bytes, not characters.
  std::string two_byte;
  for (int i = 0; i < 65; ++i) two_byte += "é";
  EXPECT_NE(NameProblem(two_byte, 128), std::nullopt);
}

TEST(NamesTest, RejectsInvalidUtf8NamingTheByte) {
  EXPECT_EQ(NameProblem("\xff", 128), "must be valid UTF-8 (byte 0xff at offset 0 is not)");
  EXPECT_EQ(NameProblem("ab\xc3", 128), "must be valid UTF-8 (byte 0xc3 at offset 2 is not)");
  for (const char* bad : {
           "\xc0\xaf",              // overlong '/'
           "\xe0\x80\xaf",          // overlong '/'
           "\xed\xa0\x80",          // surrogate U+D800
           "\xf4\x90\x80\x80",      // above U+10FFFF
           "\xf8\x88\x80\x80\x80",  // five-byte form
           "\x80",                  // lone continuation byte
           "\xe2\x82",              // truncated sequence
       }) {
    const auto problem = NameProblem(bad, 128);
    ASSERT_TRUE(problem.has_value()) << bad;
    EXPECT_EQ(problem->rfind("must be valid UTF-8", 0), 0u) << *problem;
  }
}

TEST(NamesTest, RejectsC0DelAndC1ControlCharacters) {
  EXPECT_EQ(NameProblem("a\x01", 128), "must not contain control characters (U+0001 at offset 1)");
  EXPECT_EQ(NameProblem(std::string("a\0b", 3), 128),
            "must not contain control characters (U+0000 at offset 1)");
  EXPECT_EQ(NameProblem("tab\there", 128),
            "must not contain control characters (U+0009 at offset 3)");
  EXPECT_EQ(NameProblem("line\n", 128), "must not contain control characters (U+000A at offset 4)");
  EXPECT_EQ(NameProblem("del\x7f", 128),
            "must not contain control characters (U+007F at offset 3)");
  EXPECT_EQ(NameProblem("c1\xc2\x85", 128),
            "must not contain control characters (U+0085 at offset 2)");
  EXPECT_EQ(NameProblem("\xc2\xa0", 128), std::nullopt);  // U+00A0 (no-break space) is printable
}

TEST(NamesTest, SafeTextKeepsOnlyTheAllowedControls) {
  EXPECT_TRUE(IsSafeText("a b\n", "\n"));
  EXPECT_FALSE(IsSafeText("a b\n"));
  EXPECT_FALSE(IsSafeText("a\rb", "\n"));
  EXPECT_FALSE(IsSafeText("a\xff", "\n"));
  EXPECT_TRUE(IsSafeText("caf\xc3\xa9"));
  EXPECT_FALSE(IsSafeText("\xc2\x9b"));  // C1 CSI
}

TEST(NamesTest, ReplaceUnsafeTextPutsTheReplacementCharacterInstead) {
  EXPECT_EQ(ReplaceUnsafeText("a\xff"
                              "b\x01"
                              "c\n",
                              "\n"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\n");
  EXPECT_EQ(ReplaceUnsafeText("\xc2\x85x"), "\xEF\xBF\xBDx");
  EXPECT_EQ(ReplaceUnsafeText("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_TRUE(IsSafeText(ReplaceUnsafeText("\xe2\x82\xff\x7f\t")));
}

}  // namespace
}  // namespace mw
