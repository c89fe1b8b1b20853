// Shared helpers for the libFuzzer targets in this folder (tests/fuzz/*_fuzz.cc).
//
// A target checks a parser's documented contract as well as running it: FUZZ_CHECK aborts with
// the condition and its location when a promise is broken, and libFuzzer reports the abort as a
// crash with the input that caused it, like a sanitizer finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace mw::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mw::fuzz
