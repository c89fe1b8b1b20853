// JSON token helpers shared by every hand-written JSON reader and writer: the ingest decoders,
// the reference-profile readers, the simulator's payload writer and the ingest routes' answers.
// Pure: no I/O, no shared state; every function is reentrant.
//
// Reading (over simdjson's On Demand API). On Demand skips values the caller does not read
// without checking their syntax, and it has no notion of the NaN/Infinity tokens that Python's
// json.dumps writes. ReadJsonValue and SkipJsonValue read every value they touch, so that (a) a
// syntax error anywhere in a document is seen, and (b) NaN, Infinity and -Infinity come out as a
// distinct kind (JsonKind::kNonFinite) that a caller can turn into a field error ("must be a
// finite number", HTTP 422) or a missing value instead of a syntax error (HTTP 400).
//
// Writing. AppendJsonString and the pointer appenders build JSON text without a DOM: they are
// the hot path of re-serialising feature objects and of the simulator's bulk payloads.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace mw {

enum class JsonKind { kString, kNumber, kBool, kNull, kObject, kArray, kNonFinite };

struct JsonScalar {
  JsonKind kind = JsonKind::kNull;
  double number = 0;     // kNumber: the value (always finite)
  bool boolean = false;  // kBool
  // kString: the unescaped bytes (valid until the parser parses another document);
  // kNumber and kNonFinite: the token exactly as sent (e.g. "17", "1.50e3", "NaN", "1e400").
  std::string_view text;
};

// Reads the value `v` points at. Scalars are consumed. For kObject and kArray nothing is
// consumed: the caller either iterates the container or calls SkipJsonValue. Numbers too large
// for a double (1e400) and the tokens NaN, Infinity, -Infinity yield kNonFinite.
// Returns SUCCESS, or the simdjson error when the JSON is malformed at this value.
simdjson::error_code ReadJsonValue(simdjson::ondemand::value& v, JsonScalar* out);

// Consumes `v` whatever it is, checking the syntax of everything inside it (object keys'
// escapes included). A container that would nest deeper than kMaxJsonDepth
// (common/json_limits.h) in its document yields DEPTH_ERROR: the walk is recursive, so a hostile
// body cannot exhaust the stack.
simdjson::error_code SkipJsonValue(simdjson::ondemand::value& v);

// The message for a simdjson error: "invalid JSON: <simdjson's text>", or for DEPTH_ERROR the
// message naming the depth limit (JsonTooDeepMessage).
std::string JsonErrorMessage(simdjson::error_code error);

// True when `token` is a JSON number per RFC 8259 (used to tell an out-of-range number from a
// syntax error, since simdjson reports both as NUMBER_ERROR).
bool IsJsonNumberSyntax(std::string_view token);

// JSON's insignificant whitespace: space, tab, line feed, carriage return.
inline bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends "/" + `key` escaped as an RFC 6901 reference token ("~" -> "~0", "/" -> "~1").
void AppendJsonPointerToken(std::string* pointer, std::string_view key);
// Appends "/" + the decimal `index`.
void AppendJsonPointerIndex(std::string* pointer, size_t index);

// Appends `s` as a JSON string literal: quotes and backslashes escaped, \n \r \t \b \f as such,
// other control characters as \u00XX; everything else (including UTF-8, valid or not) is copied
// as is.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace mw
