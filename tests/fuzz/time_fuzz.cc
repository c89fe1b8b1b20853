// Time and duration text from clients and operators: window parameters and CLI flags
// (common/duration.h, ParseDurationMillis), RFC 3339 timestamps in ingest bodies and queries
// (common/time_format.h, ParseRfc3339Millis) and the from/to query parameters
// (common/time_format.h, ParseTimeParameter: RFC 3339 or unix seconds). Every parser gets the whole
// input.
//
// Checked besides memory safety and UB (signed overflow included): a parsed duration is positive
// and its shortest form parses back to it; a parsed timestamp within years 0000-9999 formats and
// parses back to the same millisecond.
#include <cstdint>
#include <string>

#include "common/duration.h"
#include "common/time_format.h"
#include "fuzz/fuzz_check.h"

namespace {

constexpr int64_t kYear0Ms = -62'167'219'200'000;      // 0000-01-01T00:00:00Z
constexpr int64_t kYear10000Ms = 253'402'300'800'000;  // 10000-01-01T00:00:00Z

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(mw::fuzz::AsText(data, size));

  if (const auto ms = mw::ParseDurationMillis(text)) {
    FUZZ_CHECK(*ms > 0);
    FUZZ_CHECK(mw::ParseDurationMillis(mw::FormatDurationMillis(*ms)) == ms);
  }

  if (const auto ms = mw::ParseRfc3339Millis(text)) {
    if (*ms >= kYear0Ms && *ms < kYear10000Ms) {
      FUZZ_CHECK(mw::ParseRfc3339Millis(mw::FormatRfc3339Millis(*ms)) == ms);
    }
  }

  if (const auto ms = mw::ParseTimeParameter(text)) FUZZ_CHECK(mw::InTimeRange(*ms));
  return 0;
}
