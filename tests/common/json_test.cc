// Helpers of common/json.h: value reading, pointer escaping, string escaping, number syntax.
#include "common/json.h"

#include <gtest/gtest.h>

#include <string>

#include "common/json_limits.h"

namespace mw {
namespace {

std::string Pointer(std::string_view key) {
  std::string p;
  AppendJsonPointerToken(&p, key);
  return p;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(AppendJsonPointerToken, EscapesTildeBeforeSlash) {
  EXPECT_EQ(Pointer("a/b"), "/a~1b");
  EXPECT_EQ(Pointer("m~n"), "/m~0n");
  EXPECT_EQ(Pointer("~1"), "/~01");  // RFC 6901: "~1" in a key is "~01", not "~1"
  EXPECT_EQ(Pointer(""), "/");
}

TEST(AppendJsonPointerIndex, AppendsDecimalIndex) {
  std::string p = "/events";
  AppendJsonPointerIndex(&p, 12345);
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

TEST(ReadJsonValue, NonFiniteTokensAndOverflowKeepTheirText) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string storage;
  for (const char* token : {"NaN", "Infinity", "-Infinity", "1e400"}) {
    const std::string doc = std::string("[") + token + "]";
    storage = simdjson::padded_string(doc);
    simdjson::ondemand::document d = parser.iterate(storage);
    simdjson::ondemand::array array = d.get_array();
    for (auto element : array) {
      simdjson::ondemand::value v = element.value();
      JsonScalar out;
      ASSERT_EQ(ReadJsonValue(v, &out), simdjson::SUCCESS) << token;
      EXPECT_EQ(out.kind, JsonKind::kNonFinite) << token;
      EXPECT_EQ(out.text, token);
    }
  }
}

TEST(ReadJsonValue, NumbersKeepTheirSpelling) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string storage;
  storage = simdjson::padded_string(std::string_view("[1.50e3]"));
  simdjson::ondemand::document d = parser.iterate(storage);
  simdjson::ondemand::array array = d.get_array();
  for (auto element : array) {
    simdjson::ondemand::value v = element.value();
    JsonScalar out;
    ASSERT_EQ(ReadJsonValue(v, &out), simdjson::SUCCESS);
    EXPECT_EQ(out.kind, JsonKind::kNumber);
    EXPECT_EQ(out.number, 1500.0);
    EXPECT_EQ(out.text, "1.50e3");
  }
}

TEST(JsonErrorMessage, NamesTheDepthLimit) {
  EXPECT_EQ(JsonErrorMessage(simdjson::DEPTH_ERROR), JsonTooDeepMessage());
  EXPECT_EQ(JsonErrorMessage(simdjson::TAPE_ERROR).rfind("invalid JSON: ", 0), 0u);
}

}  // namespace
}  // namespace mw
