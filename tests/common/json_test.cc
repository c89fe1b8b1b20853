// Helpers of common/json.h: value reading, pointer escaping, string escaping, number syntax.
#include "common/json.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

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
  // The last: simdjson 3.0.1 reads it as 6.09809e+281; it overflows a double (found by fuzzing).
  for (const char* token : {"NaN", "Infinity", "-Infinity", "1e400",
                            "0.7599999999999999999999999999999999999999999991e309"}) {
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

// Numbers of more than 19 mantissa digits are read exactly (simdjson 3.0.1 misreads some).
TEST(ReadJsonValue, LongMantissasAreReadExactly) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string storage;
  const std::pair<const char*, double> cases[] = {
      {"0.17976931348623157000000000000000000000e309", 1.7976931348623157e308},
      {"0.7599999999999999999999999999999999999999999991e300", 7.6e299},
      {"12345678901234567890123", 12345678901234567890123.0},
      {"-0.000000000000000000000000000001e-300", -0.0},
      {"1.00000000000000000000000000000000000001", 1.0},
  };
  for (const auto& [token, expected] : cases) {
    const std::string doc = std::string("[") + token + "]";
    storage = simdjson::padded_string(doc);
    simdjson::ondemand::document d = parser.iterate(storage);
    simdjson::ondemand::array array = d.get_array();
    for (auto element : array) {
      simdjson::ondemand::value v = element.value();
      JsonScalar out;
      ASSERT_EQ(ReadJsonValue(v, &out), simdjson::SUCCESS) << token;
      EXPECT_EQ(out.kind, JsonKind::kNumber) << token;
      EXPECT_EQ(out.number, expected) << token;
      EXPECT_EQ(out.text, token);
    }
  }
}

TEST(JsonErrorMessage, NamesTheDepthLimit) {
  EXPECT_EQ(JsonErrorMessage(simdjson::DEPTH_ERROR), JsonTooDeepMessage());
  EXPECT_EQ(JsonErrorMessage(simdjson::TAPE_ERROR).rfind("invalid JSON: ", 0), 0u);
}

}  // namespace
}  // namespace mw
