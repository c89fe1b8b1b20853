#include "common/time_format.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace mw {
namespace {

TEST(TimeFormatTest, FormatsMillisecondsUtc) {
  EXPECT_EQ(FormatRfc3339Millis(1735725600123), "2025-01-01T10:00:00.123Z");
  EXPECT_EQ(FormatRfc3339Seconds(1735725600123), "2025-01-01T10:00:00Z");
  EXPECT_EQ(FormatRfc3339Millis(0), "1970-01-01T00:00:00.000Z");
}

TEST(TimeFormatTest, ParsesZuluAndOffsets) {
  EXPECT_EQ(ParseRfc3339Millis("2025-01-01T10:00:00Z"), 1735725600000);
  EXPECT_EQ(ParseRfc3339Millis("2025-01-01T10:00:00.5Z"), 1735725600500);
  EXPECT_EQ(ParseRfc3339Millis("2025-01-01T12:00:00+02:00"), 1735725600000);
  EXPECT_EQ(ParseRfc3339Millis("2025-01-01t05:30:00-04:30"), 1735725600000);
  EXPECT_EQ(ParseRfc3339Millis("2025-01-01 10:00:00.123456z"), 1735725600123);
}

TEST(TimeFormatTest, RejectsWhatIsNotRfc3339) {
  for (const char* bad : {"", "2025-01-01", "2025-01-01T10:00:00", "2025-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T10:00:00.Z",
                          "2025-01-01T10:00:00Zjunk", "2025-01-01T10:00:00+0200", "yesterday"}) {
    EXPECT_FALSE(ParseRfc3339Millis(bad).has_value()) << bad;
  }
}

TEST(TimeFormatTest, AcceptsLeapDay) {
  EXPECT_TRUE(ParseRfc3339Millis("2024-02-29T00:00:00Z").has_value());
}

TEST(TimeFormatTest, RoundTrips) {
  for (int64_t ms : {int64_t{1}, int64_t{999}, int64_t{1700000000123}, int64_t{4102444799999}}) {
    EXPECT_EQ(ParseRfc3339Millis(FormatRfc3339Millis(ms)), ms);
  }
}

TEST(StatusTest, ResultHoldsValueOrError) {
  Result<int> ok(5);
  EXPECT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 5);
  Result<int> bad(NotFound("no such model"));
  EXPECT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.status().ToString(), "NOT_FOUND: no such model");
}

}  // namespace
}  // namespace mw
