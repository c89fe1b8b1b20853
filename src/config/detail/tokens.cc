#include <algorithm>
#include <set>

#include "config/detail/layer.h"

namespace mw::config::detail {
namespace {

constexpr size_t kMinTokenLength = 16;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads a scalar string field of a token entry; records a type error otherwise.
std::optional<std::string> ScalarString(const YAML::Node& node, const std::string& key,
                                        std::vector<ConfigError>& errors) {
  if (!node.IsScalar()) {
    errors.push_back({key, "must be a string"});
    return std::nullopt;
  }
  return node.Scalar();
}

RawToken ReadYamlToken(const YAML::Node& entry, const std::string& key,
                       std::vector<ConfigError>& errors) {
  RawToken raw;
  raw.key = key;
  if (!entry.IsMap()) {
    errors.push_back({key, "must be a mapping with name, token or token_env, and roles"});
    return raw;
  }
  for (const auto& kv : entry) {
    const std::string field = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string field_key = key + "." + field;
    if (field == "name") {
      raw.name = ScalarString(kv.second, field_key, errors).value_or("");
    } else if (field == "token") {
      raw.token = ScalarString(kv.second, field_key, errors);
    } else if (field == "token_env") {
      raw.token_env = ScalarString(kv.second, field_key, errors);
    } else if (field == "roles") {
      if (kv.second.IsScalar()) {  // a single role written without brackets
        raw.roles.push_back(kv.second.Scalar());
      } else if (kv.second.IsSequence()) {
        for (size_t i = 0; i < kv.second.size(); ++i) {
          auto role = ScalarString(kv.second[i], field_key + "[" + std::to_string(i) + "]", errors);
          if (role) raw.roles.push_back(*role);
        }
      } else {
        errors.push_back({field_key, "must be a list of roles (ingest, read, admin)"});
      }
    } else {
      errors.push_back({field_key, "unknown key"});
    }
  }
  return raw;
}

}  // namespace

std::string Where(SourceKind kind, std::string_view key) {
  switch (kind) {
    case SourceKind::kFile:
      return "";
    case SourceKind::kEnv:
      return " (from " + EnvVarName(key) + ")";
    case SourceKind::kFlag:
      return " (from the command line)";
  }
  return "";
}

std::vector<RawToken> ReadYamlTokens(const YAML::Node& node, std::vector<ConfigError>& errors) {
  std::vector<RawToken> tokens;
  if (node.IsNull()) return tokens;
  if (!node.IsSequence()) {
    errors.push_back({"auth.tokens", "must be a list of {name, token | token_env, roles}"});
    return tokens;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    tokens.push_back(ReadYamlToken(node[i], "auth.tokens[" + std::to_string(i) + "]", errors));
  }
  return tokens;
}

std::vector<RawToken> ParseCompactTokens(std::string_view text, SourceKind kind,
                                         std::vector<ConfigError>& errors) {
  std::vector<RawToken> tokens;
  if (Trim(text).empty()) return tokens;
  size_t index = 0;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view entry = Trim(text.substr(0, comma));
    RawToken raw;
    raw.kind = kind;
    raw.key = "auth.tokens[" + std::to_string(index++) + "]";
    const size_t first = entry.find(':');
    const size_t last = entry.rfind(':');
    if (first == std::string_view::npos || first == last) {
      errors.push_back({raw.key, "must be name:token:role1+role2" + Where(kind, "auth.tokens")});
    } else {
      raw.name = std::string(entry.substr(0, first));
      raw.token = std::string(entry.substr(first + 1, last - first - 1));
      std::string_view roles = entry.substr(last + 1);
      while (true) {
        const size_t plus = roles.find('+');
        raw.roles.emplace_back(Trim(roles.substr(0, plus)));
        if (plus == std::string_view::npos) break;
        roles.remove_prefix(plus + 1);
      }
      tokens.push_back(std::move(raw));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return tokens;
}

std::vector<ApiToken> ResolveTokens(const std::vector<RawToken>& raw,
                                    const std::map<std::string, std::string>& env,
                                    std::vector<ConfigError>& errors) {
  std::vector<ApiToken> tokens;
  std::map<std::string, std::string> name_owner;   // name -> key of the first entry with it
  std::map<std::string, std::string> token_owner;  // secret -> key of the first entry with it
  for (const RawToken& r : raw) {
    const std::string where = Where(r.kind, "auth.tokens");
    const size_t errors_before = errors.size();
    ApiToken token;
    token.name = r.name;
    if (r.name.empty()) {
      errors.push_back({r.key + ".name", "must not be empty" + where});
    } else if (auto [it, inserted] = name_owner.emplace(r.name, r.key); !inserted) {
      errors.push_back(
          {r.key + ".name", "duplicate name \"" + r.name + "\" (also " + it->second + ")" + where});
    }
    if (r.token.has_value() == r.token_env.has_value()) {
      errors.push_back({r.key, "set exactly one of token or token_env" + where});
    } else if (r.token_env) {
      auto it = env.find(*r.token_env);
      if (it == env.end() || it->second.empty()) {
        errors.push_back(
            {r.key + ".token_env", "environment variable " + *r.token_env + " is not set"});
      } else {
        token.token = it->second;
      }
    } else {
      token.token = *r.token;
    }
    const std::string token_key = r.key + (r.token_env ? ".token_env" : ".token");
    if (!token.token.empty()) {
      const bool printable = std::all_of(token.token.begin(), token.token.end(),
                                         [](unsigned char c) { return c > 0x20 && c < 0x7f; });
      if (token.token.size() < kMinTokenLength) {
        errors.push_back({token_key, "the token must be at least " +
                                         std::to_string(kMinTokenLength) + " characters" + where});
      } else if (!printable) {
        errors.push_back({token_key, "the token must be printable ASCII without spaces" + where});
      } else if (auto [it, inserted] = token_owner.emplace(token.token, r.key); !inserted) {
        errors.push_back({token_key, "the same token as " + it->second + where});
      }
    } else if (r.token && !r.token_env) {
      errors.push_back({token_key, "must not be empty" + where});
    }
    if (r.roles.empty()) {
      errors.push_back(
          {r.key + ".roles", "must list at least one role (ingest, read, admin)" + where});
    }
    for (size_t i = 0; i < r.roles.size(); ++i) {
      auto role = ParseRole(r.roles[i]);
      if (!role) {
        errors.push_back({r.key + ".roles[" + std::to_string(i) + "]",
                          "unknown role \"" + r.roles[i] + "\" (ingest, read, admin)" + where});
      } else if (std::find(token.roles.begin(), token.roles.end(), *role) == token.roles.end()) {
        token.roles.push_back(*role);
      }
    }
    if (errors.size() == errors_before) tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace mw::config::detail
