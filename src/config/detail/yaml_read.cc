#include "config/detail/yaml_read.h"

#include "config/yaml_error.h"

namespace mw::config::detail {

// YAML from the file comes as a node; from env/flags as a scalar holding flow-style YAML.
std::optional<YAML::Node> ListNode(const YAML::Node& node, Problems& problems,
                                   std::string_view example) {
  if (node.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
  if (node.IsSequence()) return node;
  if (!node.IsScalar()) {
    problems.push_back("must be a list");
    return std::nullopt;
  }
  if (node.Scalar().find_first_not_of(" \t\r\n") == std::string::npos) {
    return YAML::Node(YAML::NodeType::Sequence);
  }
  YAML::Node parsed;
  try {
    parsed = YAML::Load(node.Scalar());
  } catch (const YAML::Exception& e) {
    problems.push_back("not a YAML list (column " + std::to_string(e.mark.column + 1) +
                       "): " + YamlErrorText(e));
    return std::nullopt;
  }
  if (parsed.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
  if (!parsed.IsSequence()) {
    problems.push_back("must be a list, e.g. " + std::string(example));
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::string> String(const YAML::Node& node, const std::string& path,
                                  Problems& problems) {
  if (node.IsNull()) return std::string();
  if (!node.IsScalar()) {
    problems.push_back(path + ": must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

// A list of strings; a single string counts as a list of one.
std::vector<std::string> StringList(const YAML::Node& node, const std::string& path,
                                    Problems& problems) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    problems.push_back(path + ": must be a list of strings");
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    if (auto s = String(node[i], path + "[" + std::to_string(i) + "]", problems)) {
      out.push_back(*s);
    }
  }
  return out;
}

std::optional<bool> Bool(const YAML::Node& node, const std::string& path, Problems& problems) {
  bool v = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) {
    problems.push_back(path + ": must be true or false");
    return std::nullopt;
  }
  return v;
}

}  // namespace mw::config::detail
