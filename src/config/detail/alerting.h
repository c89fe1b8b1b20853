// Readers and checks for the alerting section's lists (alerting.channels, alerting.routes).
// Internal to src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"

namespace mw::config::detail {

// Setters for the Field table: `node` is the YAML list (file) or a scalar holding the list in
// YAML flow style (environment, flags; "" = empty list). They replace the whole list and return
// every structural problem found ("[1].url: must be ..."; joined by "; "), or nullopt.
std::optional<std::string> SetAlertChannels(const YAML::Node& node, Config& config);
std::optional<std::string> SetAlertRoutes(const YAML::Node& node, Config& config);

// The variable names that a file's alerting.channels list refers to (url_env, routing_key_env,
// password_env), so the environment reader accepts them.
void CollectAlertEnvNames(const YAML::Node& channels, std::set<std::string>& names);

// After every source is applied: resolves *_env against `env` and checks what needs the whole
// section (required fields per type, unique channel names, routes naming existing channels).
void FinishAlerting(Config& config, const std::map<std::string, std::string>& env,
                    std::vector<ConfigError>& errors);

}  // namespace mw::config::detail
