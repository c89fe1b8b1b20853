// Helpers of ingest/detail/json_value.h: pointer escaping, string escaping, number syntax.
#include "ingest/detail/json_value.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::ingest_detail {
namespace {

std::string Pointer(std::string_view key) {
  std::string p;
  AppendPointerToken(&p, key);
  return p;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(AppendPointerToken, EscapesTildeBeforeSlash) {
  EXPECT_EQ(Pointer("a/b"), "/a~1b");
  EXPECT_EQ(Pointer("m~n"), "/m~0n");
  EXPECT_EQ(Pointer("~1"), "/~01");  // RFC 6901: "~1" in a key is "~01", not "~1"
  EXPECT_EQ(Pointer(""), "/");
}

TEST(AppendPointerIndex, AppendsDecimalIndex) {
  std::string p = "/events";
  AppendPointerIndex(&p, 12345);
  EXPECT_EQ(p, "/events/12345");
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(Quoted(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(Quoted(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(AppendJsonString, CopiesUtf8AndSlashAsIs) {
  EXPECT_EQ(Quoted("caf\xc3\xa9/x"), "\"caf\xc3\xa9/x\"");
}

TEST(IsJsonNumberSyntax, AcceptsRfc8259Numbers) {
  for (const char* n :
       {"0", "-0", "7", "-12", "1.5", "0.001", "1e5", "1E+5", "-2.5e-10", "1e400"}) {
    EXPECT_TRUE(IsJsonNumberSyntax(n)) << n;
  }
}

TEST(IsJsonNumberSyntax, RejectsOtherSpellings) {
  for (const char* n : {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "1 "}) {
    EXPECT_FALSE(IsJsonNumberSyntax(n)) << n;
  }
}

TEST(ErrorSink, KeepsAtMostOneHundredButCountsAll) {
  ErrorSink sink;
  for (size_t i = 0; i < 150; ++i) {
    std::string pointer;
    AppendPointerIndex(&pointer, i);
    sink.Add(pointer, "bad");
  }
  EXPECT_EQ(sink.count(), 150u);
  EXPECT_EQ(sink.Take().size(), ErrorSink::kMaxReportedErrors);
}

}  // namespace
}  // namespace mw::ingest_detail
