// Reads one JSON object of feature values with simdjson's On Demand API (internal to
// src/profile). Every member is read in full, so a syntax error anywhere in the object is seen;
// nested objects and arrays are checked and handed over as kNested.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "profile/detail/cells.h"

namespace mw::profile::detail {

enum class JsonObjectOutcome {
  kOk,
  kNotObject,  // well-formed or not, the text does not start with '{'
  kMalformed,  // not valid JSON (message says why)
  kStopped,    // the visitor returned false
};

struct JsonObjectResult {
  JsonObjectOutcome outcome = JsonObjectOutcome::kOk;
  // kMalformed: "invalid JSON: ...", or for a document nested deeper than kMaxJsonDepth
  // (common/json_limits.h; the walk over nested values is recursive) the message naming it.
  std::string message;
};

class JsonObjectReader {
 public:
  // Calls visit(key, cell) for each member of the object in `json`, in order; key and cell text
  // stay valid until the next Read. `json` must have simdjson::SIMDJSON_PADDING readable bytes
  // after its end (padded_string_view's capacity says how many). JSON null and the NaN token are
  // kMissing; Infinity, -Infinity and numbers too large for a double are kNonFinite.
  template <typename Visit>
  JsonObjectResult Read(simdjson::padded_string_view json, Visit&& visit);

 private:
  simdjson::ondemand::parser parser_;
};

// Reads the value `v` points at into `cell`; containers are consumed and checked (kNested).
// A container that would nest deeper than kMaxJsonDepth in its document yields DEPTH_ERROR.
simdjson::error_code ReadCell(simdjson::ondemand::value& v, Cell* cell);

// Whether `text` (leading blanks skipped) begins with '{'.
bool StartsWithBrace(std::string_view text);

JsonObjectResult Malformed(simdjson::error_code error);

template <typename Visit>
JsonObjectResult JsonObjectReader::Read(simdjson::padded_string_view json, Visit&& visit) {
  if (!StartsWithBrace(json)) return {JsonObjectOutcome::kNotObject, {}};
  simdjson::ondemand::document doc;
  if (auto error = parser_.iterate(json).get(doc)) return Malformed(error);
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object)) return Malformed(error);
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return Malformed(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return Malformed(error);
    Cell cell;
    if (auto error = ReadCell(field.value(), &cell)) return Malformed(error);
    if (!visit(key, cell)) return {JsonObjectOutcome::kStopped, {}};
  }
  // Anything after the closing brace (a second value, a stray bracket) makes the text invalid.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return Malformed(simdjson::TRAILING_CONTENT);
  }
  return {};
}

}  // namespace mw::profile::detail
