#include "common/json_pointer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mw {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ParseJsonPointerTokens, TheEmptyPointerIsTheWholeDocument) {
  EXPECT_THAT(*ParseJsonPointerTokens(""), IsEmpty());
}

TEST(ParseJsonPointerTokens, UnescapesTildeZeroAndOne) {
  EXPECT_THAT(*ParseJsonPointerTokens("/a~1b/m~0n/0"), ElementsAre("a/b", "m~n", "0"));
  EXPECT_THAT(*ParseJsonPointerTokens("/~01"), ElementsAre("~1"));  // ~0 first, then a literal 1
  EXPECT_THAT(*ParseJsonPointerTokens("/"), ElementsAre(""));
  EXPECT_THAT(*ParseJsonPointerTokens("//x"), ElementsAre("", "x"));
}

TEST(ParseJsonPointerTokens, RefusalsQuoteThePointer) {
  EXPECT_EQ(ParseJsonPointerTokens("abc").error().message(),
            "\"abc\": a JSON pointer must be empty or start with \"/\"");
  EXPECT_EQ(ParseJsonPointerTokens("/a~2").error().message(),
            "\"/a~2\": \"~\" must be followed by 0 or 1 (RFC 6901)");
  EXPECT_EQ(ParseJsonPointerTokens("/a~").error().message(),
            "\"/a~\": \"~\" must be followed by 0 or 1 (RFC 6901)");
}

}  // namespace
}  // namespace mw
