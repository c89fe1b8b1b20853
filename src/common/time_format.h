// RFC 3339 formatting and parsing of epoch-millisecond timestamps (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw {

// "2025-01-01T10:00:00.123Z" (milliseconds always present).
std::string FormatRfc3339Millis(int64_t epoch_ms);
// "2025-01-01T10:00:00Z" (whole seconds).
std::string FormatRfc3339Seconds(int64_t epoch_ms);
// Parses RFC 3339 date-times: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't'/'z' and a
// space separator are accepted. Returns nullopt for anything else (no local-time guessing).
std::optional<int64_t> ParseRfc3339Millis(std::string_view text);

}  // namespace mw
