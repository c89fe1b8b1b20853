#include "export/prometheus_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <optional>

namespace mw::exporting {

namespace {

struct ParsedUrl {
  std::string scheme, host_port, path;
};

// "http://host:port/prefix" -> {http, host:port, /prefix}; nullopt without scheme or HOST:PORT.
std::optional<ParsedUrl> ParseBaseUrl(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  ParsedUrl parsed;
  parsed.scheme = std::string(url.substr(0, sep));
  if (parsed.scheme != "http" && parsed.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find('/');
  parsed.host_port = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) parsed.path = std::string(rest.substr(slash));
  while (parsed.path.size() > 1 && parsed.path.back() == '/') parsed.path.pop_back();
  if (parsed.path == "/") parsed.path.clear();
  if (!IsHostPort(parsed.host_port)) return std::nullopt;
  if (parsed.path.find_first_of("?# \t") != std::string::npos) return std::nullopt;
  return parsed;
}

void StaticTargets(YAML::Emitter& out, const std::string& target) {
  out << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "targets" << YAML::Value << YAML::Flow << YAML::BeginSeq << target
      << YAML::EndSeq;
  out << YAML::EndMap << YAML::EndSeq;
}

bool IsPrometheusDuration(std::string_view d) {
  // One or more <integer><unit> parts, units ms s m h d w y (Prometheus' model.ParseDuration).
  if (d.empty()) return false;
  size_t i = 0;
  while (i < d.size()) {
    const size_t digits = i;
    while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i;
    if (i == digits) return false;
    if (d.substr(i, 2) == "ms") {
      i += 2;
    } else if (i < d.size() && std::string_view("smhdwy").find(d[i]) != std::string_view::npos) {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsHostPort(std::string_view target) {
  std::string_view host, port;
  if (target.starts_with("[")) {
    const size_t close = target.find("]:");
    if (close == std::string_view::npos || close < 2) return false;
    host = target.substr(1, close - 1);
    port = target.substr(close + 2);
  } else {
    const size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;
  }
  if (host.find_first_of("/ \t@?#") != std::string_view::npos) return false;
  int value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

Status ValidatePrometheusConfigOptions(const PrometheusConfigOptions& o) {
  if (o.job.empty() || o.job.find_first_of("\"\\\n") != std::string::npos) {
    return InvalidArgument("job name '" + o.job + "' must be non-empty without quotes");
  }
  if (!IsHostPort(o.modelwatch_target)) {
    return InvalidArgument("--modelwatch-target '" + o.modelwatch_target + "' must be HOST:PORT");
  }
  if (o.modelwatch_scheme != "http" && o.modelwatch_scheme != "https") {
    return InvalidArgument("modelwatch scheme '" + o.modelwatch_scheme + "' must be http or https");
  }
  if (!o.node_exporter_target.empty() && !IsHostPort(o.node_exporter_target)) {
    return InvalidArgument("--node-exporter-target '" + o.node_exporter_target +
                           "' must be HOST:PORT");
  }
  if (!o.alertmanager_url.empty() && !ParseBaseUrl(o.alertmanager_url)) {
    return InvalidArgument("--alertmanager '" + o.alertmanager_url +
                           "' must be an http(s)://HOST:PORT[/path] URL");
  }
  if (!IsPrometheusDuration(o.scrape_interval)) {
    return InvalidArgument("scrape interval '" + o.scrape_interval + "' is not a duration");
  }
  if (!IsPrometheusDuration(o.evaluation_interval)) {
    return InvalidArgument("evaluation interval '" + o.evaluation_interval + "' is not a duration");
  }
  return Status::Ok();
}

std::string PrometheusConfigYaml(const PrometheusConfigOptions& o) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "scrape_interval" << YAML::Value << o.scrape_interval;
  out << YAML::Key << "evaluation_interval" << YAML::Value << o.evaluation_interval;
  out << YAML::EndMap;

  out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq << o.rule_file << YAML::EndSeq;

  if (!o.alertmanager_url.empty()) {
    const ParsedUrl am = *ParseBaseUrl(o.alertmanager_url);
    out << YAML::Key << "alerting" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "alertmanagers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "scheme" << YAML::Value << am.scheme;
    if (!am.path.empty()) out << YAML::Key << "path_prefix" << YAML::Value << am.path;
    out << YAML::Key << "api_version" << YAML::Value << "v2";
    StaticTargets(out, am.host_port);
    out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  }

  out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap;
  out << YAML::Key << "job_name" << YAML::Value << o.job;
  out << YAML::Key << "metrics_path" << YAML::Value << "/metrics";
  out << YAML::Key << "scheme" << YAML::Value << o.modelwatch_scheme;
  if (!o.bearer_token_file.empty()) {
    out << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << "Bearer";
    out << YAML::Key << "credentials_file" << YAML::Value << o.bearer_token_file;
    out << YAML::EndMap;
  }
  StaticTargets(out, o.modelwatch_target);
  out << YAML::EndMap;
  if (!o.node_exporter_target.empty()) {
    out << YAML::BeginMap;
    out << YAML::Key << "job_name" << YAML::Value << "node-exporter";
    StaticTargets(out, o.node_exporter_target);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return "# Generated by `modelwatch export prometheus`. Relative paths are resolved against this\n"
         "# file's directory.\n" +
         std::string(out.c_str()) + "\n";
}

}  // namespace mw::exporting
