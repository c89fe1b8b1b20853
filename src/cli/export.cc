// modelwatch export prometheus|grafana --out DIR: configuration for the standard monitoring stack,
// generated from modelwatch's configuration (metric prefix, segment label, listen address, auth)
// and its alert rules file (export/prometheus_export.h, export/grafana.h).
#include <iostream>

#include "alerting/engine/engine.h"
#include "alerting/rules/rules.h"
#include "auth/auth.h"
#include "cli/commands.h"
#include "export/grafana.h"
#include "export/prometheus_export.h"

namespace mw::cli {

namespace {

// Where Prometheus reaches modelwatch when no --modelwatch-target is given: the listen address,
// with a wildcard host replaced by loopback.
std::optional<std::string> TargetFromConfig(const config::Config& config) {
  if (config.server.port == 0) return std::nullopt;
  std::string host = config.server.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "::1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host + ":" + std::to_string(config.server.port);
}

int Write(const std::string& dir, const std::vector<exporting::GeneratedFile>& files) {
  if (Status s = exporting::WriteFiles(dir, files); !s.ok()) {
    std::cerr << "modelwatch: " << s.message() << "\n";
    return 1;
  }
  for (const auto& f : files) std::cout << dir << "/" << f.path << "\n";
  return 0;
}

}  // namespace

int RunExportPrometheus(const CommonOptions& common, const ExportOptions& options) {
  const auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  // The rules: --rules FILE, else the configured alerting.rules_file, else the shipped rules
  // compiled into the binary — the same set the built-in engine evaluates.
  const std::string rules_file =
      !options.rules_file.empty() ? options.rules_file : config->alerting.rules_file;
  const alerting::RuleOptions rule_options{config->metrics.segment_label};
  std::vector<alerting::RuleError> errors;
  auto rules = rules_file.empty()
                   ? alerting::LoadRules(alerting::DefaultRulesYaml(), "<built-in default rules>",
                                         rule_options, &errors)
                   : alerting::LoadRulesFile(rules_file, rule_options, &errors);
  if (!rules) {
    if (errors.empty()) std::cerr << "modelwatch: " << rules.error().message() << "\n";
    for (const auto& e : errors) {
      std::cerr << alerting::FormatRuleError(rules_file.empty() ? "<built-in>" : rules_file, e)
                << "\n";
    }
    return 2;
  }

  exporting::PrometheusExportOptions o;
  o.prefix = config->metrics.prefix;
  o.segment_label = config->metrics.segment_label;
  o.config.job = options.job;
  o.config.scrape_interval = options.scrape_interval;
  o.config.evaluation_interval = options.scrape_interval;
  o.config.alertmanager_url = options.alertmanager_url == "none" ? "" : options.alertmanager_url;
  o.config.node_exporter_target =
      options.node_exporter_target == "none" ? "" : options.node_exporter_target;
  if (!options.modelwatch_target.empty()) {
    o.config.modelwatch_target = options.modelwatch_target;
  } else if (auto target = TargetFromConfig(*config)) {
    o.config.modelwatch_target = *target;
  } else {
    std::cerr << "modelwatch: export prometheus: server.port is 0 (any free port): pass "
                 "--modelwatch-target HOST:PORT\n";
    return 2;
  }
  if (!config->auth.tokens.empty()) {
    for (const config::ApiToken& t : config->auth.tokens) {
      if (auth::Allows(t, config::Role::kRead)) {
        o.bearer_token = t.token;
        std::cerr << "modelwatch: auth is enabled: Prometheus scrapes with token '" << t.name
                  << "' (written to " << options.out_dir << "/modelwatch.token, mode 0600)\n";
        break;
      }
    }
    if (o.bearer_token.empty()) {
      std::cerr << "modelwatch: warning: auth is enabled but no token has the read role; "
                   "Prometheus' scrapes will be refused\n";
    }
  }

  auto exported = exporting::PrometheusFiles(*rules, o);
  if (!exported) {
    std::cerr << "modelwatch: export prometheus: " << exported.error().message() << "\n";
    return 2;
  }
  for (const std::string& w : exported->warnings) {
    std::cerr << "modelwatch: warning: no promtool case for " << w << "\n";
  }
  return Write(options.out_dir, exported->files);
}

int RunExportGrafana(const CommonOptions& common, const ExportOptions& options) {
  const auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  exporting::GrafanaOptions o;
  o.prefix = config->metrics.prefix;
  o.segment_label = config->metrics.segment_label;
  o.job = options.job;
  o.datasource_uid = options.datasource_uid;
  o.prometheus_url = options.prometheus_url;
  o.scrape_interval = options.scrape_interval;
  o.dashboards_path = options.dashboards_path;
  auto files = exporting::GrafanaFiles(o);
  if (!files) {
    std::cerr << "modelwatch: export grafana: " << files.error().message() << "\n";
    return 2;
  }
  return Write(options.out_dir, *files);
}

}  // namespace mw::cli
