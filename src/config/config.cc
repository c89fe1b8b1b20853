// Loading: every source (file, env, flags) is first turned into a Layer of (key, YAML scalar)
// pairs plus an optional token list; the layers are then applied in precedence order onto a
// default Config, each value converted and range-checked as it is applied, so a bad value is
// reported whichever source it came from. Cross-field rules (tokens) run on the final result.
#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "config/detail/alerting.h"
#include "config/detail/layer.h"
#include "config/detail/validate.h"
#include "config/yaml_error.h"

extern char** environ;  // POSIX; declared by no standard header in C++.

namespace mw::config {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "ingest") return Role::kIngest;
  if (name == "read") return Role::kRead;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string Config::LogDir() const {
  if (logging.dir == "-") return "";
  if (!logging.dir.empty()) return logging.dir;
  return (std::filesystem::path(storage.data_dir) / "logs").string();
}

std::string EnvVarName(std::string_view key) {
  std::string name = "MODELWATCH_";
  for (char c : key) {
    if (c == '.' || c == '-') {
      name += '_';
    } else {
      name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return name;
}

std::string FormatConfigErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "config error: " + e.key + ": " + e.reason + "\n";
  return out;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** p = environ; p != nullptr && *p != nullptr; ++p) {
    std::string_view entry(*p);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace {

using detail::Layer;
using detail::RawToken;
using detail::SourceKind;

constexpr std::string_view kTokensKey = "auth.tokens";
constexpr std::string_view kListenKey = "server.listen";

// A setter converts one scalar, checks it and assigns it; it returns the reason on failure.
using Setter = std::function<std::optional<std::string>(const YAML::Node&, Config&)>;
struct Field {
  std::string key;
  Setter set;
};

// Hand-written rather than YAML::convert<int64_t>: yaml-cpp's stream conversion guesses the base
// from a leading 0 / 0x, so "08080" would be rejected and "010" read as 8.
std::optional<int64_t> ParseInt(const YAML::Node& node) {
  if (!node.IsScalar()) return std::nullopt;
  const std::string& s = node.Scalar();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::string IntReason(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) {
    return "must be an integer >= " + std::to_string(min);
  }
  return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
}

std::string FormatNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

template <typename Assign>
Field IntField(std::string key, int64_t min, int64_t max, Assign assign) {
  return {std::move(key),
          [min, max, assign](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            auto v = ParseInt(node);
            if (!v || *v < min || *v > max) return IntReason(min, max);
            assign(c, *v);
            return std::nullopt;
          }};
}

template <typename Ref>
Field BoolField(std::string key, Ref ref) {
  return {std::move(key), [ref](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            bool v = false;
            if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) {
              return "must be a boolean (true or false)";
            }
            ref(c) = v;
            return std::nullopt;
          }};
}

template <typename Assign>
Field DoubleField(std::string key, double min, double max, Assign assign) {
  return {std::move(key),
          [min, max, assign](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            double v = 0;
            const std::string& s = node.IsScalar() ? node.Scalar() : std::string();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (!node.IsScalar() || s.empty() || ec != std::errc() || end != s.data() + s.size() ||
                !(v >= min && v <= max)) {
              return "must be a number between " + FormatNumber(min) + " and " + FormatNumber(max);
            }
            assign(c, v);
            return std::nullopt;
          }};
}

// "model:0.3,other:0.1" -> {model: 0.3, other: 0.1}; each threshold in (0, 100].
Result<std::map<std::string, double>> ParseModelThresholds(std::string_view text) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgument("\"" + std::string(item) + "\" is not MODEL:THRESHOLD");
    }
    const std::string_view number = item.substr(colon + 1);
    double v = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec != std::errc() || end != number.data() + number.size() || !(v > 0 && v <= 100)) {
      return InvalidArgument("threshold of \"" + std::string(item.substr(0, colon)) +
                             "\" must be a number in (0, 100]");
    }
    out[std::string(item.substr(0, colon))] = v;
  }
  return out;
}

// `validate` returns the reason a value is wrong, or nullopt. A YAML null reads as "".
template <typename Ref>
Field StringField(std::string key, detail::StringValidator validate, Ref ref) {
  return {std::move(key),
          [validate, ref](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            if (!node.IsScalar() && !node.IsNull()) return "must be a string";
            std::string v = node.IsNull() ? "" : node.Scalar();
            if (validate) {
              if (auto reason = validate(v)) return reason;
            }
            ref(c) = std::move(v);
            return std::nullopt;
          }};
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Every configuration key, its range or validator and where it lands: a data table (one entry per
// key; docs/configuration.md documents them), kept whole so a key is added in one place.
const std::vector<Field>& Fields() {
  namespace v = detail;
  static const std::vector<Field> fields = {
      StringField(
          "server.host", v::ValidateHost, [](Config & c) -> auto& { return c.server.host; }),
      IntField("server.port", 0, 65535, [](Config& c, int64_t x) { c.server.port = x; }),
      {std::string(kListenKey),
       [](const YAML::Node& node, Config& c) -> std::optional<std::string> {
         if (!node.IsScalar()) return "must be a string HOST:PORT";
         auto parsed = v::ParseListen(node.Scalar());
         if (!parsed.has_value()) return parsed.error().message();
         c.server.host = parsed->first;
         c.server.port = parsed->second;
         return std::nullopt;
       }},
      IntField("server.threads", 0, 1024, [](Config& c, int64_t x) { c.server.threads = x; }),
      IntField("server.max_body_bytes", 1024, int64_t{1} << 30,
               [](Config& c, int64_t x) { c.server.max_body_bytes = x; }),
      IntField("server.request_timeout_seconds", 1, 86400,
               [](Config& c, int64_t x) { c.server.request_timeout_seconds = x; }),
      IntField("server.max_connections", 1, 1000000,
               [](Config& c, int64_t x) { c.server.max_connections = x; }),
      StringField(
          "storage.backend", v::ValidateBackend,
          [](Config & c) -> auto& { return c.storage.backend; }),
      StringField(
          "storage.data_dir", v::ValidateNonEmpty,
          [](Config & c) -> auto& { return c.storage.data_dir; }),
      StringField(
          "storage.sqlite_synchronous", v::OneOf({"full", "normal"}),
          [](Config & c) -> auto& { return c.storage.sqlite_synchronous; }),
      BoolField(
          "storage.sqlite_preallocate_wal",
          [](Config & c) -> auto& { return c.storage.sqlite_preallocate_wal; }),
      IntField("storage.min_free_bytes", 0, kMax,
               [](Config& c, int64_t x) { c.storage.min_free_bytes = x; }),
      IntField("storage.read_connections", 1, 64,
               [](Config& c, int64_t x) { c.storage.read_connections = x; }),
      IntField("storage.max_rows_per_commit", 1, kMax,
               [](Config& c, int64_t x) { c.storage.max_rows_per_commit = x; }),
      IntField("storage.max_queue_requests", 1, kMax,
               [](Config& c, int64_t x) { c.storage.max_queue_requests = x; }),
      StringField(
          "metrics.prefix", v::ValidateMetricPrefix,
          [](Config & c) -> auto& { return c.metrics.prefix; }),
      StringField(
          "metrics.segment_label", v::ValidateSegmentLabel,
          [](Config & c) -> auto& { return c.metrics.segment_label; }),
      IntField("metrics.max_segments", 1, kMax,
               [](Config& c, int64_t x) { c.metrics.max_segments = x; }),
      // At most 3650 days, so now + this (in ms) cannot overflow.
      IntField("ingest.max_future_seconds", 0, int64_t{3650} * 86400,
               [](Config& c, int64_t x) { c.ingest.max_future_seconds = x; }),
      IntField("ingest.max_events_per_request", 1, kMax,
               [](Config& c, int64_t x) { c.ingest.max_events_per_request = x; }),
      IntField("ingest.max_models", 1, int64_t{10'000'000},
               [](Config& c, int64_t x) { c.ingest.max_models = x; }),
      BoolField(
          "ingest.require_registered_models",
          [](Config & c) -> auto& { return c.ingest.require_registered_models; }),
      StringField(
          "logging.level", v::OneOf({"trace", "debug", "info", "warn", "error"}),
          [](Config & c) -> auto& { return c.logging.level; }),
      StringField(
          "logging.dir", nullptr, [](Config & c) -> auto& { return c.logging.dir; }),
      BoolField(
          "logging.stdout", [](Config & c) -> auto& { return c.logging.stdout_enabled; }),
      BoolField(
          "logging.access_log", [](Config & c) -> auto& { return c.logging.access_log; }),
      IntField("logging.max_file_bytes", 1024, kMax,
               [](Config& c, int64_t x) { c.logging.max_file_bytes = x; }),
      IntField("logging.app_retention_days", 1, kMax,
               [](Config& c, int64_t x) { c.logging.app_retention_days = x; }),
      IntField("logging.audit_retention_days", 1, kMax,
               [](Config& c, int64_t x) { c.logging.audit_retention_days = x; }),
      StringField(
          "redis.url", v::ValidateRedisUrl, [](Config & c) -> auto& { return c.redis.url; }),
      IntField("quality.evaluation_interval_seconds", 0, 86400,
               [](Config& c, int64_t x) { c.quality.evaluation_interval_seconds = x; }),
      IntField("quality.window_seconds", 60, int64_t{366} * 86400,
               [](Config& c, int64_t x) { c.quality.window_seconds = x; }),
      IntField("quality.min_samples", 1, kMax,
               [](Config& c, int64_t x) { c.quality.min_samples = x; }),
      DoubleField("quality.degradation_threshold", 1e-9, 100,
                  [](Config& c, double x) { c.quality.degradation_threshold = x; }),
      {"quality.model_degradation_thresholds",
       [](const YAML::Node& node, Config& c) -> std::optional<std::string> {
         if (!node.IsScalar() && !node.IsNull()) return "must be a string MODEL:THRESHOLD,...";
         auto parsed = ParseModelThresholds(node.IsNull() ? "" : node.Scalar());
         if (!parsed.has_value()) return parsed.error().message();
         c.quality.model_degradation_thresholds = std::move(*parsed);
         return std::nullopt;
       }},
      DoubleField("quality.classification_threshold", 0, 1,
                  [](Config& c, double x) { c.quality.classification_threshold = x; }),
      DoubleField("quality.drift_share_threshold", 1e-9, 1,
                  [](Config& c, double x) { c.quality.drift_share_threshold = x; }),
      IntField("quality.profile_cache_size", 1, 100000,
               [](Config& c, int64_t x) { c.quality.profile_cache_size = x; }),
      IntField("quality.max_window_rows", 100, int64_t{100'000'000},
               [](Config& c, int64_t x) { c.quality.max_window_rows = x; }),
      BoolField(
          "alerting.enabled", [](Config & c) -> auto& { return c.alerting.enabled; }),
      StringField(
          "alerting.rules_file", nullptr,
          [](Config & c) -> auto& { return c.alerting.rules_file; }),
      IntField("alerting.evaluation_interval_seconds", 1, 86400,
               [](Config& c, int64_t x) { c.alerting.evaluation_interval_seconds = x; }),
      IntField("alerting.history_retention_days", 1, 3650,
               [](Config& c, int64_t x) { c.alerting.history_retention_days = x; }),
      StringField(
          "alerting.external_url", v::ValidateOptionalHttpUrl,
          [](Config & c) -> auto& { return c.alerting.external_url; }),
      IntField("alerting.notification_max_age_seconds", 60, int64_t{30} * 86400,
               [](Config& c, int64_t x) { c.alerting.notification_max_age_seconds = x; }),
      {"alerting.channels", v::SetAlertChannels},
      {"alerting.routes", v::SetAlertRoutes},
  };
  return fields;
}

const Field* FindField(std::string_view key) {
  for (const auto& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const std::set<std::string, std::less<>> kSections = {
    "server", "storage", "metrics", "ingest", "logging", "auth", "redis", "quality", "alerting"};

// Reads the file into a Layer; syntax and structure problems go to `errors`.
void ReadFileLayer(const std::string& path, Layer& layer, std::vector<ConfigError>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back({"config", path + ": cannot read file: " + std::strerror(errno)});
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {  // ParserException and friends carry the mark
    errors.push_back({"config", path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + YamlErrorText(e)});
    return;
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    errors.push_back({"config", path + ": the top level must be a mapping of sections"});
    return;
  }
  for (const auto& section : root) {
    if (!section.first.IsScalar()) {
      errors.push_back({"config", path + ": keys must be plain strings"});
      continue;
    }
    const std::string name = section.first.Scalar();
    if (name.empty()) {  // as a key it would print as "config error: : unknown key"
      errors.push_back({"config", path + ": a top-level key is empty"});
      continue;
    }
    if (!kSections.contains(name)) {
      errors.push_back({name, "unknown key"});
      continue;
    }
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap()) {
      errors.push_back({name, "must be a mapping"});
      continue;
    }
    for (const auto& entry : section.second) {
      if (!entry.first.IsScalar()) {
        errors.push_back({name, "keys must be plain strings"});
        continue;
      }
      const std::string key = name + "." + entry.first.Scalar();
      if (key == kTokensKey) {
        layer.tokens = detail::ReadYamlTokens(entry.second, errors);
      } else if (FindField(key) != nullptr) {
        layer.scalars.emplace_back(key, entry.second);
      } else {
        errors.push_back({key, "unknown key"});
      }
    }
  }
}

// Env and flags carry strings; both go through the same YAML-scalar setters as the file.
void AddStringValue(Layer& layer, const std::string& key, const std::string& value,
                    std::vector<ConfigError>& errors) {
  if (key == kTokensKey) {
    layer.tokens = detail::ParseCompactTokens(value, layer.kind, errors);
  } else {
    layer.scalars.emplace_back(key, YAML::Node(value));
  }
}

void ReadEnvLayer(const std::map<std::string, std::string>& env,
                  const std::set<std::string>& token_env_names, Layer& layer,
                  std::vector<ConfigError>& errors) {
  std::map<std::string, std::string> by_env_name;
  for (const auto& key : ConfigKeyNames()) by_env_name.emplace(EnvVarName(key), key);
  for (const auto& [name, value] : env) {
    if (!name.starts_with("MODELWATCH_")) continue;
    auto it = by_env_name.find(name);
    if (it != by_env_name.end()) {
      AddStringValue(layer, it->second, value, errors);
    } else if (name != "MODELWATCH_CONFIG" && !token_env_names.contains(name)) {
      errors.push_back({name, "unknown environment variable (no config key has this name)"});
    }
  }
}

void ReadFlagLayer(const std::map<std::string, std::string>& flags, Layer& layer,
                   std::vector<ConfigError>& errors) {
  for (const auto& [key, value] : flags) {
    if (key == kTokensKey || FindField(key) != nullptr) {
      AddStringValue(layer, key, value, errors);
    } else {
      errors.push_back({key, "unknown key (command-line flag)"});
    }
  }
}

void ApplyLayer(const Layer& layer, Config& config, std::vector<ConfigError>& errors) {
  bool has_listen = false;
  for (const auto& [key, node] : layer.scalars) has_listen |= key == kListenKey;
  // listen first, so an explicit host/port error below is not masked by ordering.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [key, node] : layer.scalars) {
      if ((key == kListenKey) != (pass == 0)) continue;
      if (has_listen && (key == "server.host" || key == "server.port")) {
        errors.push_back({key, "conflicts with server.listen set in the same place" +
                                   detail::Where(layer.kind, key)});
        continue;
      }
      if (auto reason = FindField(key)->set(node, config)) {
        errors.push_back({key, *reason + detail::Where(layer.kind, key)});
      }
    }
  }
}

}  // namespace

std::vector<std::string> ConfigKeyNames() {
  std::vector<std::string> keys;
  for (const auto& f : Fields()) keys.push_back(f.key);
  keys.emplace_back(kTokensKey);
  return keys;
}

ConfigLoadResult LoadConfig(const ConfigSources& sources) {
  ConfigLoadResult result;
  auto& errors = result.errors;
  Layer file{SourceKind::kFile, {}, std::nullopt};
  Layer env{SourceKind::kEnv, {}, std::nullopt};
  Layer flags{SourceKind::kFlag, {}, std::nullopt};
  if (sources.file) ReadFileLayer(*sources.file, file, errors);

  std::set<std::string> token_env_names;
  for (const Layer* l : {&file}) {
    for (const auto& [key, node] : l->scalars) {
      if (key == "alerting.channels") detail::CollectAlertEnvNames(node, token_env_names);
    }
    if (!l->tokens) continue;
    for (const auto& t : *l->tokens) {
      if (t.token_env) token_env_names.insert(*t.token_env);
    }
  }
  // Channels given in the environment or a flag may name secret variables too.
  if (auto it = sources.env.find(EnvVarName("alerting.channels")); it != sources.env.end()) {
    detail::CollectAlertEnvNames(YAML::Node(it->second), token_env_names);
  }
  if (auto it = sources.flags.find("alerting.channels"); it != sources.flags.end()) {
    detail::CollectAlertEnvNames(YAML::Node(it->second), token_env_names);
  }
  ReadEnvLayer(sources.env, token_env_names, env, errors);
  ReadFlagLayer(sources.flags, flags, errors);

  Config config;
  const std::vector<RawToken>* tokens = nullptr;
  for (const Layer* l : {&file, &env, &flags}) {
    ApplyLayer(*l, config, errors);
    if (l->tokens) tokens = &*l->tokens;
  }
  if (tokens != nullptr) {
    config.auth.tokens = detail::ResolveTokens(*tokens, sources.env, errors);
  }
  detail::FinishAlerting(config, sources.env, errors);
  if (errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace mw::config
