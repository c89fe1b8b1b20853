#include "proxy/cache/detail/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/json_limits.h"

namespace mw::proxy::detail {
namespace {

// 2^53: every integer up to it in magnitude is a double; beyond, doubles skip integers.
constexpr double kCacheExactIntegerLimit = 0x1p53;
constexpr std::string_view kCacheExactIntegerDigits = "9007199254740992";

// True when `token` is an integer token (optional '-', digits only) whose magnitude exceeds 2^53.
bool CacheIsWideIntegerToken(std::string_view token) {
  std::string_view digits = token;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  if (digits.empty()) return false;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  if (digits.size() != kCacheExactIntegerDigits.size()) {
    return digits.size() > kCacheExactIntegerDigits.size();
  }
  return digits > kCacheExactIntegerDigits;
}

void CacheAppendChars(std::string* out, double value, bool scientific) {
  char buffer[32];
  const auto result = scientific ? std::to_chars(buffer, buffer + sizeof buffer, value,
                                                 std::chars_format::scientific)
                                 : std::to_chars(buffer, buffer + sizeof buffer, value);
  out->append(buffer, result.ptr);
}

}  // namespace

void AppendCanonicalNumber(double value, std::string_view token, std::string* out) {
  if (CacheIsWideIntegerToken(token)) {
    out->append(token);
  } else if (std::fabs(value) > kCacheExactIntegerLimit) {
    CacheAppendChars(out, value, /*scientific=*/true);
  } else if (std::trunc(value) == value) {
    if (value == 0 && std::signbit(value)) {
      out->append("-0");
    } else {
      out->append(std::to_string(static_cast<int64_t>(value)));
    }
  } else {
    CacheAppendChars(out, value, /*scientific=*/false);
  }
}

CanonicalJsonDocument::Outcome CanonicalJsonDocument::Parse(std::string_view text) {
  return tree_.Parse(text);
}

void CanonicalJsonDocument::AppendCanonical(std::string* out) const {
  AppendNode(tree_.root(), out);
}

void CanonicalJsonDocument::AppendNode(uint32_t index, std::string* out) const {
  const JsonNode& node = tree_.node(index);
  switch (node.kind) {
    case JsonKind::kString:
      AppendJsonString(out, node.text);
      return;
    case JsonKind::kNumber:
      AppendCanonicalNumber(node.number, node.text, out);
      return;
    case JsonKind::kNonFinite:  // NaN, Infinity, 1e400: no finite number prints like these
      out->append(node.text);
      return;
    case JsonKind::kBool:
      out->append(node.boolean ? "true" : "false");
      return;
    case JsonKind::kNull:
      out->append("null");
      return;
    case JsonKind::kObject:
      AppendObject(index, out);
      return;
    case JsonKind::kArray:
      out->push_back('[');
      for (uint32_t child = tree_.first_child(index); child != 0; child = tree_.node(child).next) {
        if (child != index + 1) out->push_back(',');
        AppendNode(child, out);
      }
      out->push_back(']');
      return;
  }
}

// Members sorted by key, bytewise; a repeated key keeps every member, in document order (a
// stable sort), so bodies that differ only in which duplicate comes first get different keys.
void CanonicalJsonDocument::AppendObject(uint32_t index, std::string* out) const {
  std::vector<uint32_t> members;
  members.reserve(tree_.node(index).size);
  for (uint32_t child = tree_.first_child(index); child != 0; child = tree_.node(child).next) {
    members.push_back(child);
  }
  std::stable_sort(members.begin(), members.end(), [this](uint32_t a, uint32_t b) {
    return tree_.node(a).key < tree_.node(b).key;
  });
  out->push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, tree_.node(members[i]).key);
    out->push_back(':');
    AppendNode(members[i], out);
  }
  out->push_back('}');
}

CanonicalJsonDocument::Found CanonicalJsonDocument::AppendAtPointer(
    const std::vector<std::string>& tokens, std::string* out) const {
  uint32_t index = tree_.root();
  for (const std::string& token : tokens) {
    const JsonNode& parent = tree_.node(index);
    uint32_t found = 0;
    if (parent.kind == JsonKind::kObject) {
      for (uint32_t child = tree_.first_child(index); child != 0; child = tree_.node(child).next) {
        if (tree_.node(child).key != token) continue;
        if (found != 0) return Found::kAmbiguous;
        found = child;
      }
    } else if (parent.kind == JsonKind::kArray && !token.empty() &&
               (token.size() == 1 || token[0] != '0')) {
      uint32_t position = 0;
      const char* end = token.data() + token.size();
      const auto [ptr, ec] = std::from_chars(token.data(), end, position);
      if (ec == std::errc() && ptr == end && position < parent.size) {
        found = tree_.first_child(index);
        for (uint32_t i = 0; i < position; ++i) found = tree_.node(found).next;
      }
    }
    if (found == 0) return Found::kAbsent;
    index = found;
  }
  AppendNode(index, out);
  return Found::kValue;
}

}  // namespace mw::proxy::detail
