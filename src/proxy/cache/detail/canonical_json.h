// The canonical JSON of a request body (or of the values at some of its pointers), for the
// response cache's keys (cache.h, MakeCacheKey, says what is canonical and why).
//
// The body is read once into a JsonTree (common/json_tree.h: NaN/Infinity and the long-mantissa
// numbers simdjson 3.0.1 gets wrong are read right), then written out from the tree: sorting
// members needs them all at hand, and several pointers into one body need not parse it again.
// Not thread-safe; one document per call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_tree.h"
#include "common/status.h"

namespace mw::proxy::detail {

class CanonicalJsonDocument {
 public:
  using Outcome = JsonTree::Outcome;  // kOk, kNotJson, kTooDeep
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

  // Follows the unescaped reference `tokens` (ParseJsonPointerTokens, common/json_pointer.h) from
  // the root: a member of an object by its name, an element of an array by its canonical decimal
  // index ("0", "17"; not "017" nor "-"). Appends the canonical JSON of the value found.
  // Precondition: kOk.
  Found AppendAtPointer(const std::vector<std::string>& tokens, std::string* out) const;

 private:
  void AppendNode(uint32_t index, std::string* out) const;
  void AppendObject(uint32_t index, std::string* out) const;

  JsonTree tree_;  // the root is tree_.root()
};

// Appends the canonical text of a finite JSON number: `value` is the double it denotes and `token`
// its text as sent. Integers within ±2^53 as decimal integers ("1" for 1.0 and 1e0; "-0" for
// -0.0); integer tokens beyond as their exact digits; other integral doubles (beyond 2^53) in
// shortest scientific form ("1e+20"); the rest in shortest form ("0.5", "1e-07"). Digits-only
// texts denote exact integers and the others contain '.' or 'e' and round-trip, so equal texts
// always denote equal numbers.
void AppendCanonicalNumber(double value, std::string_view token, std::string* out);

}  // namespace mw::proxy::detail
