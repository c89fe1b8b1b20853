// Cron schedules for the maintenance scheduler: the 5-field expressions of crontab(5)
// (minute hour day-of-month month day-of-week), evaluated in UTC at minute resolution.
//
// Syntax (Vixie cron / cronie, which operators already write):
//   field    := item ("," item)*
//   item     := ("*" | value | value "-" value) ["/" step]     value "/" step means value..max
//   minute 0-59, hour 0-23, day of month 1-31, month 1-12 or jan..dec, day of week 0-7 or
//   sun..sat (0 and 7 are Sunday); names are case-insensitive.
//   Macros: @yearly (@annually) "0 0 1 1 *", @monthly "0 0 1 * *", @weekly "0 0 * * 0",
//   @daily (@midnight) "0 0 * * *", @hourly "0 * * * *".
// Day of month and day of week: when both fields are restricted (neither starts with "*"), a day
// matches if EITHER matches ("0 0 1,15 * mon" runs on the 1st, the 15th and every Monday), as
// cron does; otherwise both must match.
//
// Thread-safety: a CronSchedule is an immutable value.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mw {

class CronSchedule {
 public:
  // kInvalidArgument naming the field and the reason, e.g.
  // `field 2 (hour): 24 is outside 0-23` or `expected 5 fields, found 4`.
  static Result<CronSchedule> Parse(std::string_view expression);

  // True when the minute containing `unix_seconds` (UTC) matches.
  bool Matches(int64_t unix_seconds) const;

  // The start (Unix seconds, a multiple of 60) of the first matching minute strictly after
  // `unix_seconds`; nullopt when none falls within the next 8 years (a schedule such as
  // "0 0 30 2 *" never runs; 8 years cover every leap-day schedule).
  std::optional<int64_t> NextAfter(int64_t unix_seconds) const;

  // The expression as given (macros included).
  const std::string& expression() const { return expression_; }

 private:
  bool DayMatches(int64_t days_since_epoch) const;

  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bit 0 unused
  std::bitset<13> months_;         // bit 0 unused
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_restricted_ = false, day_of_week_restricted_ = false;
};

}  // namespace mw
