#include "profile/detail/json_object_reader.h"

#include "common/json_limits.h"

namespace mw::profile::detail {
namespace {

using simdjson::error_code;
namespace ondemand = simdjson::ondemand;

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// raw_json_token() runs up to the next structural character, so it includes trailing whitespace.
std::string_view TrimToken(std::string_view token) {
  while (!token.empty() && IsJsonWhitespace(token.back())) token.remove_suffix(1);
  return token;
}

// RFC 8259 number syntax; tells a number too large for a double (which simdjson refuses with the
// same NUMBER_ERROR as bad syntax) from a malformed token.
bool IsJsonNumberSyntax(std::string_view t) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > start;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

error_code ReadNumber(ondemand::value& v, std::string_view token, Cell* cell) {
  // Not JSON, but what Python's json.dumps writes for float('nan') and the infinities.
  if (token == "NaN") {
    cell->kind = CellKind::kMissing;
    return simdjson::SUCCESS;
  }
  cell->text = token;
  if (token == "Infinity" || token == "-Infinity") {
    cell->kind = CellKind::kNonFinite;
    return simdjson::SUCCESS;
  }
  if (v.get_double().get(cell->number) == simdjson::SUCCESS) {
    cell->kind = CellKind::kNumber;
    return simdjson::SUCCESS;
  }
  if (!IsJsonNumberSyntax(token)) return simdjson::NUMBER_ERROR;
  cell->kind = CellKind::kNonFinite;
  return simdjson::SUCCESS;
}

error_code SkipContainer(ondemand::value& v, bool is_object) {
  // current_depth() is the value's level in its document (the root object is 1).
  if (v.current_depth() > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
  Cell ignored;
  if (is_object) {
    ondemand::object object;
    if (auto error = v.get_object().get(object)) return error;
    for (auto field_result : object) {
      ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return error;
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return error;
      if (auto error = ReadCell(field.value(), &ignored)) return error;
    }
  } else {
    ondemand::array array;
    if (auto error = v.get_array().get(array)) return error;
    for (auto element_result : array) {
      ondemand::value element;
      if (auto error = std::move(element_result).get(element)) return error;
      if (auto error = ReadCell(element, &ignored)) return error;
    }
  }
  return simdjson::SUCCESS;
}

}  // namespace

error_code ReadCell(ondemand::value& v, Cell* cell) {
  const std::string_view token = TrimToken(v.raw_json_token());
  if (token.empty()) return simdjson::TAPE_ERROR;
  switch (token[0]) {
    case '{':
    case '[':
      cell->kind = CellKind::kNested;
      return SkipContainer(v, token[0] == '{');
    case '"':
      cell->kind = CellKind::kString;
      return v.get_string().get(cell->text);
    case 't':
    case 'f':
      cell->kind = CellKind::kBool;
      if (v.get_bool().get(cell->boolean) != simdjson::SUCCESS) {
        return token[0] == 't' ? simdjson::T_ATOM_ERROR : simdjson::F_ATOM_ERROR;
      }
      return simdjson::SUCCESS;
    case 'n': {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return simdjson::N_ATOM_ERROR;
      cell->kind = CellKind::kMissing;
      return simdjson::SUCCESS;
    }
    case 'N':
    case 'I':
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return ReadNumber(v, token, cell);
    default:
      return simdjson::TAPE_ERROR;
  }
}

bool StartsWithBrace(std::string_view text) {
  for (const char c : text) {
    if (!IsJsonWhitespace(c)) return c == '{';
  }
  return false;
}

JsonObjectResult Malformed(error_code error) {
  if (error == simdjson::DEPTH_ERROR) return {JsonObjectOutcome::kMalformed, JsonTooDeepMessage()};
  return {JsonObjectOutcome::kMalformed,
          std::string("invalid JSON: ") + simdjson::error_message(error)};
}

}  // namespace mw::profile::detail
