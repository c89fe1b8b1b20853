// Time query parameters (ParseTime): RFC 3339 or unix seconds, only within 1970..9999, so that
// nothing computed from them can overflow (issue 17, defect 10).
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "api/handlers.h"
#include "common/time_format.h"

namespace mw::api {
namespace {

TEST(ParseTimeTest, ReadsRfc3339AndUnixSeconds) {
  EXPECT_EQ(ParseTime("2025-01-01T10:00:00Z"), 1'735'725'600'000);
  EXPECT_EQ(ParseTime("2025-01-01T11:00:00+01:00"), 1'735'725'600'000);
  EXPECT_EQ(ParseTime("1735725600"), 1'735'725'600'000);
  EXPECT_EQ(ParseTime("0"), 0);
  EXPECT_FALSE(ParseTime("").has_value());
  EXPECT_FALSE(ParseTime("yesterday").has_value());
  EXPECT_FALSE(ParseTime("12abc").has_value());
}

TEST(ParseTimeTest, TheRangeIsYears1970To9999) {
  EXPECT_EQ(ParseTime("1970-01-01T00:00:00Z"), kMinEpochMillis);
  EXPECT_EQ(ParseTime("9999-12-31T23:59:59.999Z"), kMaxEpochMillis);
  EXPECT_EQ(ParseTime("253402300799"), kMaxEpochMillis - 999);  // 9999-12-31T23:59:59Z
  EXPECT_FALSE(ParseTime("253402300800").has_value());
  EXPECT_FALSE(ParseTime("-1").has_value());
  EXPECT_FALSE(ParseTime("1969-12-31T23:59:59Z").has_value());
  EXPECT_FALSE(ParseTime("1970-01-01T00:00:00+01:00").has_value());  // 1969 in UTC
  EXPECT_FALSE(ParseTime("0000-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTime("9999-12-31T23:59:59-01:00").has_value());  // year 10000 in UTC
}

TEST(ParseTimeTest, SecondsThatWouldOverflowInMillisecondsAreRefused) {
  // The example: seconds * 1000 overflowed (UB) and gave a window in 1969.
  EXPECT_FALSE(ParseTime("9223372036854775807").has_value());
  EXPECT_FALSE(ParseTime("-9223372036854775808").has_value());
  EXPECT_FALSE(ParseTime("9223372036854775").has_value());      // * 1000 fits, but past 9999
  EXPECT_FALSE(ParseTime("99999999999999999999").has_value());  // not even an int64
  EXPECT_EQ(UnixSecondsToMillis(253402300799), kMaxEpochMillis - 999);
  EXPECT_FALSE(UnixSecondsToMillis(std::numeric_limits<int64_t>::max()).has_value());
  EXPECT_FALSE(UnixSecondsToMillis(std::numeric_limits<int64_t>::min()).has_value());
}

}  // namespace
}  // namespace mw::api
