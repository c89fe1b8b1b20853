// modelwatch command line: owns main() and all wiring.
//   modelwatch serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR]
//   modelwatch registry import DIR [--config FILE] [--data-dir DIR]
//   modelwatch simulate [--target URL] [--events N | --duration 60s] [--drift concept ...]
//   modelwatch performance|check-drift --model M [--segment S] [--window 7d] [--json]
//   modelwatch drift-report --reference R.csv --current C.csv [--json]
//   modelwatch rules check FILE [--config FILE] [--set KEY=VALUE]
//   modelwatch rules signals [--json] [--config FILE] [--set KEY=VALUE]
//   modelwatch export prometheus --out DIR [--rules FILE] [--alertmanager URL] [--modelwatch-target
//                            HOST:PORT] [--node-exporter-target HOST:PORT]
//   modelwatch export grafana --out DIR [--datasource-uid prom] [--prometheus-url URL]
//   modelwatch alert test [--channel NAME] [--config FILE]
//   modelwatch version
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration (the message names the
// flag or key and the reason).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/duration.h"
#include "monitor/service.h"

#ifndef MODELWATCH_VERSION
#define MODELWATCH_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "modelwatch: records ML predictions and their ground truth, measures how the API "
      "and the models behave, and exposes it to Prometheus."};
  app.require_subcommand(1);
  app.set_version_flag("--version", MODELWATCH_VERSION);

  mw::cli::CommonOptions common;
  auto add_common = [&common](CLI::App* sub) {
    sub->add_option("--config", common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--data-dir", common.data_dir, "Directory for the database and logs");
    sub->add_option("--set", common.overrides,
                    "Override any configuration key: --set metrics.prefix=iit (repeatable)");
  };

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  add_common(serve);
  serve->add_option("--listen", common.listen, "HOST:PORT to listen on (port 0 = any free port)");

  auto* registry = app.add_subcommand("registry", "Model registry commands");
  registry->require_subcommand(1);
  auto* import = registry->add_subcommand(
      "import", "Import DIR/{model}/{segment}/{version}/metadata.json into the registry");
  add_common(import);
  std::string import_dir;
  import->add_option("DIR", import_dir, "Directory of models")
      ->required()
      ->check(CLI::ExistingDirectory);

  mw::cli::QualityCommandOptions quality;
  auto add_quality = [&quality](CLI::App* sub) {
    sub->add_option("--model", quality.model, "Model name")->required();
    sub->add_option("--segment", quality.segment, "Only this segment (default: every segment)");
    sub->add_option("--version", quality.version, "Only this model version");
    sub->add_option("--window", quality.window, "Window ending now: 15m, 24h, 7d (default 24h)")
        ->check([](const std::string& v) {
          const auto ms = mw::ParseDurationMillis(v);
          return ms && *ms <= mw::monitor::kMaxWindowMillis
                     ? std::string()
                     : "must be a duration like 24h or 7d, of at most 3650d";
        });
    sub->add_option("--server", quality.server, "modelwatch server URL")->capture_default_str();
    sub->add_option("--token", quality.token, "Bearer token (default: $MODELWATCH_TOKEN)");
    sub->add_flag("--json", quality.json, "Print the answer as JSON");
  };
  auto* performance = app.add_subcommand(
      "performance", "Model performance (MAE/RMSE/MAPE/R2 or AUC/F1/...) against training");
  add_quality(performance);
  auto* check_drift = app.add_subcommand(
      "check-drift", "Exit 1 when data drift or performance drift is detected (0: none, 3: error)");
  add_quality(check_drift);
  mw::cli::DriftReportOptions drift_report;
  auto* report = app.add_subcommand(
      "drift-report", "Drift report of a current CSV against a reference CSV (offline)");
  report->add_option("--reference", drift_report.reference, "Reference (training) rows, CSV")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--current", drift_report.current, "Current rows, CSV")
      ->required()
      ->check(CLI::ExistingFile);
  report->add_option("--threads", drift_report.threads, "Worker threads (0 = cores)");
  report->add_flag("--json", drift_report.json, "Every statistic of every feature as JSON");

  auto* rules = app.add_subcommand("rules", "Alert rules commands");
  rules->require_subcommand(1);
  auto* rules_check = rules->add_subcommand(
      "check", "Check an alert rules file: exit 0 when valid, 2 with every problem on stderr");
  std::string rules_file;
  rules_check->add_option("FILE", rules_file, "Rules file (YAML)")->required();
  auto* rules_signals =
      rules->add_subcommand("signals", "List the signals alert conditions can use");
  bool signals_json = false;
  rules_signals->add_flag("--json", signals_json, "Print the catalog as JSON");
  for (CLI::App* sub : {rules_check, rules_signals}) {
    // The segment label and prefix come from the configuration, as for serve.
    sub->add_option("--config", common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--set", common.overrides, "Override a configuration key (repeatable)");
  }

  mw::cli::ExportOptions export_options;
  auto* export_cmd = app.add_subcommand("export", "Files for Prometheus, Grafana and Alertmanager");
  export_cmd->require_subcommand(1);
  auto* export_prometheus = export_cmd->add_subcommand(
      "prometheus", "prometheus.yml, the alert rules as PromQL, and promtool tests for them");
  auto* export_grafana = export_cmd->add_subcommand(
      "grafana", "Grafana provisioning (Prometheus data source) and the modelwatch dashboards");
  for (CLI::App* sub : {export_prometheus, export_grafana}) {
    sub->add_option("--out", export_options.out_dir, "Directory to write the files to")->required();
    sub->add_option("--config", common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--set", common.overrides, "Override a configuration key (repeatable)");
    sub->add_option("--job", export_options.job, "Prometheus job name of the modelwatch scrape")
        ->capture_default_str();
    sub->add_option("--scrape-interval", export_options.scrape_interval,
                    "Prometheus' scrape (and rule evaluation) interval")
        ->capture_default_str();
  }
  export_prometheus
      ->add_option("--rules", export_options.rules_file,
                   "Alert rules file; default: alerting.rules_file, else the shipped rules "
                   "built into the binary")
      ->check(CLI::ExistingFile);
  export_prometheus
      ->add_option("--alertmanager", export_options.alertmanager_url,
                   "Alertmanager base URL, or none")
      ->capture_default_str();
  export_prometheus->add_option("--modelwatch-target", export_options.modelwatch_target,
                                "HOST:PORT Prometheus scrapes (default: server.listen)");
  export_prometheus
      ->add_option("--node-exporter-target", export_options.node_exporter_target,
                   "HOST:PORT of node-exporter, or none")
      ->capture_default_str();
  export_grafana
      ->add_option("--datasource-uid", export_options.datasource_uid,
                   "uid of the Prometheus data source every panel uses")
      ->capture_default_str();
  export_grafana
      ->add_option("--prometheus-url", export_options.prometheus_url,
                   "Prometheus URL as Grafana reaches it")
      ->capture_default_str();
  export_grafana
      ->add_option("--dashboards-path", export_options.dashboards_path,
                   "Where Grafana reads the dashboards (file provider path)")
      ->capture_default_str();

  const mw::cli::SimulateCommand simulate = mw::cli::AddSimulateCommand(app);

  auto* alert = app.add_subcommand("alert", "Alert notification commands");
  alert->require_subcommand(1);
  auto* alert_test = alert->add_subcommand(
      "test", "Send a clearly marked test alert to every notification channel (0: all accepted)");
  add_common(alert_test);
  std::string alert_channel;
  alert_test->add_option("--channel", alert_channel, "Only the channel with this name");

  auto* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // CLI11 answers --help with 0; every real usage error exits 2 per our convention.
    return rc == 0 ? 0 : 2;
  }

  if (version->parsed()) {
    std::cout << "modelwatch " << MODELWATCH_VERSION << "\n";
    return 0;
  }
  if (serve->parsed()) return mw::cli::RunServe(common, MODELWATCH_VERSION);
  if (import->parsed()) return mw::cli::RunRegistryImport(common, import_dir);
  if (simulate.subcommand->parsed()) return mw::cli::RunSimulate(simulate);
  if (performance->parsed()) return mw::cli::RunPerformance(quality);
  if (check_drift->parsed()) return mw::cli::RunCheckDrift(quality);
  if (report->parsed()) return mw::cli::RunDriftReport(drift_report);
  if (rules_check->parsed()) return mw::cli::RunRulesCheck(common, rules_file);
  if (rules_signals->parsed()) return mw::cli::RunRulesSignals(common, signals_json);
  if (export_prometheus->parsed()) return mw::cli::RunExportPrometheus(common, export_options);
  if (export_grafana->parsed()) return mw::cli::RunExportGrafana(common, export_options);
  if (alert_test->parsed()) return mw::cli::RunAlertTest(common, alert_channel);
  return 2;
}
