// Loading: every source (file, env, flags) is first turned into a Layer of (key, YAML scalar)
// pairs plus an optional token list; the layers are then applied in precedence order onto a
// default Config, each value converted and range-checked as it is applied, so a bad value is
// reported whichever source it came from. Cross-field rules (tokens, alerting, proxy) run on the
// final result.
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
#include "config/detail/fields.h"
#include "config/detail/layer.h"
#include "config/detail/maintenance.h"
#include "config/detail/proxy.h"
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

std::string Config::ArchiveDir() const {
  if (!maintenance.archive_dir.empty()) return maintenance.archive_dir;
  return (std::filesystem::path(storage.data_dir) / "archive").string();
}

std::string Config::BackupDir() const {
  if (!maintenance.backup_dir.empty()) return maintenance.backup_dir;
  return (std::filesystem::path(storage.data_dir) / "backups").string();
}

std::string Config::ReportsDir() const {
  if (!maintenance.reports_dir.empty()) return maintenance.reports_dir;
  return (std::filesystem::path(storage.data_dir) / "reports").string();
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

using detail::BoolField;
using detail::DoubleField;
using detail::DurationField;
using detail::Field;
using detail::IntField;
using detail::Layer;
using detail::RawToken;
using detail::SourceKind;
using detail::StringField;

constexpr std::string_view kTokensKey = "auth.tokens";
constexpr std::string_view kListenKey = "server.listen";

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
      DoubleField("quality.alarm_level", 1e-6, 0.5,
                  [](Config& c, double x) { c.quality.alarm_level = x; }),
      DoubleField("quality.feature_drift_alpha", 1e-6, 0.5,
                  [](Config& c, double x) { c.quality.feature_drift_alpha = x; }),
      IntField("quality.min_class_samples", 2, kMax,
               [](Config& c, int64_t x) { c.quality.min_class_samples = x; }),
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
      StringField(
          "proxy.upstream", v::ValidateProxyUpstream,
          [](Config & c) -> auto& { return c.proxy.upstream; }),
      {"proxy.listen", v::SetProxyListen},
      IntField("proxy.threads", 0, 1024, [](Config& c, int64_t x) { c.proxy.threads = x; }),
      IntField("proxy.max_connections", 1, 1000000,
               [](Config& c, int64_t x) { c.proxy.max_connections = x; }),
      IntField("proxy.max_upstream_connections", 1, 100000,
               [](Config& c, int64_t x) { c.proxy.max_upstream_connections = x; }),
      DurationField("proxy.upstream_idle_timeout", 100, 3600000,
                    [](Config& c, int64_t x) { c.proxy.upstream_idle_timeout_ms = x; }),
      DurationField("proxy.connect_timeout", 10, 60000,
                    [](Config& c, int64_t x) { c.proxy.connect_timeout_ms = x; }),
      DurationField("proxy.response_timeout", 100, 3600000,
                    [](Config& c, int64_t x) { c.proxy.response_timeout_ms = x; }),
      DurationField("proxy.client_timeout", 100, 3600000,
                    [](Config& c, int64_t x) { c.proxy.client_timeout_ms = x; }),
      IntField("proxy.max_body_bytes", 1024, int64_t{1} << 34,
               [](Config& c, int64_t x) { c.proxy.max_body_bytes = x; }),
      IntField("proxy.max_capture_bytes", 1024, int64_t{1} << 34,
               [](Config& c, int64_t x) { c.proxy.max_capture_bytes = x; }),
      BoolField(
          "proxy.preserve_host", [](Config & c) -> auto& { return c.proxy.preserve_host; }),
      BoolField(
          "proxy.trust_forwarded_headers",
          [](Config & c) -> auto& { return c.proxy.trust_forwarded_headers; }),
      StringField(
          "proxy.request_id_header", v::ValidateHeaderName,
          [](Config & c) -> auto& { return c.proxy.request_id_header; }),
      BoolField(
          "proxy.access_log", [](Config & c) -> auto& { return c.proxy.access_log; }),
      StringField(
          "proxy.health_path", v::ValidateOptionalPath,
          [](Config & c) -> auto& { return c.proxy.health_path; }),
      StringField(
          "proxy.health_db_path", v::ValidateOptionalPath,
          [](Config & c) -> auto& { return c.proxy.health_db_path; }),
      DurationField("proxy.health_interval", 1000, 3600000,
                    [](Config& c, int64_t x) { c.proxy.health_interval_ms = x; }),
      DurationField("proxy.health_timeout", 10, 3600000,
                    [](Config& c, int64_t x) { c.proxy.health_timeout_ms = x; }),
      StringField(
          "proxy.openapi_path", v::ValidateOptionalPath,
          [](Config & c) -> auto& { return c.proxy.openapi_path; }),
      DurationField("proxy.openapi_refresh", 1000, int64_t{30} * 86400000,
                    [](Config& c, int64_t x) { c.proxy.openapi_refresh_ms = x; }),
      IntField("proxy.max_routes", 1, 100000, [](Config& c, int64_t x) { c.proxy.max_routes = x; }),
      IntField("proxy.capture_queue_events", 1, int64_t{100'000'000},
               [](Config& c, int64_t x) { c.proxy.capture_queue_events = x; }),
      IntField("proxy.capture_queue_bytes", 1024, int64_t{1} << 40,
               [](Config& c, int64_t x) { c.proxy.capture_queue_bytes = x; }),
      IntField("proxy.capture_batch_events", 1, 100000,
               [](Config& c, int64_t x) { c.proxy.capture_batch_events = x; }),
      DurationField("proxy.capture_flush_interval", 1, 60000,
                    [](Config& c, int64_t x) { c.proxy.capture_flush_interval_ms = x; }),
      StringField(
          "proxy.forward_to", v::ValidateForwardTo,
          [](Config & c) -> auto& { return c.proxy.forward_to; }),
      StringField(
          "proxy.forward_token_env", nullptr,
          [](Config & c) -> auto& { return c.proxy.forward_token_env; }),
      IntField("proxy.forward_buffer_events", 1, int64_t{100'000'000},
               [](Config& c, int64_t x) { c.proxy.forward_buffer_events = x; }),
      DurationField("proxy.forward_timeout", 100, 300000,
                    [](Config& c, int64_t x) { c.proxy.forward_timeout_ms = x; }),
      StringField(
          "proxy.cache.backend", v::ValidateCacheBackend,
          [](Config & c) -> auto& { return c.proxy.cache.backend; }),
      IntField("proxy.cache.max_bytes", 1024, int64_t{1} << 40,
               [](Config& c, int64_t x) { c.proxy.cache.max_bytes = x; }),
      StringField(
          "proxy.cache.redis_url", v::ValidateCacheRedisUrl,
          [](Config & c) -> auto& { return c.proxy.cache.redis_url; }),
      IntField("proxy.cache.redis_pool_size", 1, 64,
               [](Config& c, int64_t x) { c.proxy.cache.redis_pool_size = x; }),
      DurationField("proxy.cache.redis_timeout", 1, 60000,
                    [](Config& c, int64_t x) { c.proxy.cache.redis_timeout_ms = x; }),
      DurationField("proxy.cache.redis_retry_interval", 100, 3600000,
                    [](Config& c, int64_t x) { c.proxy.cache.redis_retry_interval_ms = x; }),
      {"proxy.cache.vary_headers", v::SetProxyVaryHeaders, /*keyed=*/true},
      BoolField(
          "proxy.cache.capture_hits",
          [](Config & c) -> auto& { return c.proxy.cache.capture_hits; }),
      {"proxy.routes", v::SetProxyRoutes, /*keyed=*/true},
  };
  static const std::vector<Field> all = [] {
    std::vector<Field> joined = fields;
    for (auto& f : detail::MaintenanceFields()) joined.push_back(std::move(f));
    return joined;
  }();
  return all;
}

const Field* FindField(std::string_view key) {
  for (const auto& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const std::set<std::string, std::less<>> kSections = {
    "server", "storage", "metrics",  "ingest", "logging",    "auth",
    "redis",  "quality", "alerting", "proxy",  "maintenance"};

// Sections nested one level inside a section: their keys have three parts (proxy.cache.backend).
const std::set<std::string, std::less<>> kSubsections = {"proxy.cache", "maintenance.retrain"};

// The entries of a nested section (`key` names it) into the layer.
void ReadSubsection(const std::string& key, const YAML::Node& node, Layer& layer,
                    std::vector<ConfigError>& errors) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    errors.push_back({key, "must be a mapping"});
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      errors.push_back({key, "keys must be plain strings"});
      continue;
    }
    const std::string sub = key + "." + entry.first.Scalar();
    if (FindField(sub) != nullptr) {
      layer.scalars.emplace_back(sub, entry.second);
    } else {
      errors.push_back({sub, "unknown key"});
    }
  }
}

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
      } else if (kSubsections.contains(key)) {
        ReadSubsection(key, entry.second, layer, errors);
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

// One error, or one per line of a keyed field's reason ("[2].path: must start with /").
void AddReason(const Field& field, const std::string& reason, SourceKind kind,
               std::vector<ConfigError>& errors) {
  const std::string where = detail::Where(kind, field.key);
  if (!field.keyed) {
    errors.push_back({field.key, reason + where});
    return;
  }
  std::istringstream lines(reason);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      errors.push_back({field.key, line + where});
    } else {
      errors.push_back({field.key + line.substr(0, colon), line.substr(colon + 2) + where});
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
      const Field& field = *FindField(key);
      if (auto reason = field.set(node, config)) AddReason(field, *reason, layer.kind, errors);
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
  // The variable proxy.forward_token_env names holds a secret: allowed whatever its name.
  for (const auto& [key, node] : file.scalars) {
    if (key == "proxy.forward_token_env") detail::CollectProxyEnvName(node, token_env_names);
  }
  if (auto it = sources.env.find(EnvVarName("proxy.forward_token_env")); it != sources.env.end()) {
    detail::CollectProxyEnvName(YAML::Node(it->second), token_env_names);
  }
  if (auto it = sources.flags.find("proxy.forward_token_env"); it != sources.flags.end()) {
    detail::CollectProxyEnvName(YAML::Node(it->second), token_env_names);
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
  detail::FinishProxy(config, sources.env, errors);
  detail::FinishMaintenance(config, errors);
  if (errors.empty()) result.config = std::move(config);
  return result;
}

}  // namespace mw::config
