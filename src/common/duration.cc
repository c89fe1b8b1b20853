#include "common/duration.h"

#include <charconv>

namespace mw {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};
// Longest suffix first so "ms" is not read as "m".
constexpr Unit kUnits[] = {{"ms", 1},        {"s", 1000},       {"m", 60'000},
                           {"h", 3'600'000}, {"d", 86'400'000}, {"w", 604'800'000}};

}  // namespace

std::optional<int64_t> ParseDurationMillis(std::string_view text) {
  for (const Unit& unit : kUnits) {
    if (!text.ends_with(unit.suffix)) continue;
    const std::string_view number = text.substr(0, text.size() - unit.suffix.size());
    if (number.empty()) return std::nullopt;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc() || end != number.data() + number.size() || n <= 0) return std::nullopt;
    if (n > kMaxDurationMillis / unit.ms) return std::nullopt;  // and so no overflow
    return n * unit.ms;
  }
  return std::nullopt;
}

std::string FormatDurationMillis(int64_t ms) {
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    if (ms != 0 && ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";
}

}  // namespace mw
