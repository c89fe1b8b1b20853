// Names that clients give things: models, versions, segments, training-metric names and feature
// names. One rule set for every way in (HTTP path parameters, ingest events, registry documents,
// `registry import` directory names, reference-table columns), so no name that some output cannot
// carry (JSON needs UTF-8, Prometheus label values need UTF-8, log lines and alert texts should
// not hold control characters) ever gets stored:
//   - not empty;
//   - at most `max_bytes` bytes (the limits below);
//   - valid UTF-8 (RFC 3629: no overlong forms, no surrogates U+D800..U+DFFF, nothing above
//     U+10FFFF);
//   - no control characters: C0 (U+0000..U+001F, tab and newline included), DEL (U+007F) and C1
//     (U+0080..U+009F).
// Everything else is allowed (spaces, '/', '%', any printable Unicode).
//
// For data stored before these rules existed, ReplaceUnsafeText makes text safe to output.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mw {

inline constexpr size_t kMaxModelNameBytes = 128;
inline constexpr size_t kMaxVersionNameBytes = 128;
inline constexpr size_t kMaxSegmentNameBytes = 256;
// Training-metric names (keys of a version's "metrics") and feature names (keys of an event's
// "features", of a version's "feature_importance", columns of a reference table).
inline constexpr size_t kMaxFieldNameBytes = 256;

// Why `name` is not acceptable, as a phrase that completes "<field> ..." ("must not be empty",
// "must be at most 128 bytes", "must be valid UTF-8 (byte 0xff at offset 3 is not)", "must not
// contain control characters (U+0001 at offset 2)"), or nullopt when it is acceptable.
std::optional<std::string> NameProblem(std::string_view name, size_t max_bytes);

// True when `text` is valid UTF-8 and holds no control character other than those in `keep`
// (e.g. "\n"). An ASCII-only text is checked byte by byte without decoding.
bool IsSafeText(std::string_view text, std::string_view keep = {});

// `text` with each byte that does not start a valid UTF-8 sequence, and each control character
// not in `keep`, replaced by U+FFFD (the replacement character, as nlohmann's
// error_handler_t::replace writes it).
std::string ReplaceUnsafeText(std::string_view text, std::string_view keep = {});

}  // namespace mw
