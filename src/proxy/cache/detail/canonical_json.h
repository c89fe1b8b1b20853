// The canonical JSON of a request body (or of the values at some of its pointers), for the
// response cache's keys (cache.h, MakeCacheKey, says what is canonical and why).
//
// The body is read once into a flat pre-order tree with simdjson On Demand and common/json.h's
// ReadJsonValue (which reads NaN/Infinity and the long-mantissa numbers simdjson 3.0.1 gets
// wrong), then written out from the tree: sorting members needs them all at hand, and several
// pointers into one body need not parse it again.
//
// Strings and keys are views into the document's own buffers: valid while it lives and is not
// parsed again. Not thread-safe; one document per call.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace mw::proxy::detail {

class CanonicalJsonDocument {
 public:
  enum class Outcome {
    kOk,
    kNotJson,  // empty, a syntax error, invalid UTF-8, trailing content
    kTooDeep,  // nested deeper than kMaxJsonDepth (common/json_limits.h)
  };
  enum class Found {
    kValue,      // the pointer's value was appended
    kAbsent,     // it resolves to nothing; nothing appended
    kAmbiguous,  // it passes through an object that repeats the member; nothing appended
  };

  CanonicalJsonDocument() = default;
  CanonicalJsonDocument(const CanonicalJsonDocument&) = delete;
  CanonicalJsonDocument& operator=(const CanonicalJsonDocument&) = delete;

  // Parses `text` (a leading UTF-8 byte order mark is skipped); any root value is accepted,
  // scalars too. On anything but kOk the document is empty.
  Outcome Parse(std::string_view text);

  // Appends the canonical JSON of the whole document. Precondition: Parse returned kOk.
  void AppendCanonical(std::string* out) const;

  // Follows the unescaped reference `tokens` (CacheParsePointer) from the root: a member of an
  // object by its name, an element of an array by its canonical decimal index ("0", "17"; not
  // "017" nor "-"). Appends the canonical JSON of the value found. Precondition: kOk.
  Found AppendAtPointer(const std::vector<std::string>& tokens, std::string* out) const;

 private:
  struct Node {
    JsonKind kind = JsonKind::kNull;
    double number = 0;      // kNumber (finite)
    bool boolean = false;   // kBool
    std::string_view text;  // kString: the unescaped bytes; kNumber, kNonFinite: the token
    std::string_view key;   // the member name, when the parent is an object
    uint32_t size = 0;      // kObject, kArray: the number of members/elements
    uint32_t next = 0;      // the next sibling's index; 0 = none
  };

  simdjson::error_code Build(simdjson::ondemand::value& value, std::string_view key, int depth);
  void AppendNode(uint32_t index, std::string* out) const;
  void AppendObject(uint32_t index, std::string* out) const;
  uint32_t FirstChild(uint32_t index) const { return nodes_[index].size > 0 ? index + 1 : 0; }

  simdjson::ondemand::parser parser_;
  simdjson::padded_string padded_;
  // Pre-order; index 0 is a one-element array wrapped around the document, so that On Demand
  // reads a root scalar like any value and 0 can mean "no sibling". The root is index 1.
  std::vector<Node> nodes_;
};

// The unescaped reference tokens of the RFC 6901 pointer `text` ("" = the whole document: no
// tokens). Errors (InvalidArgument):
//   "\"abc\": a JSON pointer must be empty or start with \"/\""
//   "\"/a~2\": \"~\" must be followed by 0 or 1 (RFC 6901)"
Result<std::vector<std::string>> CacheParsePointer(std::string_view text);

// Appends the canonical text of a finite JSON number: `value` is the double it denotes and `token`
// its text as sent. Integers within ±2^53 as decimal integers ("1" for 1.0 and 1e0; "-0" for
// -0.0); integer tokens beyond as their exact digits; other integral doubles (beyond 2^53) in
// shortest scientific form ("1e+20"); the rest in shortest form ("0.5", "1e-07"). Digits-only
// texts denote exact integers and the others contain '.' or 'e' and round-trip, so equal texts
// always denote equal numbers.
void AppendCanonicalNumber(double value, std::string_view token, std::string* out);

}  // namespace mw::proxy::detail
