// Bounding client input that is echoed back (problem+json pointers and details, error lines).
// Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mw {

// How much of one piece of client input an error message quotes (a key, an id, a header value,
// a JSON pointer built from keys).
inline constexpr size_t kMaxEchoBytes = 256;

// `text` when it is at most `max_bytes` long; else its first at most `max_bytes` bytes, cut
// before any UTF-8 sequence that would be split, followed by the marker
// "...[truncated, N bytes]" (N = the length of `text`). Invalid UTF-8 is cut at the byte limit
// (never more than 3 bytes are given back looking for a sequence start).
std::string TruncateForEcho(std::string_view text, size_t max_bytes = kMaxEchoBytes);

}  // namespace mw
