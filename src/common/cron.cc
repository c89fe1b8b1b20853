#include "common/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <vector>

namespace mw {
namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  // Names accepted for values min, min+1, ... (empty: numbers only).
  std::vector<std::string_view> names;
};

const std::array<FieldSpec, 5>& Fields() {
  static const std::array<FieldSpec, 5> fields = {{
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day of month", 1, 31, {}},
      {"month",
       1,
       12,
       {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      // 7 is Sunday as well as 0 (crontab(5)); folded onto 0 when stored.
      {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
  }};
  return fields;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status FieldError(size_t index, const std::string& reason) {
  return InvalidArgument("field " + std::to_string(index + 1) + " (" + Fields()[index].name +
                         "): " + reason);
}

// A number or (where the field has names) a name; range-checked.
Result<int> ParseValue(std::string_view text, size_t index) {
  const FieldSpec& spec = Fields()[index];
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (value < spec.min || value > spec.max) {
      return FieldError(index, std::to_string(value) + " is outside " + std::to_string(spec.min) +
                                   "-" + std::to_string(spec.max));
    }
    return value;
  }
  const std::string lower = Lower(text);
  for (size_t i = 0; i < spec.names.size(); ++i) {
    if (spec.names[i] == lower) return spec.min + static_cast<int>(i);
  }
  return FieldError(index, "\"" + std::string(text) + "\" is not a number" +
                               (spec.names.empty() ? "" : " or a name"));
}

// Sets the bits of one comma-separated item ("*", "5", "1-5", "*/15", "10-50/20", "5/15").
Status ParseItem(std::string_view item, size_t index, std::vector<bool>& bits) {
  const FieldSpec& spec = Fields()[index];
  int step = 1;
  const bool stepped = item.find('/') != std::string_view::npos;
  if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
    const std::string_view step_text = item.substr(slash + 1);
    const auto [end, ec] =
        std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
    if (ec != std::errc() || end != step_text.data() + step_text.size() || step < 1) {
      return FieldError(index, "step \"" + std::string(step_text) + "\" is not a positive number");
    }
    item = item.substr(0, slash);
  }
  int low = spec.min, high = spec.max;
  if (item == "*") {
    // the whole range
  } else if (const size_t dash = item.find('-'); dash != std::string_view::npos) {
    Result<int> a = ParseValue(item.substr(0, dash), index);
    if (!a.has_value()) return a.error();
    Result<int> b = ParseValue(item.substr(dash + 1), index);
    if (!b.has_value()) return b.error();
    if (*a > *b) {
      return FieldError(index, "range \"" + std::string(item) + "\" runs backwards");
    }
    low = *a;
    high = *b;
  } else {
    Result<int> v = ParseValue(item, index);
    if (!v.has_value()) return v.error();
    low = *v;
    // "5/15" is 5, 20, 35, 50 (cronie and croniter read it so); a bare value is itself.
    high = stepped ? spec.max : *v;
  }
  for (int v = low; v <= high; v += step) bits[static_cast<size_t>(v)] = true;
  return Status::Ok();
}

Result<std::vector<bool>> ParseField(std::string_view text, size_t index) {
  std::vector<bool> bits(static_cast<size_t>(Fields()[index].max) + 1, false);
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) return FieldError(index, "empty list item in \"" + std::string(text) + "\"");
    if (Status s = ParseItem(item, index, bits); !s.ok()) return s;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::string_view ExpandMacro(std::string_view expression) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros = {{
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
      {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  }};
  for (const auto& [macro, fields] : kMacros) {
    if (macro == expression) return fields;
  }
  return expression;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

template <size_t N>
std::bitset<N> ToBitset(const std::vector<bool>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N && i < bits.size(); ++i) out[i] = bits[i];
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view expression) {
  const std::vector<std::string_view> parts = SplitWhitespace(ExpandMacro(expression));
  if (parts.size() != 5) {
    if (!expression.empty() && expression.front() == '@') {
      return InvalidArgument("unknown macro \"" + std::string(expression) +
                             "\" (@yearly, @annually, @monthly, @weekly, @daily, @midnight, "
                             "@hourly)");
    }
    return InvalidArgument(
        "expected 5 fields (minute hour day-of-month month day-of-week), found " +
        std::to_string(parts.size()));
  }
  std::array<std::vector<bool>, 5> bits;
  for (size_t i = 0; i < parts.size(); ++i) {
    Result<std::vector<bool>> field = ParseField(parts[i], i);
    if (!field.has_value()) return field.error();
    bits[i] = std::move(*field);
  }
  CronSchedule s;
  s.expression_ = std::string(expression);
  s.minutes_ = ToBitset<60>(bits[0]);
  s.hours_ = ToBitset<24>(bits[1]);
  s.days_of_month_ = ToBitset<32>(bits[2]);
  s.months_ = ToBitset<13>(bits[3]);
  if (bits[4][7]) bits[4][0] = true;  // 7 is Sunday
  s.days_of_week_ = ToBitset<7>(bits[4]);
  // As cron decides it: a field is unrestricted when it starts with '*' ("*/2" included).
  s.day_of_month_restricted_ = parts[2].front() != '*';
  s.day_of_week_restricted_ = parts[4].front() != '*';
  return s;
}

bool CronSchedule::DayMatches(int64_t days_since_epoch) const {
  using namespace std::chrono;
  const sys_days day{days{days_since_epoch}};
  const year_month_day ymd{day};
  if (!months_[static_cast<unsigned>(ymd.month())]) return false;
  const bool dom = days_of_month_[static_cast<unsigned>(ymd.day())];
  const bool dow = days_of_week_[weekday{day}.c_encoding()];
  if (day_of_month_restricted_ && day_of_week_restricted_) return dom || dow;
  return dom && dow;
}

bool CronSchedule::Matches(int64_t unix_seconds) const {
  const int64_t minute = FloorDiv(unix_seconds, 60);
  const int64_t day = FloorDiv(minute, 1440);
  const int64_t minute_of_day = minute - day * 1440;
  return DayMatches(day) && hours_[static_cast<size_t>(minute_of_day / 60)] &&
         minutes_[static_cast<size_t>(minute_of_day % 60)];
}

std::optional<int64_t> CronSchedule::NextAfter(int64_t unix_seconds) const {
  const int64_t first_minute = FloorDiv(unix_seconds, 60) + 1;
  int64_t day = FloorDiv(first_minute, 1440);
  int64_t from_minute_of_day = first_minute - day * 1440;
  constexpr int64_t kHorizonDays = 8 * 366;
  for (int64_t checked = 0; checked <= kHorizonDays; ++checked, ++day, from_minute_of_day = 0) {
    if (!DayMatches(day)) continue;
    for (int64_t m = from_minute_of_day; m < 1440; ++m) {
      if (hours_[static_cast<size_t>(m / 60)] && minutes_[static_cast<size_t>(m % 60)]) {
        return (day * 1440 + m) * 60;
      }
    }
  }
  return std::nullopt;
}

}  // namespace mw
