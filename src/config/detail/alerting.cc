#include "config/detail/alerting.h"

#include <algorithm>
#include <regex>

#include "common/duration.h"
#include "common/regex_bounds.h"
#include "config/detail/validate.h"
#include "config/detail/yaml_read.h"
#include "config/yaml_error.h"

namespace mw::config::detail {
namespace {

constexpr std::string_view kPagerDutyUrl = "https://events.pagerduty.com/v2/enqueue";

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

bool IsUrlWithScheme(std::string_view value, std::initializer_list<std::string_view> schemes) {
  if (HasSpaceOrControl(value)) return false;
  for (std::string_view scheme : schemes) {
    if (value.starts_with(scheme) && value.size() > scheme.size()) return true;
  }
  return false;
}

std::map<std::string, std::string> StringMap(const YAML::Node& node, const std::string& path,
                                             Problems& problems) {
  std::map<std::string, std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) {
    problems.push_back(path + ": must be a mapping of label: value");
    return out;
  }
  for (const auto& kv : node) {
    const std::string label = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (!IsValidLabelName(label)) {
      problems.push_back(path + ": \"" + label + "\" is not a label name");
      continue;
    }
    if (auto v = String(kv.second, path + "." + label, problems)) out[label] = *v;
  }
  return out;
}

std::optional<int64_t> Duration(const YAML::Node& node, const std::string& path,
                                Problems& problems) {
  std::optional<int64_t> ms;
  if (node.IsScalar()) ms = ParseDurationMillis(node.Scalar());
  if (!ms) problems.push_back(path + ": must be a duration like 30s, 5m or 4h");
  return ms;
}

bool KeyAllowed(std::string_view type, std::string_view key) {
  static const std::map<std::string_view, std::vector<std::string_view>> kByType = {
      {"slack", {"url", "url_env"}},
      {"webhook", {"url", "url_env"}},
      {"alertmanager", {"url", "url_env", "resend_interval"}},
      {"pagerduty", {"url", "routing_key", "routing_key_env", "source"}},
      {"email", {"smtp_url", "from", "to", "username", "password_env", "starttls"}},
  };
  if (key == "name" || key == "type" || key == "timeout" || key == "send_resolved") return true;
  auto it = kByType.find(type);
  return it != kByType.end() &&
         std::find(it->second.begin(), it->second.end(), key) != it->second.end();
}

Config::AlertChannel ReadChannel(const YAML::Node& entry, const std::string& path,
                                 Problems& problems) {
  Config::AlertChannel c;
  if (!entry.IsMap()) {
    problems.push_back(path + ": must be a mapping with name, type and the type's settings");
    return c;
  }
  if (const YAML::Node type = entry["type"]; type) {  // operator[] on a const node: no insert
    c.type = String(type, path + ".type", problems).value_or("");
  }
  if (c.type != "slack" && c.type != "webhook" && c.type != "alertmanager" &&
      c.type != "pagerduty" && c.type != "email") {
    problems.push_back(path +
                       ".type: must be one of slack, webhook, alertmanager, pagerduty, "
                       "email");
    return c;
  }
  if (c.type == "pagerduty") c.url = kPagerDutyUrl;
  for (const auto& kv : entry) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string at = path + "." + key;
    const YAML::Node& v = kv.second;
    if (!KeyAllowed(c.type, key)) {
      problems.push_back(at + ": unknown key for a " + c.type + " channel");
    } else if (key == "name") {
      c.name = String(v, at, problems).value_or("");
    } else if (key == "url") {
      c.url = String(v, at, problems).value_or("");
    } else if (key == "url_env") {
      c.url_env = String(v, at, problems).value_or("");
    } else if (key == "timeout") {
      if (auto ms = Duration(v, at, problems)) c.timeout_ms = *ms;
    } else if (key == "send_resolved") {
      if (auto b = Bool(v, at, problems)) c.send_resolved = *b;
    } else if (key == "resend_interval") {
      if (auto ms = Duration(v, at, problems)) c.resend_interval_ms = *ms;
    } else if (key == "routing_key") {
      c.routing_key = String(v, at, problems).value_or("");
    } else if (key == "routing_key_env") {
      c.routing_key_env = String(v, at, problems).value_or("");
    } else if (key == "source") {
      c.source = String(v, at, problems).value_or("");
    } else if (key == "smtp_url") {
      c.smtp_url = String(v, at, problems).value_or("");
    } else if (key == "from") {
      c.from = String(v, at, problems).value_or("");
    } else if (key == "to") {
      c.to = StringList(v, at, problems);
    } else if (key == "username") {
      c.username = String(v, at, problems).value_or("");
    } else if (key == "password_env") {
      c.password_env = String(v, at, problems).value_or("");
    } else if (key == "starttls") {
      if (auto b = Bool(v, at, problems)) c.starttls = *b;
    }
  }
  return c;
}

Config::AlertRoute ReadRoute(const YAML::Node& entry, const std::string& path, Problems& problems) {
  Config::AlertRoute r;
  if (!entry.IsMap()) {
    problems.push_back(path + ": must be a mapping with channels and optional matchers");
    return r;
  }
  for (const auto& kv : entry) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string at = path + "." + key;
    const YAML::Node& v = kv.second;
    if (key == "match") {
      r.match = StringMap(v, at, problems);
    } else if (key == "match_re") {
      r.match_re = StringMap(v, at, problems);
      for (const auto& [label, pattern] : r.match_re) {
        if (const std::string bound = RegexBoundsProblem(pattern); !bound.empty()) {
          problems.push_back(at + "." + label + ": " + bound);
          continue;
        }
        try {
          std::regex re(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          problems.push_back(at + "." + label + ": bad regular expression: " + e.what());
        }
      }
    } else if (key == "severity") {
      r.severity = StringList(v, at, problems);
      for (const std::string& s : r.severity) {
        if (s != "info" && s != "warning" && s != "critical") {
          problems.push_back(at + ": \"" + s + "\" is not info, warning or critical");
        }
      }
    } else if (key == "channels") {
      r.channels = StringList(v, at, problems);
    } else if (key == "group_by") {
      r.group_by = StringList(v, at, problems);
      for (const std::string& label : r.group_by) {
        if (!IsValidLabelName(label)) {
          problems.push_back(at + ": \"" + label + "\" is not a label name");
        }
      }
    } else if (key == "group_wait") {
      // 0s is a valid wait (notify at the next tick); ParseDurationMillis rejects zero.
      if (v.IsScalar() && (v.Scalar() == "0" || v.Scalar() == "0s")) {
        r.group_wait_ms = 0;
      } else if (auto ms = Duration(v, at, problems)) {
        r.group_wait_ms = *ms;
      }
    } else if (key == "group_interval") {
      if (auto ms = Duration(v, at, problems)) r.group_interval_ms = *ms;
    } else if (key == "repeat_interval") {
      if (auto ms = Duration(v, at, problems)) r.repeat_interval_ms = *ms;
    } else if (key == "continue") {
      if (auto b = Bool(v, at, problems)) r.continue_matching = *b;
    } else {
      problems.push_back(at + ": unknown key");
    }
  }
  return r;
}

template <typename T, typename Reader>
std::optional<std::string> SetList(const YAML::Node& node, std::vector<T>& out, Reader read) {
  Problems problems;
  auto list = ListNode(node, problems);
  std::vector<T> items;
  if (list) {
    for (size_t i = 0; i < list->size(); ++i) {
      items.push_back(read((*list)[i], "[" + std::to_string(i) + "]", problems));
    }
  }
  if (!problems.empty()) {
    std::string reason;
    for (const std::string& p : problems) reason += (reason.empty() ? "" : "; ") + p;
    return reason;
  }
  out = std::move(items);
  return std::nullopt;
}

// Reads the variable an *_env key names into `value`; records why not.
void ResolveEnv(const std::string& variable, const std::map<std::string, std::string>& env,
                const std::string& key, std::string& value, std::vector<ConfigError>& errors) {
  if (variable.empty()) return;
  auto it = env.find(variable);
  if (it == env.end() || it->second.empty()) {
    errors.push_back({key, "environment variable " + variable + " is not set"});
    return;
  }
  value = it->second;
}

void CheckChannel(Config::AlertChannel& c, const std::string& key,
                  const std::map<std::string, std::string>& env, std::vector<ConfigError>& errors) {
  if (c.name.empty()) errors.push_back({key + ".name", "must not be empty"});
  if (!c.url_env.empty() && !c.url.empty() && c.type != "pagerduty") {
    errors.push_back({key, "set only one of url or url_env"});
  }
  const size_t errors_before = errors.size();
  ResolveEnv(c.url_env, env, key + ".url_env", c.url, errors);
  const bool url_unresolved = errors.size() != errors_before;  // reported once, not twice
  if (c.timeout_ms < 100 || c.timeout_ms > 300000) {
    errors.push_back({key + ".timeout", "must be between 100ms and 5m"});
  }
  if (c.type == "email") {
    if (!IsUrlWithScheme(c.smtp_url, {"smtp://", "smtps://"})) {
      errors.push_back({key + ".smtp_url", "must be an smtp:// or smtps:// URL"});
    }
    if (c.from.empty() || HasSpaceOrControl(c.from)) {
      errors.push_back({key + ".from", "must be an e-mail address"});
    }
    if (c.to.empty()) errors.push_back({key + ".to", "must list at least one address"});
    for (const std::string& to : c.to) {
      if (to.empty() || HasSpaceOrControl(to)) {
        errors.push_back({key + ".to", "\"" + to + "\" is not an e-mail address"});
      }
    }
    if (!c.password_env.empty() && c.username.empty()) {
      errors.push_back({key + ".password_env", "needs a username"});
    }
    ResolveEnv(c.password_env, env, key + ".password_env", c.password, errors);
    if (!c.username.empty() && c.smtp_url.starts_with("smtp://") && !c.starttls) {
      errors.push_back({key + ".starttls",
                        "credentials would travel in clear text: use smtps:// "
                        "or starttls: true"});
    }
    return;
  }
  if (!url_unresolved && !IsUrlWithScheme(c.url, {"http://", "https://"})) {
    errors.push_back(
        {key + (c.url_env.empty() ? ".url" : ".url_env"), "must be an http:// or https:// URL"});
  }
  if (c.type == "alertmanager" && c.resend_interval_ms < 1000) {
    errors.push_back({key + ".resend_interval", "must be at least 1s"});
  }
  if (c.type == "pagerduty") {
    if (!c.routing_key.empty() && !c.routing_key_env.empty()) {
      errors.push_back({key, "set only one of routing_key or routing_key_env"});
    }
    ResolveEnv(c.routing_key_env, env, key + ".routing_key_env", c.routing_key, errors);
    if (c.routing_key.empty() && c.routing_key_env.empty()) {
      errors.push_back({key + ".routing_key", "must be set (or routing_key_env)"});
    }
    if (c.source.empty()) errors.push_back({key + ".source", "must not be empty"});
  }
}

}  // namespace

std::optional<std::string> SetAlertChannels(const YAML::Node& node, Config& config) {
  return SetList(node, config.alerting.channels, ReadChannel);
}

std::optional<std::string> SetAlertRoutes(const YAML::Node& node, Config& config) {
  return SetList(node, config.alerting.routes, ReadRoute);
}

void CollectAlertEnvNames(const YAML::Node& channels, std::set<std::string>& names) {
  Problems ignored;  // reported by SetAlertChannels
  auto list = ListNode(channels, ignored);
  if (!list) return;
  for (const auto& entry : *list) {
    if (!entry.IsMap()) continue;
    for (const char* key : {"url_env", "routing_key_env", "password_env"}) {
      if (entry[key] && entry[key].IsScalar()) names.insert(entry[key].Scalar());
    }
  }
}

void FinishAlerting(Config& config, const std::map<std::string, std::string>& env,
                    std::vector<ConfigError>& errors) {
  std::map<std::string, std::string> owner;  // channel name -> key of its first entry
  for (size_t i = 0; i < config.alerting.channels.size(); ++i) {
    Config::AlertChannel& c = config.alerting.channels[i];
    const std::string key = "alerting.channels[" + std::to_string(i) + "]";
    CheckChannel(c, key, env, errors);
    if (!c.name.empty()) {
      if (auto [it, inserted] = owner.emplace(c.name, key); !inserted) {
        errors.push_back(
            {key + ".name", "duplicate name \"" + c.name + "\" (also " + it->second + ")"});
      }
    }
  }
  for (size_t i = 0; i < config.alerting.routes.size(); ++i) {
    const Config::AlertRoute& r = config.alerting.routes[i];
    const std::string key = "alerting.routes[" + std::to_string(i) + "]";
    if (r.channels.empty()) errors.push_back({key + ".channels", "must name at least one channel"});
    for (const std::string& name : r.channels) {
      if (!owner.contains(name)) {
        errors.push_back({key + ".channels", "no channel is named \"" + name + "\""});
      }
    }
    if (r.group_interval_ms < 1000) {
      errors.push_back({key + ".group_interval", "must be at least 1s"});
    }
    if (r.repeat_interval_ms < r.group_interval_ms) {
      errors.push_back({key + ".repeat_interval", "must not be shorter than group_interval"});
    }
  }
}

}  // namespace mw::config::detail
