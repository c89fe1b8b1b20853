// Reads one JSON object of feature values with simdjson's On Demand API (internal to
// src/profile). Every member is read in full, so a syntax error anywhere in the object is seen;
// nested objects and arrays are checked and handed over as kNested, except the one member whose
// object ReadWithInner is asked to open (the event shape's "features").
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
  // ReadWithInner: how many members named `inner_key` held an object (whose members were
  // visited), counted up to where the read ended.
  int inner_objects = 0;
};

class JsonObjectReader {
 public:
  // Calls visit(key, cell) for each member of the object in `json`, in order; key and cell text
  // stay valid until the next Read. `json` must have simdjson::SIMDJSON_PADDING readable bytes
  // after its end (padded_string_view's capacity says how many). JSON null and the NaN token are
  // kMissing; Infinity, -Infinity and numbers too large for a double are kNonFinite.
  template <typename Visit>
  JsonObjectResult Read(simdjson::padded_string_view json, Visit&& visit) {
    return ReadObject(json, nullptr, [&](std::string_view key, const Cell& cell, bool /*inner*/) {
      return visit(key, cell);
    });
  }

  // As Read, but a member named `inner_key` whose value is an object is not visited itself:
  // the members of that object are, with inner = true (the event shape's "features"). Every
  // other member, and an `inner_key` member holding anything but an object, is visited with
  // inner = false. visit(key, cell, inner) -> bool.
  template <typename Visit>
  JsonObjectResult ReadWithInner(simdjson::padded_string_view json, std::string_view inner_key,
                                 Visit&& visit) {
    return ReadObject(json, &inner_key, visit);
  }

 private:
  template <typename Visit>
  JsonObjectResult ReadObject(simdjson::padded_string_view json, const std::string_view* inner_key,
                              Visit&& visit);

  simdjson::ondemand::parser parser_;
};

// Reads the value `v` points at into `cell`; containers are consumed and checked (kNested).
// A container that would nest deeper than kMaxJsonDepth in its document yields DEPTH_ERROR.
simdjson::error_code ReadCell(simdjson::ondemand::value& v, Cell* cell);

// Whether `text` (leading blanks skipped) begins with '{'.
bool StartsWithBrace(std::string_view text);

JsonObjectResult Malformed(simdjson::error_code error);

template <typename Visit>
JsonObjectResult JsonObjectReader::ReadObject(simdjson::padded_string_view json,
                                              const std::string_view* inner_key, Visit&& visit) {
  if (!StartsWithBrace(json)) return {JsonObjectOutcome::kNotObject, {}};
  simdjson::ondemand::document doc;
  if (auto error = parser_.iterate(json).get(doc)) return Malformed(error);
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object)) return Malformed(error);
  int inner_objects = 0;
  const auto stopped = [&inner_objects] {
    JsonObjectResult r{JsonObjectOutcome::kStopped, {}};
    r.inner_objects = inner_objects;
    return r;
  };
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return Malformed(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return Malformed(error);
    if (inner_key != nullptr && key == *inner_key) {
      simdjson::ondemand::json_type type;
      if (auto error = field.value().type().get(type)) return Malformed(error);
      if (type == simdjson::ondemand::json_type::object) {
        ++inner_objects;
        simdjson::ondemand::object inner;
        if (auto error = field.value().get_object().get(inner)) return Malformed(error);
        for (auto inner_result : inner) {
          simdjson::ondemand::field inner_field;
          if (auto error = std::move(inner_result).get(inner_field)) return Malformed(error);
          std::string_view inner_name;
          if (auto error = inner_field.unescaped_key().get(inner_name)) return Malformed(error);
          Cell cell;
          if (auto error = ReadCell(inner_field.value(), &cell)) return Malformed(error);
          if (!visit(inner_name, cell, true)) return stopped();
        }
        continue;
      }
    }
    Cell cell;
    if (auto error = ReadCell(field.value(), &cell)) return Malformed(error);
    if (!visit(key, cell, false)) return stopped();
  }
  // Anything after the closing brace (a second value, a stray bracket) makes the text invalid.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return Malformed(simdjson::TRAILING_CONTENT);
  }
  JsonObjectResult ok;
  ok.inner_objects = inner_objects;
  return ok;
}

}  // namespace mw::profile::detail
