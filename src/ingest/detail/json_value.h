// Helpers over simdjson's On Demand API for the ingest decoders (internal to src/ingest).
//
// On Demand skips values that the caller does not read without checking their syntax, and it
// has no notion of the NaN/Infinity tokens that Python's json.dumps writes. These helpers read
// every value the decoders touch, so that (a) any syntax error anywhere in the body is seen and
// reported as malformed, and (b) NaN, Infinity and -Infinity come out as a distinct kind that the
// decoders turn into "must be a finite number" (HTTP 422) instead of a syntax error (HTTP 400).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_limits.h"
#include "ingest/decode.h"

namespace mw::ingest_detail {

namespace ondemand = simdjson::ondemand;

enum class ValueKind { kString, kNumber, kBool, kNull, kObject, kArray, kNonFinite };

struct ScalarValue {
  ValueKind kind = ValueKind::kNull;
  double number = 0;     // kNumber: the value (always finite)
  bool boolean = false;  // kBool
  // kString: the unescaped bytes (valid until the parser parses another document);
  // kNumber: the number token exactly as sent (e.g. "17", "1.50e3").
  std::string_view text;
};

// Reads the value `v` points at. Scalars are consumed. For kObject and kArray nothing is
// consumed: the caller either iterates the container or calls SkipValue. Numbers too large for a
// double (1e400) and the tokens NaN, Infinity, -Infinity yield kNonFinite.
// Returns SUCCESS, or the simdjson error when the JSON is malformed at this value.
simdjson::error_code ReadValue(ondemand::value& v, ScalarValue* out);

// Consumes `v` whatever it is, checking the syntax of everything inside it. A container that
// would nest deeper than kMaxJsonDepth (common/json_limits.h) in its document yields DEPTH_ERROR:
// the walk is recursive, and no ingest field legitimately nests deeper, so a hostile body cannot
// exhaust the stack. The decoders descend on their own only into the fixed shapes (root, list,
// event, features), so this is the one depth check ingest needs.
simdjson::error_code SkipValue(ondemand::value& v);

// The message for a simdjson error: "invalid JSON: <simdjson's text>", or for DEPTH_ERROR the
// message naming the depth limit.
std::string JsonErrorMessage(simdjson::error_code error);

// True when `token` is a JSON number per RFC 8259 (used to tell an out-of-range number from a
// syntax error, since simdjson reports both as NUMBER_ERROR).
bool IsJsonNumberSyntax(std::string_view token);

// Appends "/" + `key` escaped as an RFC 6901 reference token ("~" -> "~0", "/" -> "~1").
void AppendPointerToken(std::string* pointer, std::string_view key);
void AppendPointerIndex(std::string* pointer, size_t index);

// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped,
// everything else (including UTF-8) copied as is. Hand-written because it is the hot path of
// re-serialising feature objects and the libraries here only escape via their own DOM types.
void AppendJsonString(std::string* out, std::string_view s);

// The errors of one body: at most kMaxReportedErrors are kept (later ones are counted only).
class ErrorSink {
 public:
  static constexpr size_t kMaxReportedErrors = kMaxReportedFieldErrors;

  void Add(std::string pointer, std::string_view detail) {
    ++count_;
    if (errors_.size() < kMaxReportedErrors)
      errors_.push_back({std::move(pointer), std::string(detail)});
  }
  // Adds an error at `base` + "/" + escaped `key`.
  void AddAt(std::string_view base, std::string_view key, std::string_view detail) {
    std::string pointer(base);
    AppendPointerToken(&pointer, key);
    Add(std::move(pointer), detail);
  }
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  std::vector<FieldError> Take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
  size_t count_ = 0;
};

}  // namespace mw::ingest_detail
