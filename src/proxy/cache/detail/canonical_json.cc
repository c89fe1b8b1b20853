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
  nodes_.clear();
  text = StripUtf8Bom(text);
  padded_ = simdjson::padded_string(text.size() + 2);
  char* data = padded_.data();
  data[0] = '[';
  std::memcpy(data + 1, text.data(), text.size());
  data[text.size() + 1] = ']';
  simdjson::ondemand::document doc;
  simdjson::ondemand::value wrapper;
  simdjson::error_code error = parser_.iterate(padded_).get(doc);
  if (!error) error = doc.get_value().get(wrapper);
  if (!error) error = Build(wrapper, {}, 0);
  // Exactly one value inside the wrapper, and nothing after it ("1,2" and "1][" are not JSON).
  if (!error && (nodes_.empty() || nodes_[0].kind != JsonKind::kArray || nodes_[0].size != 1 ||
                 doc.current_location().error() != simdjson::OUT_OF_BOUNDS)) {
    error = simdjson::TAPE_ERROR;
  }
  if (error) {
    nodes_.clear();
    return error == simdjson::DEPTH_ERROR ? Outcome::kTooDeep : Outcome::kNotJson;
  }
  return Outcome::kOk;
}

// `depth` is the nesting a container at this value opens within the body (the wrapper is 0), so
// a body of kMaxJsonDepth levels is accepted and one more is not; the recursion of the writer,
// which follows the tree, stays bounded too.
simdjson::error_code CanonicalJsonDocument::Build(simdjson::ondemand::value& value,
                                                  std::string_view key, int depth) {
  JsonScalar scalar;
  if (auto error = ReadJsonValue(value, &scalar)) return error;
  const auto index = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(Node{scalar.kind, scalar.number, scalar.boolean, scalar.text, key, 0, 0});
  if (scalar.kind != JsonKind::kObject && scalar.kind != JsonKind::kArray) {
    return simdjson::SUCCESS;
  }
  if (depth > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
  uint32_t previous = 0;
  uint32_t count = 0;
  const auto add = [&](simdjson::ondemand::value& child, std::string_view child_key) {
    const auto child_index = static_cast<uint32_t>(nodes_.size());
    if (auto error = Build(child, child_key, depth + 1)) return error;
    if (previous != 0) nodes_[previous].next = child_index;
    previous = child_index;
    ++count;
    return simdjson::SUCCESS;
  };
  if (scalar.kind == JsonKind::kObject) {
    simdjson::ondemand::object object;
    if (auto error = value.get_object().get(object)) return error;
    for (auto field_result : object) {
      simdjson::ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return error;
      std::string_view field_key;
      if (auto error = field.unescaped_key().get(field_key)) return error;
      if (auto error = add(field.value(), field_key)) return error;
    }
  } else {
    simdjson::ondemand::array array;
    if (auto error = value.get_array().get(array)) return error;
    for (auto element_result : array) {
      simdjson::ondemand::value element;
      if (auto error = std::move(element_result).get(element)) return error;
      if (auto error = add(element, {})) return error;
    }
  }
  nodes_[index].size = count;
  return simdjson::SUCCESS;
}

void CanonicalJsonDocument::AppendCanonical(std::string* out) const { AppendNode(1, out); }

void CanonicalJsonDocument::AppendNode(uint32_t index, std::string* out) const {
  const Node& node = nodes_[index];
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
      for (uint32_t child = FirstChild(index); child != 0; child = nodes_[child].next) {
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
  members.reserve(nodes_[index].size);
  for (uint32_t child = FirstChild(index); child != 0; child = nodes_[child].next) {
    members.push_back(child);
  }
  std::stable_sort(members.begin(), members.end(),
                   [this](uint32_t a, uint32_t b) { return nodes_[a].key < nodes_[b].key; });
  out->push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, nodes_[members[i]].key);
    out->push_back(':');
    AppendNode(members[i], out);
  }
  out->push_back('}');
}

CanonicalJsonDocument::Found CanonicalJsonDocument::AppendAtPointer(
    const std::vector<std::string>& tokens, std::string* out) const {
  uint32_t index = 1;
  for (const std::string& token : tokens) {
    const Node& parent = nodes_[index];
    uint32_t found = 0;
    if (parent.kind == JsonKind::kObject) {
      for (uint32_t child = FirstChild(index); child != 0; child = nodes_[child].next) {
        if (nodes_[child].key != token) continue;
        if (found != 0) return Found::kAmbiguous;
        found = child;
      }
    } else if (parent.kind == JsonKind::kArray && !token.empty() &&
               (token.size() == 1 || token[0] != '0')) {
      uint32_t position = 0;
      const char* end = token.data() + token.size();
      const auto [ptr, ec] = std::from_chars(token.data(), end, position);
      if (ec == std::errc() && ptr == end && position < parent.size) {
        found = FirstChild(index);
        for (uint32_t i = 0; i < position; ++i) found = nodes_[found].next;
      }
    }
    if (found == 0) return Found::kAbsent;
    index = found;
  }
  AppendNode(index, out);
  return Found::kValue;
}

Result<std::vector<std::string>> CacheParsePointer(std::string_view text) {
  std::vector<std::string> tokens;
  if (text.empty()) return tokens;
  std::string quoted;
  AppendJsonString(&quoted, text);
  if (text[0] != '/') {
    return InvalidArgument(quoted + ": a JSON pointer must be empty or start with \"/\"");
  }
  size_t start = 1;
  while (true) {
    const size_t end = std::min(text.find('/', start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    std::string token;
    token.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.push_back(raw[i]);
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[++i] == '0' ? '~' : '/');
      } else {
        return InvalidArgument(quoted + ": \"~\" must be followed by 0 or 1 (RFC 6901)");
      }
    }
    tokens.push_back(std::move(token));
    if (end == text.size()) break;
    start = end + 1;
  }
  return tokens;
}

}  // namespace mw::proxy::detail
