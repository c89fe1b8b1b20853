// ULIDs: time-ordered unique ids (events that came without an id, request ids of the proxy).
#pragma once

#include <cstdint>
#include <string>

namespace mw {

// 26 characters, Crockford base32 of a 48-bit millisecond timestamp and 80 bits of
// randomness/sequence (ULID layout), monotonic within a process. Thread-safe.
std::string GenerateUlid(int64_t now_ms);

}  // namespace mw
