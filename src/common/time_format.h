// RFC 3339 formatting and parsing of epoch-millisecond timestamps (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw {

// The times modelwatch accepts as parameters from outside (API query parameters, CLI flags):
// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, as epoch milliseconds. Every sum of such a
// time and a duration (common/duration.h, at most kMaxDurationMillis) fits in an int64_t.
inline constexpr int64_t kMinEpochMillis = 0;
inline constexpr int64_t kMaxEpochMillis = 253'402'300'799'999;

// True when `epoch_ms` is in [kMinEpochMillis, kMaxEpochMillis].
inline bool InTimeRange(int64_t epoch_ms) {
  return epoch_ms >= kMinEpochMillis && epoch_ms <= kMaxEpochMillis;
}

// "2025-01-01T10:00:00.123Z" (milliseconds always present).
std::string FormatRfc3339Millis(int64_t epoch_ms);
// "2025-01-01T10:00:00Z" (whole seconds).
std::string FormatRfc3339Seconds(int64_t epoch_ms);
// Parses RFC 3339 date-times: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't'/'z' and a
// space separator are accepted. Returns nullopt for anything else (no local-time guessing). The
// year has four digits, so the result lies within years 0000..9999 (shifted by the offset), which
// may be outside InTimeRange: callers taking a time from outside check that too.
std::optional<int64_t> ParseRfc3339Millis(std::string_view text);

// A time parameter (the API's from/to, CLI flags): RFC 3339 or unix seconds, as epoch
// milliseconds; nullopt for anything else and for times outside InTimeRange, so no arithmetic
// on the result can overflow.
std::optional<int64_t> ParseTimeParameter(std::string_view text);
// Unix seconds as epoch milliseconds, or nullopt outside InTimeRange.
std::optional<int64_t> UnixSecondsToMillis(int64_t seconds);

}  // namespace mw
