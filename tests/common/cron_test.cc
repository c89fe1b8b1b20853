// Cron expressions: every syntax form, the day-of-month / day-of-week rule, and next run times
// checked against hand-computed UTC dates.
#include "common/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace mw {
namespace {

using ::testing::HasSubstr;

// Unix seconds of a UTC date and time.
int64_t At(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  namespace c = std::chrono;
  const c::sys_days date = c::year{y} / c::month{mo} / c::day{d};
  return c::duration_cast<c::seconds>(date.time_since_epoch()).count() + h * 3600 + mi * 60 + s;
}

CronSchedule Parsed(const std::string& expression) {
  Result<CronSchedule> s = CronSchedule::Parse(expression);
  EXPECT_TRUE(s.has_value()) << expression << ": " << (s.has_value() ? "" : s.error().message());
  return s.has_value() ? *s : *CronSchedule::Parse("* * * * *");
}

int64_t Next(const std::string& expression, int64_t after) {
  const std::optional<int64_t> next = Parsed(expression).NextAfter(after);
  EXPECT_TRUE(next.has_value()) << expression;
  return next.value_or(-1);
}

TEST(CronTest, EveryMinuteIsTheNextWholeMinuteStrictlyAfter) {
  EXPECT_EQ(Next("* * * * *", At(2026, 12, 7, 10, 15, 0)), At(2026, 12, 7, 10, 16));
  EXPECT_EQ(Next("* * * * *", At(2026, 12, 7, 10, 15, 59)), At(2026, 12, 7, 10, 16));
}

TEST(CronTest, DailyWeeklyMonthlyAtTheirUsualTimes) {
  const int64_t monday_noon = At(2026, 12, 7, 12);  // 2026-12-07 is a Monday
  EXPECT_EQ(Next("0 2 * * *", monday_noon), At(2026, 12, 8, 2));
  EXPECT_EQ(Next("0 3 * * sun", monday_noon), At(2026, 12, 13, 3));
  EXPECT_EQ(Next("0 4 1 * *", monday_noon), At(2027, 1, 1, 4));
  EXPECT_EQ(Next("@daily", monday_noon), At(2026, 12, 8));
  EXPECT_EQ(Next("@weekly", monday_noon), At(2026, 12, 13));
  EXPECT_EQ(Next("@monthly", monday_noon), At(2027, 1, 1));
  EXPECT_EQ(Next("@yearly", monday_noon), At(2027, 1, 1));
  EXPECT_EQ(Next("@annually", monday_noon), At(2027, 1, 1));
  EXPECT_EQ(Next("@midnight", monday_noon), At(2026, 12, 8));
  EXPECT_EQ(Next("@hourly", monday_noon), At(2026, 12, 7, 13));
}

TEST(CronTest, RangesStepsAndLists) {
  const int64_t t = At(2026, 12, 7, 10, 7);
  EXPECT_EQ(Next("*/15 * * * *", t), At(2026, 12, 7, 10, 15));
  EXPECT_EQ(Next("10-50/20 * * * *", At(2026, 12, 7, 10, 31)), At(2026, 12, 7, 10, 50));
  EXPECT_EQ(Next("10-50/20 * * * *", At(2026, 12, 7, 10, 50)), At(2026, 12, 7, 11, 10));
  EXPECT_EQ(Next("5/20 * * * *", At(2026, 12, 7, 10, 46)), At(2026, 12, 7, 11, 5));
  EXPECT_EQ(Next("0 9-17 * * mon-fri", At(2026, 12, 11, 17, 30)), At(2026, 12, 14, 9));
  EXPECT_EQ(Next("0 0,12 * * *", t), At(2026, 12, 7, 12));
  EXPECT_EQ(Next("30 1 * jan,jul *", t), At(2027, 1, 1, 1, 30));
  EXPECT_EQ(Next("0 0 * JUN-aug *", t), At(2027, 6, 1));
  EXPECT_EQ(Next("0 0 1-3,20 * *", t), At(2026, 12, 20));
}

TEST(CronTest, SevenIsSundayToo) {
  EXPECT_EQ(Next("0 0 * * 7", At(2026, 12, 7)), At(2026, 12, 13));
  EXPECT_EQ(Next("0 0 * * 5-7", At(2026, 12, 7)), At(2026, 12, 11));
}

TEST(CronTest, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 1st, the 15th, or any Monday.
  const CronSchedule s = Parsed("0 0 1,15 * mon");
  EXPECT_EQ(s.NextAfter(At(2026, 12, 7)), At(2026, 12, 14));   // Monday before the 15th
  EXPECT_EQ(s.NextAfter(At(2026, 12, 14)), At(2026, 12, 15));  // the 15th, a Tuesday
  // With one field '*' (also "*/2"), both must match: Mondays that are even days.
  EXPECT_EQ(Next("0 0 */2 * mon", At(2026, 12, 7)), At(2026, 12, 21));
  EXPECT_EQ(Next("0 0 13 * fri", At(2026, 12, 7)), At(2026, 12, 11));  // Friday OR the 13th
  EXPECT_EQ(Next("0 0 13 * fri", At(2026, 12, 11)), At(2026, 12, 13));
}

TEST(CronTest, LeapDaysAndImpossibleDates) {
  EXPECT_EQ(Next("0 0 29 2 *", At(2026, 12, 7)), At(2028, 2, 29));
  EXPECT_FALSE(Parsed("0 0 30 2 *").NextAfter(At(2026, 12, 7)).has_value());
  EXPECT_FALSE(Parsed("0 0 31 4,6,9,11 *").NextAfter(At(2026, 12, 7)).has_value());
}

TEST(CronTest, MatchesIsAtMinuteResolution) {
  const CronSchedule s = Parsed("30 2 * * *");
  EXPECT_TRUE(s.Matches(At(2026, 12, 7, 2, 30, 0)));
  EXPECT_TRUE(s.Matches(At(2026, 12, 7, 2, 30, 59)));
  EXPECT_FALSE(s.Matches(At(2026, 12, 7, 2, 31, 0)));
  EXPECT_TRUE(Parsed("0 0 * * *").Matches(At(1969, 12, 31)));  // before the epoch
  EXPECT_EQ(Next("0 0 * * *", At(1969, 12, 31, 12)), At(1970, 1, 1));
}

TEST(CronTest, WhitespaceBetweenFieldsIsFree) {
  EXPECT_EQ(Next("  0\t2  * *   * ", At(2026, 12, 7, 12)), At(2026, 12, 8, 2));
  EXPECT_EQ(Parsed(" 0 2 * * *").expression(), " 0 2 * * *");
}

TEST(CronTest, BadExpressionsNameTheFieldAndTheReason) {
  struct Case {
    std::string expression, message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "expected 5 fields (minute hour day-of-month month day-of-week), found 0"},
           {"0 2 * *", "found 4"},
           {"0 2 * * * *", "found 6"},
           {"60 * * * *", "field 1 (minute): 60 is outside 0-59"},
           {"0 24 * * *", "field 2 (hour): 24 is outside 0-23"},
           {"0 0 0 * *", "field 3 (day of month): 0 is outside 1-31"},
           {"0 0 * 13 *", "field 4 (month): 13 is outside 1-12"},
           {"0 0 * * 8", "field 5 (day of week): 8 is outside 0-7"},
           {"0 0 * foo *", "field 4 (month): \"foo\" is not a number or a name"},
           {"x * * * *", "field 1 (minute): \"x\" is not a number"},
           {"*/0 * * * *", "field 1 (minute): step \"0\" is not a positive number"},
           {"*/x * * * *", "step \"x\" is not a positive number"},
           {"0 5-2 * * *", "field 2 (hour): range \"5-2\" runs backwards"},
           {"0 1,,2 * * *", "field 2 (hour): empty list item"},
           {"@sometimes", "unknown macro \"@sometimes\""},
       }) {
    Result<CronSchedule> s = CronSchedule::Parse(c.expression);
    ASSERT_FALSE(s.has_value()) << c.expression;
    EXPECT_THAT(s.error().message(), HasSubstr(c.message)) << c.expression;
  }
}

}  // namespace
}  // namespace mw
