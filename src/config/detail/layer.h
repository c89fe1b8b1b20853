// The values one source (file, environment, flags) contributes, before they are applied onto a
// Config in precedence order; and the auth.tokens readers. Internal to src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace mw::config::detail {

enum class SourceKind { kFile, kEnv, kFlag };

// Suffix for a reason naming where a value came from: "" for the file (the key says it),
// " (from MODELWATCH_SERVER_PORT)" for env, " (from the command line)" for flags.
std::string Where(SourceKind kind, std::string_view key);

// One auth.tokens entry as written, before secrets are resolved and rules are checked.
struct RawToken {
  SourceKind kind = SourceKind::kFile;
  std::string key;  // "auth.tokens[2]"
  std::string name;
  std::optional<std::string> token;
  std::optional<std::string> token_env;
  std::vector<std::string> roles;
};

struct Layer {
  SourceKind kind;
  std::vector<std::pair<std::string, YAML::Node>> scalars;  // dotted key -> scalar (or bad) node
  std::optional<std::vector<RawToken>> tokens;              // set = replaces the list
};

// The YAML list under auth.tokens; structural errors (unknown keys, wrong types) go to `errors`.
std::vector<RawToken> ReadYamlTokens(const YAML::Node& node, std::vector<ConfigError>& errors);

// The compact form "name:token:role1+role2,name2:token2:admin"; "" = no tokens.
std::vector<RawToken> ParseCompactTokens(std::string_view text, SourceKind kind,
                                         std::vector<ConfigError>& errors);

// Resolves token_env against `env` and checks the rules: name non-empty and unique, exactly one of
// token/token_env, token >= 16 printable non-space characters and unique, roles non-empty and
// valid. Errors never contain a secret.
std::vector<ApiToken> ResolveTokens(const std::vector<RawToken>& raw,
                                    const std::map<std::string, std::string>& env,
                                    std::vector<ConfigError>& errors);

}  // namespace mw::config::detail
