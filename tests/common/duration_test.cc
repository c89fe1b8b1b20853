#include "common/duration.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseDurationMillis("250ms"), 250);
  EXPECT_EQ(ParseDurationMillis("90s"), 90'000);
  EXPECT_EQ(ParseDurationMillis("15m"), 900'000);
  EXPECT_EQ(ParseDurationMillis("24h"), 86'400'000);
  EXPECT_EQ(ParseDurationMillis("7d"), 604'800'000);
  EXPECT_EQ(ParseDurationMillis("2w"), 1'209'600'000);
}

TEST(DurationTest, RejectsEverythingElse) {
  for (const char* bad :
       {"", "7", "d", "-1d", "0h", "1.5h", "1 h", "1y", "h1", "99999999999999999w"}) {
    EXPECT_FALSE(ParseDurationMillis(bad).has_value()) << bad;
  }
}

TEST(DurationTest, AtMost36500Days) {
  EXPECT_EQ(ParseDurationMillis("36500d"), kMaxDurationMillis);
  EXPECT_EQ(ParseDurationMillis("5214w"), int64_t{5214} * 604'800'000);
  EXPECT_EQ(ParseDurationMillis("3153600000000ms"), kMaxDurationMillis);
  for (const char* bad : {"36501d", "5215w", "876001h", "3153600000001ms", "9223372036854775807ms",
                          "999999999d", "9223372036854775807s"}) {
    EXPECT_FALSE(ParseDurationMillis(bad).has_value()) << bad;
  }
}

TEST(DurationTest, FormatsTheShortestExactUnit) {
  EXPECT_EQ(FormatDurationMillis(86'400'000), "1d");
  EXPECT_EQ(FormatDurationMillis(5'400'000), "90m");
  EXPECT_EQ(FormatDurationMillis(1500), "1500ms");
  EXPECT_EQ(FormatDurationMillis(1'209'600'000), "2w");
}

}  // namespace
}  // namespace mw
