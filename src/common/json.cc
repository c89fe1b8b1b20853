#include "common/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/json_limits.h"

namespace mw {
namespace {

using simdjson::error_code;
namespace ondemand = simdjson::ondemand;

// raw_json_token() runs up to the next structural character, so it includes trailing whitespace.
std::string_view TrimToken(std::string_view token) {
  while (!token.empty() && IsJsonWhitespace(token.back())) token.remove_suffix(1);
  return token;
}

// The spellings of non-finite numbers that Python's json.dumps (allow_nan=True, its default) and
// JavaScript-ish senders produce. They are not JSON, but they mean "a number that is not finite".
bool IsNonFiniteToken(std::string_view token) {
  return token == "NaN" || token == "Infinity" || token == "-Infinity";
}

// The number of digits of a number token's mantissa (before any exponent).
size_t MantissaDigits(std::string_view token) {
  size_t digits = 0;
  for (const char c : token) {
    if (c == 'e' || c == 'E') break;
    if (c >= '0' && c <= '9') ++digits;
  }
  return digits;
}

// simdjson 3.0.1 (Debian 12) parses some numbers of more than 19 mantissa digits wrongly:
// 0.7599999999999999999999999999999999999999999991e309 gives 6.09809e+281 where the value
// overflows a double (found by fuzzing ingest). Such tokens are parsed again here: std::from_chars
// rounds exactly; when it reports the value out of range, strtod (C locale: modelwatch never sets
// another) tells overflow (infinite, refused like 1e400) from underflow (0 or a subnormal).
bool ReparseLongNumber(std::string_view token, double* value) {
  double exact = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), exact);
  if (ec == std::errc::result_out_of_range) {
    exact = std::strtod(std::string(token).c_str(), nullptr);
  } else if (ec != std::errc() || end != token.data() + token.size()) {
    return true;  // not a number from_chars reads: keep simdjson's value
  }
  if (!std::isfinite(exact)) return false;
  *value = exact;
  return true;
}

error_code ReadNumber(ondemand::value& v, std::string_view token, JsonScalar* out) {
  out->text = token;
  if (IsNonFiniteToken(token)) {
    out->kind = JsonKind::kNonFinite;
    return simdjson::SUCCESS;
  }
  double d = 0;
  if (v.get_double().get(d) == simdjson::SUCCESS) {
    if (MantissaDigits(token) > 19 && !ReparseLongNumber(token, &d)) {
      out->kind = JsonKind::kNonFinite;
      return simdjson::SUCCESS;
    }
    out->kind = JsonKind::kNumber;
    out->number = d;
    return simdjson::SUCCESS;
  }
  // simdjson refuses numbers that overflow a double (1e400) with the same NUMBER_ERROR as a
  // syntax error; a well-formed token that failed can only have been out of range.
  if (IsJsonNumberSyntax(token)) {
    out->kind = JsonKind::kNonFinite;
    return simdjson::SUCCESS;
  }
  return simdjson::NUMBER_ERROR;
}

}  // namespace

error_code ReadJsonValue(ondemand::value& v, JsonScalar* out) {
  const std::string_view token = TrimToken(v.raw_json_token());
  if (token.empty()) return simdjson::TAPE_ERROR;
  switch (token[0]) {
    case '{':
      out->kind = JsonKind::kObject;
      return simdjson::SUCCESS;
    case '[':
      out->kind = JsonKind::kArray;
      return simdjson::SUCCESS;
    case '"':
      out->kind = JsonKind::kString;
      return v.get_string().get(out->text);
    case 't':
    case 'f':
      out->kind = JsonKind::kBool;
      // Having dispatched on the first character, "not a boolean" means a broken atom (tru).
      if (v.get_bool().get(out->boolean) != simdjson::SUCCESS) {
        return token[0] == 't' ? simdjson::T_ATOM_ERROR : simdjson::F_ATOM_ERROR;
      }
      return simdjson::SUCCESS;
    case 'n': {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return simdjson::N_ATOM_ERROR;
      out->kind = JsonKind::kNull;
      return simdjson::SUCCESS;
    }
    case 'N':
    case 'I':
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':  // NOLINT
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':  // NOLINT
      return ReadNumber(v, token, out);
    default:
      return simdjson::TAPE_ERROR;
  }
}

error_code SkipJsonValue(ondemand::value& v) {
  JsonScalar scalar;
  if (auto error = ReadJsonValue(v, &scalar)) return error;
  const bool container = scalar.kind == JsonKind::kObject || scalar.kind == JsonKind::kArray;
  // current_depth() is the value's level in its document (the root is 1), i.e. the nesting the
  // container would open.
  if (container && v.current_depth() > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
  if (scalar.kind == JsonKind::kObject) {
    ondemand::object object;
    if (auto error = v.get_object().get(object)) return error;
    for (auto field_result : object) {
      ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return error;
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return error;  // checks the escapes
      if (auto error = SkipJsonValue(field.value())) return error;
    }
  } else if (scalar.kind == JsonKind::kArray) {
    ondemand::array array;
    if (auto error = v.get_array().get(array)) return error;
    for (auto element_result : array) {
      ondemand::value element;
      if (auto error = std::move(element_result).get(element)) return error;
      if (auto error = SkipJsonValue(element)) return error;
    }
  }
  return simdjson::SUCCESS;
}

std::string JsonErrorMessage(error_code error) {
  if (error == simdjson::DEPTH_ERROR) return JsonTooDeepMessage();
  return std::string("invalid JSON: ") + simdjson::error_message(error);
}

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
  } else if (i >= t.size() || t[i] < '1' || t[i] > '9' || !digits()) {
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

void AppendJsonPointerToken(std::string* pointer, std::string_view key) {
  pointer->push_back('/');
  for (const char c : key) {
    if (c == '~') {
      pointer->append("~0");
    } else if (c == '/') {
      pointer->append("~1");
    } else {
      pointer->push_back(c);
    }
  }
}

void AppendJsonPointerIndex(std::string* pointer, size_t index) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, index);
  (void)ec;  // 24 bytes always hold a size_t
  pointer->push_back('/');
  pointer->append(buf, end);
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace mw
