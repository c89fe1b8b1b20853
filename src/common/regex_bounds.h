// The bounds a regular expression from configuration or rules must keep before std::regex sees it.
//
// std::regex (libstdc++) compiles and matches recursively, reads a repetition count into an int
// without an overflow check (signed overflow on `a{99999999999}`), and expands every counted
// repetition into copies of its operand, so `((a{1000}){1000}){1000}` builds 10^9 states. No
// library in Debian offers a safe regex with std::regex's ECMAScript syntax, so the bounds are
// checked here, on the pattern text, and only then is the pattern compiled:
//   - at most kMaxRegexBytes bytes;
//   - groups nested at most kMaxRegexGroupDepth deep;
//   - every repetition count at most kMaxRegexRepeat (RE2's limit, which Prometheus applies, so a
//     pattern Prometheus accepts is not refused for its counts), and every back-reference number
//     too (libstdc++ reads those the same unchecked way);
//   - the expanded size (each atom 1, a counted repetition multiplies its operand) at most
//     kMaxRegexExpandedSize.
// The scan follows ECMAScript's syntax for escapes and character classes; it does not validate the
// syntax (std::regex does that after).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mw {

inline constexpr size_t kMaxRegexBytes = 4096;
inline constexpr int kMaxRegexGroupDepth = 32;
inline constexpr int64_t kMaxRegexRepeat = 1000;
inline constexpr int64_t kMaxRegexExpandedSize = 100'000;

// Why `pattern` may not be compiled (e.g. "regular expression longer than 4096 bytes"), or an
// empty string when it keeps every bound.
std::string RegexBoundsProblem(std::string_view pattern);

}  // namespace mw
