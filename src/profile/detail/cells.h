// One value of one row as the tabular readers hand it to the column accumulator (internal to
// src/profile). CSV fields stay text until a numeric column asks for a number, so categorical
// columns never pay for number parsing and numeric ones never copy text.
#pragma once

#include <cstdint>
#include <string_view>

namespace mw::profile::detail {

enum class CellKind : uint8_t {
  kMissing,    // absent, JSON null or NaN, or a CSV missing marker
  kField,      // a CSV field: a number when the whole text parses as a finite double
  kNumber,     // a finite JSON number
  kNonFinite,  // a JSON number that is not finite (Infinity, 1e400): never numeric
  kString,     // a JSON string: never numeric, even when it looks like one
  kBool,       // a JSON boolean
  kNested,     // a JSON object or array
};

struct Cell {
  CellKind kind = CellKind::kMissing;
  double number = 0;      // kNumber
  bool boolean = false;   // kBool
  std::string_view text;  // kField, kString: the value; kNumber, kNonFinite: the token as written
};

// True for the CSV spellings of "no value": the empty field, NA, NaN, nan and null.
bool IsMissingMarker(std::string_view field);

// Parses all of `text` as a finite double with std::from_chars (so no leading blanks or '+',
// and no inf/nan). False when any of it is left over or the value is not finite.
bool ParseFiniteNumber(std::string_view text, double* out);

// The number a cell holds for a numeric column, or false when it holds something else.
bool CellNumber(const Cell& cell, double* out);

// The category a cell names for a categorical column: strings and CSV fields as they are, numbers
// as their text, booleans as "true"/"false". False for missing and nested values.
bool CellCategory(const Cell& cell, std::string_view* out);

}  // namespace mw::profile::detail
