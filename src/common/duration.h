// Durations as operators write them: "90s", "15m", "24h", "7d", "2w" (one integer and one unit;
// "ms" for milliseconds). Used by API window parameters and CLI flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mw {

// The longest duration ParseDurationMillis accepts: 36500d (100 years). Callers may allow less.
inline constexpr int64_t kMaxDurationMillis = int64_t{36500} * 86'400'000;

// Milliseconds, or nullopt for anything else (no unit, negative, zero, fractions, more than
// kMaxDurationMillis).
std::optional<int64_t> ParseDurationMillis(std::string_view text);
// The shortest exact form: 86400000 -> "1d", 5400000 -> "90m".
std::string FormatDurationMillis(int64_t ms);

}  // namespace mw
