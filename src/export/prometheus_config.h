// prometheus.yml of `modelwatch export prometheus`: scrape jobs for modelwatch and a
// node-exporter, the exported rule file, and the Alertmanager to send alerts to. Relative paths in
// it (rule_files, the scrape token file) are resolved by Prometheus against the directory of
// prometheus.yml, so the export directory can be moved as a whole.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::exporting {

struct PrometheusConfigOptions {
  std::string job = "modelwatch";                       // job_name of the modelwatch scrape
  std::string modelwatch_target = "127.0.0.1:8000";     // HOST:PORT ([v6]:PORT)
  std::string modelwatch_scheme = "http";               // http | https
  std::string node_exporter_target = "127.0.0.1:9100";  // HOST:PORT; empty = no node-exporter job
  // Alertmanager base URL: scheme, HOST:PORT and an optional path prefix
  // ("http://alertmanager:9093", "https://am.example.com/am"); empty = no alerting section.
  std::string alertmanager_url = "http://127.0.0.1:9093";
  std::string scrape_interval = "15s";  // Prometheus durations ("15s", "1m")
  std::string evaluation_interval = "15s";
  std::string rule_file = "rules/modelwatch.rules.yml";  // relative to prometheus.yml
  // With auth enabled, the file (relative to prometheus.yml) holding a bearer token with the read
  // role, sent on every modelwatch scrape; empty = no authorization.
  std::string bearer_token_file;
};

// OK, or kInvalidArgument naming the flag (--modelwatch-target, --node-exporter-target,
// --alertmanager) or value at fault.
Status ValidatePrometheusConfigOptions(const PrometheusConfigOptions& options);

// The YAML text. Precondition: ValidatePrometheusConfigOptions(options).ok().
std::string PrometheusConfigYaml(const PrometheusConfigOptions& options);

// True for HOST:PORT with a non-empty host (no scheme, no path) and a port 1-65535; an IPv6 host
// in brackets.
bool IsHostPort(std::string_view target);

}  // namespace mw::exporting
