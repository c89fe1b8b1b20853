// Readers of YAML values inside the config's list sections (alerting.channels, proxy.routes, ...):
// each records a problem ("<path>: must be ...") instead of failing. Internal to src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::config::detail {

using Problems = std::vector<std::string>;

// YAML from the file comes as a node; from env/flags as a scalar holding flow-style YAML. Null and
// "" are an empty list; `example` completes "must be a list, e.g. ".
std::optional<YAML::Node> ListNode(
    const YAML::Node& node, Problems& problems,
    std::string_view example = "[{name: ops, type: slack, url: \"https://...\"}]");

// A string (null reads as ""), or nullopt after recording "<path>: must be a string".
std::optional<std::string> String(const YAML::Node& node, const std::string& path,
                                  Problems& problems);

// A list of strings; a single string counts as a list of one.
std::vector<std::string> StringList(const YAML::Node& node, const std::string& path,
                                    Problems& problems);

std::optional<bool> Bool(const YAML::Node& node, const std::string& path, Problems& problems);

}  // namespace mw::config::detail
