// Periods, days and number formatting shared by the report renderers and the loader.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "maintenance/report/report.h"

namespace mw::maintenance {
namespace {

constexpr int64_t kReportDayMs = 86'400'000;

std::chrono::sys_days DaysOf(int64_t ms) {
  // Floor division, so times before 1970 land on their own day.
  int64_t days = ms / kReportDayMs;
  if (ms % kReportDayMs < 0) --days;
  return std::chrono::sys_days(std::chrono::days(days));
}

int64_t MillisOf(std::chrono::sys_days day) {
  return static_cast<int64_t>(day.time_since_epoch().count()) * kReportDayMs;
}

// The same day of the month before `day`, clamped to that month's length (Mar 31 -> Feb 28).
std::chrono::sys_days MonthBefore(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  const std::chrono::year_month ym =
      std::chrono::year_month(ymd.year(), ymd.month()) - std::chrono::months(1);
  const std::chrono::day last =
      std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day();
  return std::chrono::sys_days(
      std::chrono::year_month_day(ym.year(), ym.month(), std::min(ymd.day(), last)));
}

std::chrono::sys_days MonthAfter(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  const std::chrono::year_month ym =
      std::chrono::year_month(ymd.year(), ymd.month()) + std::chrono::months(1);
  const std::chrono::day last =
      std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day();
  return std::chrono::sys_days(
      std::chrono::year_month_day(ym.year(), ym.month(), std::min(ymd.day(), last)));
}

}  // namespace

ReportWindow PeriodStartingAt(ReportPeriod period, int64_t from_day_ms) {
  const std::chrono::sys_days from = DaysOf(from_day_ms);
  const std::chrono::sys_days to =
      period == ReportPeriod::kWeekly ? from + std::chrono::days(7) : MonthAfter(from);
  return {MillisOf(from), MillisOf(to)};
}

std::string_view ReportPeriodName(ReportPeriod period) {
  return period == ReportPeriod::kWeekly ? "weekly" : "monthly";
}

std::optional<ReportPeriod> ParseReportPeriod(std::string_view name) {
  if (name == "weekly") return ReportPeriod::kWeekly;
  if (name == "monthly") return ReportPeriod::kMonthly;
  return std::nullopt;
}

ReportWindow PeriodWindow(ReportPeriod period, int64_t now_ms, std::optional<int64_t> end_day_ms) {
  using namespace std::chrono;
  sys_days end;
  if (end_day_ms) {
    end = DaysOf(*end_day_ms);
  } else if (period == ReportPeriod::kWeekly) {
    const sys_days today = DaysOf(now_ms);
    // Monday of this week: the end of the last full week.
    end = today - (weekday(today) - Monday);
  } else {
    const year_month_day ymd(DaysOf(now_ms));
    end = sys_days(ymd.year() / ymd.month() / 1);
  }
  const sys_days from = period == ReportPeriod::kWeekly ? end - days(7) : MonthBefore(end);
  return {MillisOf(from), MillisOf(end)};
}

std::optional<int64_t> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t k = 0; k < lengths[i]; ++k) {
      const char c = text[starts[i] + k];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year(parts[0]),
                                        std::chrono::month(static_cast<unsigned>(parts[1])),
                                        std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!ymd.ok() || parts[0] < 1970) return std::nullopt;
  return MillisOf(std::chrono::sys_days(ymd));
}

std::string FormatDay(int64_t ms) {
  const std::chrono::year_month_day ymd(DaysOf(ms));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatTime(int64_t ms) {
  int64_t in_day = ms % kReportDayMs;
  if (in_day < 0) in_day += kReportDayMs;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %02d:%02d UTC", static_cast<int>(in_day / 3'600'000),
                static_cast<int>(in_day / 60'000 % 60));
  return FormatDay(ms) + buf;
}

std::string FormatNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "n/a";
  const double v = *value;
  if ((v == std::floor(v) || std::fabs(v) >= 1000) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v == 0 ? 0.0 : v);  // no "-0"
    return buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace mw::maintenance
