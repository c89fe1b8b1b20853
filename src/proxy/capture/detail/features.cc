#include "proxy/capture/detail/features.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/names.h"

namespace mw::proxy::detail {

void AppendJsonNumber(std::string* out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, result.ptr);
}

bool FeatureWriter::Add(std::string_view name, const Value& value) {
  if (value.missing) return false;
  if (value.tree != nullptr) {
    std::string flat(name);
    return AddNode(&flat, *value.tree, value.node);
  }
  if (!simdjson::validate_utf8(value.text) || !AddMember(name)) return false;
  AppendJsonString(&json_, value.text);
  return true;
}

bool FeatureWriter::AddRow(const Value& row, std::string_view scalar_name,
                           const std::vector<std::string>& names) {
  const JsonNode* json = row.json();
  if (json == nullptr || (json->kind != JsonKind::kObject && json->kind != JsonKind::kArray)) {
    return Add(scalar_name, row);
  }
  const JsonTree& tree = *row.tree;
  size_t position = 0;
  std::string name;
  for (uint32_t child = tree.first_child(row.node); child != 0;
       child = tree.node(child).next, ++position) {
    if (json->kind == JsonKind::kObject) {
      name.assign(tree.node(child).key);
    } else if (position < names.size()) {
      name.assign(names[position]);
    } else {
      name.assign("f").append(std::to_string(position));
    }
    if (!AddNode(&name, tree, child)) return false;
  }
  return true;
}

// `name` is scratch space: extended for each level below `index` and restored on the way up.
// The recursion is as deep as the body, which JsonTree bounds by kMaxJsonDepth.
bool FeatureWriter::AddNode(std::string* name, const JsonTree& tree, uint32_t index) {
  const JsonNode& node = tree.node(index);
  if (node.kind == JsonKind::kObject || node.kind == JsonKind::kArray) {
    // A name past the limit only grows below: refuse it now rather than build longer ones.
    if (name->size() > kMaxFieldNameBytes) return false;
    const size_t length = name->size();
    size_t position = 0;
    for (uint32_t child = tree.first_child(index); child != 0;
         child = tree.node(child).next, ++position) {
      name->push_back('.');
      if (node.kind == JsonKind::kObject) {
        name->append(tree.node(child).key);
      } else {
        name->append(std::to_string(position));
      }
      const bool ok = AddNode(name, tree, child);
      name->resize(length);
      if (!ok) return false;
    }
    return true;
  }
  if (node.kind == JsonKind::kNonFinite || !AddMember(*name)) return false;
  switch (node.kind) {
    case JsonKind::kNumber:
      AppendJsonNumber(&json_, node.number);
      break;
    case JsonKind::kString:
      AppendJsonString(&json_, node.text);  // valid UTF-8: simdjson checked the body
      break;
    case JsonKind::kBool:
      json_.append(node.boolean ? "true" : "false");
      break;
    default:
      json_.append("null");
      break;
  }
  return true;
}

// Checks `name` and writes `"name":` (with the separating comma).
bool FeatureWriter::AddMember(std::string_view name) {
  if (NameProblem(name, kMaxFieldNameBytes)) return false;
  if (json_.size() > 1) json_.push_back(',');
  AppendJsonString(&json_, name);
  json_.push_back(':');
  names_.emplace_back(name);
  return true;
}

std::optional<std::string> FeatureWriter::Finish() {
  std::sort(names_.begin(), names_.end());
  if (std::adjacent_find(names_.begin(), names_.end()) != names_.end()) return std::nullopt;
  json_.push_back('}');
  return std::move(json_);
}

}  // namespace mw::proxy::detail
