// Limits shared by every reader of outside JSON: the ingest decoders, the registry documents, the
// reference NDJSON reader, the other admin request bodies and `registry import` metadata files.
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace mw {

// The deepest nesting of arrays and objects accepted in one JSON document (an NDJSON line is a
// document of its own): {"a":[1]} nests 2 deep, a scalar 0. The recursive code that reads, copies
// or serialises a document (simdjson walks, nlohmann's dump() and copies) then stays far from the
// end of the stack. No document modelwatch reads legitimately nests deeper than a handful.
inline constexpr int kMaxJsonDepth = 64;

// The reason given for a document deeper than `max_depth` (names the limit), e.g. for a 400:
// "JSON nested deeper than 64 levels of arrays/objects (the limit)".
std::string JsonTooDeepMessage(int max_depth = kMaxJsonDepth);

// Checks the nesting of `text` without building anything: one linear pass counting '[' and '{'
// outside string literals (escapes respected). Says nothing about syntax (the parser that runs
// next does); stray closing brackets are ignored. Ok, or
// InvalidArgument(JsonTooDeepMessage(max_depth)
// + " at byte N") where N is the zero-based offset of the bracket that went past `max_depth`.
// For NDJSON pass one line at a time or the whole text (newlines do not reset the count, but a
// valid line always closes what it opened).
Status CheckJsonDepth(std::string_view text, int max_depth = kMaxJsonDepth);

// `text` without its leading UTF-8 byte order mark (EF BB BF), when it has one; else `text`.
// Every JSON and NDJSON body accepts one, as the CSV reader does.
std::string_view StripUtf8Bom(std::string_view text);

}  // namespace mw
