#include "profile/detail/cells.h"

#include <charconv>
#include <cmath>

namespace mw::profile::detail {

bool IsMissingMarker(std::string_view field) {
  switch (field.size()) {
    case 0:
      return true;
    case 2:
      return field == "NA";
    case 3:
      return field == "NaN" || field == "nan";
    case 4:
      return field == "null";
    default:
      return false;
  }
}

bool ParseFiniteNumber(std::string_view text, double* out) {
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && std::isfinite(*out);
}

bool CellNumber(const Cell& cell, double* out) {
  switch (cell.kind) {
    case CellKind::kNumber:
      *out = cell.number;
      return true;
    case CellKind::kField:
      return ParseFiniteNumber(cell.text, out);
    default:
      return false;
  }
}

bool CellCategory(const Cell& cell, std::string_view* out) {
  switch (cell.kind) {
    case CellKind::kField:
    case CellKind::kNumber:
    case CellKind::kNonFinite:
    case CellKind::kString:
      *out = cell.text;
      return true;
    case CellKind::kBool:
      *out = cell.boolean ? "true" : "false";
      return true;
    case CellKind::kMissing:
    case CellKind::kNested:
      return false;
  }
  return false;
}

}  // namespace mw::profile::detail
