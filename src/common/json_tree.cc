#include "common/json_tree.h"

#include <charconv>
#include <cstring>

#include "common/json_limits.h"

namespace mw {
namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;

}  // namespace

JsonTree::Outcome JsonTree::Parse(std::string_view text) {
  nodes_.clear();
  text = StripUtf8Bom(text);
  padded_ = simdjson::padded_string(text.size() + 2);
  char* data = padded_.data();
  data[0] = '[';
  std::memcpy(data + 1, text.data(), text.size());
  data[text.size() + 1] = ']';
  ondemand::document doc;
  ondemand::value wrapper;
  error_code error = parser_.iterate(padded_).get(doc);
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
// a body of kMaxJsonDepth levels is accepted and one more is not; the recursion stays bounded.
error_code JsonTree::Build(ondemand::value& value, std::string_view key, int depth) {
  JsonScalar scalar;
  if (auto error = ReadJsonValue(value, &scalar)) return error;
  const auto index = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(JsonNode{scalar.kind, scalar.number, scalar.boolean, scalar.text, key, 0, 0});
  if (scalar.kind != JsonKind::kObject && scalar.kind != JsonKind::kArray) {
    return simdjson::SUCCESS;
  }
  if (depth > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
  uint32_t previous = 0;
  uint32_t count = 0;
  const auto add = [&](ondemand::value& child, std::string_view child_key) {
    const auto child_index = static_cast<uint32_t>(nodes_.size());
    if (auto error = Build(child, child_key, depth + 1)) return error;
    if (previous != 0) nodes_[previous].next = child_index;
    previous = child_index;
    ++count;
    return simdjson::SUCCESS;
  };
  if (scalar.kind == JsonKind::kObject) {
    ondemand::object object;
    if (auto error = value.get_object().get(object)) return error;
    for (auto field_result : object) {
      ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return error;
      std::string_view field_key;
      if (auto error = field.unescaped_key().get(field_key)) return error;
      if (auto error = add(field.value(), field_key)) return error;
    }
  } else {
    ondemand::array array;
    if (auto error = value.get_array().get(array)) return error;
    for (auto element_result : array) {
      ondemand::value element;
      if (auto error = std::move(element_result).get(element)) return error;
      if (auto error = add(element, {})) return error;
    }
  }
  nodes_[index].size = count;
  return simdjson::SUCCESS;
}

std::optional<uint32_t> JsonTree::Child(uint32_t index, std::string_view key) const {
  const JsonNode& parent = nodes_[index];
  if (parent.kind == JsonKind::kObject) {
    for (uint32_t child = first_child(index); child != 0; child = nodes_[child].next) {
      if (nodes_[child].key == key) return child;
    }
    return std::nullopt;
  }
  if (parent.kind != JsonKind::kArray || key.empty() || (key.size() > 1 && key[0] == '0')) {
    return std::nullopt;
  }
  uint32_t position = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), position);
  if (ec != std::errc() || end != key.data() + key.size() || position >= parent.size) {
    return std::nullopt;
  }
  uint32_t child = first_child(index);
  for (uint32_t i = 0; i < position; ++i) child = nodes_[child].next;
  return child;
}

std::optional<uint32_t> JsonTree::Find(uint32_t index,
                                       const std::vector<std::string>& tokens) const {
  for (const std::string& token : tokens) {
    const std::optional<uint32_t> child = Child(index, token);
    if (!child) return std::nullopt;
    index = *child;
  }
  return index;
}

}  // namespace mw
