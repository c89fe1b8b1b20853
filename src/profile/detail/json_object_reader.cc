#include "profile/detail/json_object_reader.h"

#include "common/json.h"

namespace mw::profile::detail {

simdjson::error_code ReadCell(simdjson::ondemand::value& v, Cell* cell) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  switch (read.kind) {
    case JsonKind::kObject:
    case JsonKind::kArray:
      cell->kind = CellKind::kNested;
      return SkipJsonValue(v);
    case JsonKind::kString:
      cell->kind = CellKind::kString;
      cell->text = read.text;
      break;
    case JsonKind::kBool:
      cell->kind = CellKind::kBool;
      cell->boolean = read.boolean;
      break;
    case JsonKind::kNull:
      cell->kind = CellKind::kMissing;
      break;
    case JsonKind::kNumber:
      cell->kind = CellKind::kNumber;
      cell->number = read.number;
      cell->text = read.text;
      break;
    case JsonKind::kNonFinite:
      // Not JSON, but what Python's json.dumps writes for float('nan'): a missing value, while
      // the infinities and numbers too large for a double are values that are not finite.
      if (read.text == "NaN") {
        cell->kind = CellKind::kMissing;
      } else {
        cell->kind = CellKind::kNonFinite;
        cell->text = read.text;
      }
      break;
  }
  return simdjson::SUCCESS;
}

bool StartsWithBrace(std::string_view text) {
  for (const char c : text) {
    if (!IsJsonWhitespace(c)) return c == '{';
  }
  return false;
}

JsonObjectResult Malformed(simdjson::error_code error) {
  return {JsonObjectOutcome::kMalformed, JsonErrorMessage(error)};
}

}  // namespace mw::profile::detail
