// modelwatch command line: owns main() and all wiring.
//   modelwatch serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR]
//   modelwatch registry import DIR [--config FILE] [--data-dir DIR]
//   modelwatch archive restore FILE [FILE...] [--config FILE] [--data-dir DIR]
//   modelwatch simulate [--target URL] [--events N | --duration 60s] [--drift concept ...]
//   modelwatch performance|check-drift --model M [--segment S] [--window 7d] [--json]
//   modelwatch drift-report --reference R.csv --current C.csv [--json]
//   modelwatch report --model M --period weekly|monthly [--end YYYY-MM-DD] --out FILE
//                     [--format html|md] [--server URL]
//   modelwatch rules check FILE [--config FILE] [--set KEY=VALUE]
//   modelwatch rules signals [--json] [--config FILE] [--set KEY=VALUE]
//   modelwatch export prometheus --out DIR [--rules FILE] [--alertmanager URL] [--modelwatch-target
//                            HOST:PORT] [--node-exporter-target HOST:PORT]
//   modelwatch export grafana --out DIR [--datasource-uid prom] [--prometheus-url URL]
//   modelwatch maintain daily|weekly|monthly|TASK [--dry-run] [--server URL] [--config FILE]
//   modelwatch alert test [--channel NAME] [--config FILE]
//   modelwatch backup restore DIR [--config FILE] [--data-dir DIR]
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

namespace {

using mw::cli::CommonOptions;

// Where the parsed options land, and the subcommands main dispatches on. Built in place and
// never moved: CLI11 keeps pointers to the fields.
struct CommandLine {
  CommonOptions common;
  std::string import_dir;
  std::vector<std::string> restore_files;
  mw::cli::QualityCommandOptions quality;
  mw::cli::DriftReportOptions drift_report;
  mw::cli::ReportCommandOptions model_report;
  std::string rules_file;
  bool signals_json = false;
  mw::cli::ExportOptions export_options;
  mw::cli::SimulateCommand simulate;
  mw::cli::MaintainCommand maintain;
  std::string alert_channel;
  mw::cli::BackupCommand backup;

  CLI::App* serve = nullptr;
  CLI::App* import = nullptr;
  CLI::App* archive_restore = nullptr;
  CLI::App* performance = nullptr;
  CLI::App* check_drift = nullptr;
  CLI::App* report = nullptr;
  CLI::App* model_report_cmd = nullptr;
  CLI::App* rules_check = nullptr;
  CLI::App* rules_signals = nullptr;
  CLI::App* export_prometheus = nullptr;
  CLI::App* export_grafana = nullptr;
  CLI::App* test_alert = nullptr;
  CLI::App* version = nullptr;
};

// --config, --data-dir and --set, shared by the commands that read the configuration.
void AddCommonOptions(CLI::App* sub, CommonOptions& common) {
  sub->add_option("--config", common.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  sub->add_option("--data-dir", common.data_dir, "Directory for the database and logs");
  sub->add_option("--set", common.overrides,
                  "Override any configuration key: --set metrics.prefix=iit (repeatable)");
}

// serve; registry import.
void AddServerCommands(CLI::App& app, CommandLine& c) {
  c.serve = app.add_subcommand("serve", "Run the HTTP server");
  AddCommonOptions(c.serve, c.common);
  c.serve->add_option("--listen", c.common.listen,
                      "HOST:PORT to listen on (port 0 = any free port)");

  auto* registry = app.add_subcommand("registry", "Model registry commands");
  registry->require_subcommand(1);
  c.import = registry->add_subcommand(
      "import", "Import DIR/{model}/{segment}/{version}/metadata.json into the registry");
  AddCommonOptions(c.import, c.common);
  c.import->add_option("DIR", c.import_dir, "Directory of models")
      ->required()
      ->check(CLI::ExistingDirectory);

  auto* archive = app.add_subcommand("archive", "Prediction archive commands");
  archive->require_subcommand(1);
  c.archive_restore = archive->add_subcommand(
      "restore", "Load archive files of archive-predictions back into the store (server stopped)");
  AddCommonOptions(c.archive_restore, c.common);
  c.archive_restore->add_option("FILE", c.restore_files, "Archive files (*.ndjson.zst)")
      ->required()
      ->check(CLI::ExistingFile);
}

// The options of performance and check-drift, which ask a running server.
void AddQualityOptions(CLI::App* sub, mw::cli::QualityCommandOptions& quality) {
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
}

// performance, check-drift, drift-report.
void AddQualityCommands(CLI::App& app, CommandLine& c) {
  c.performance = app.add_subcommand(
      "performance", "Model performance (MAE/RMSE/MAPE/R2 or AUC/F1/...) against training");
  AddQualityOptions(c.performance, c.quality);
  c.check_drift = app.add_subcommand(
      "check-drift", "Exit 1 when data drift or performance drift is detected (0: none, 3: error)");
  AddQualityOptions(c.check_drift, c.quality);
  c.report = app.add_subcommand("drift-report",
                                "Drift report of a current CSV against a reference CSV (offline)");
  c.report->add_option("--reference", c.drift_report.reference, "Reference (training) rows, CSV")
      ->required()
      ->check(CLI::ExistingFile);
  c.report->add_option("--current", c.drift_report.current, "Current rows, CSV")
      ->required()
      ->check(CLI::ExistingFile);
  c.report->add_option("--threads", c.drift_report.threads, "Worker threads (0 = cores)");
  c.report->add_flag("--json", c.drift_report.json, "Every statistic of every feature as JSON");
}

// rules check, rules signals.
void AddRulesCommands(CLI::App& app, CommandLine& c) {
  auto* rules = app.add_subcommand("rules", "Alert rules commands");
  rules->require_subcommand(1);
  c.rules_check = rules->add_subcommand(
      "check", "Check an alert rules file: exit 0 when valid, 2 with every problem on stderr");
  c.rules_check->add_option("FILE", c.rules_file, "Rules file (YAML)")->required();
  c.rules_signals = rules->add_subcommand("signals", "List the signals alert conditions can use");
  c.rules_signals->add_flag("--json", c.signals_json, "Print the catalog as JSON");
  for (CLI::App* sub : {c.rules_check, c.rules_signals}) {
    // The segment label and prefix come from the configuration, as for serve.
    sub->add_option("--config", c.common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--set", c.common.overrides, "Override a configuration key (repeatable)");
  }
}

// export prometheus, export grafana.
void AddExportCommands(CLI::App& app, CommandLine& c) {
  auto* export_cmd = app.add_subcommand("export", "Files for Prometheus, Grafana and Alertmanager");
  export_cmd->require_subcommand(1);
  c.export_prometheus = export_cmd->add_subcommand(
      "prometheus", "prometheus.yml, the alert rules as PromQL, and promtool tests for them");
  c.export_grafana = export_cmd->add_subcommand(
      "grafana", "Grafana provisioning (Prometheus data source) and the modelwatch dashboards");
  for (CLI::App* sub : {c.export_prometheus, c.export_grafana}) {
    sub->add_option("--out", c.export_options.out_dir, "Directory to write the files to")
        ->required();
    sub->add_option("--config", c.common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--set", c.common.overrides, "Override a configuration key (repeatable)");
    sub->add_option("--job", c.export_options.job, "Prometheus job name of the modelwatch scrape")
        ->capture_default_str();
    sub->add_option("--scrape-interval", c.export_options.scrape_interval,
                    "Prometheus' scrape (and rule evaluation) interval")
        ->capture_default_str();
  }
  c.export_prometheus
      ->add_option("--rules", c.export_options.rules_file,
                   "Alert rules file; default: alerting.rules_file, else the shipped rules "
                   "built into the binary")
      ->check(CLI::ExistingFile);
  c.export_prometheus
      ->add_option("--alertmanager", c.export_options.alertmanager_url,
                   "Alertmanager base URL, or none")
      ->capture_default_str();
  c.export_prometheus->add_option("--modelwatch-target", c.export_options.modelwatch_target,
                                  "HOST:PORT Prometheus scrapes (default: server.listen)");
  c.export_prometheus
      ->add_option("--node-exporter-target", c.export_options.node_exporter_target,
                   "HOST:PORT of node-exporter, or none")
      ->capture_default_str();
  c.export_grafana
      ->add_option("--datasource-uid", c.export_options.datasource_uid,
                   "uid of the Prometheus data source every panel uses")
      ->capture_default_str();
  c.export_grafana
      ->add_option("--prometheus-url", c.export_options.prometheus_url,
                   "Prometheus URL as Grafana reaches it")
      ->capture_default_str();
  c.export_grafana
      ->add_option("--dashboards-path", c.export_options.dashboards_path,
                   "Where Grafana reads the dashboards (file provider path)")
      ->capture_default_str();
}

// report: a weekly or monthly performance report to a file.
void AddReportCommand(CLI::App& app, CommandLine& c) {
  auto& o = c.model_report;
  c.model_report_cmd = app.add_subcommand(
      "report", "Write a weekly or monthly performance report (HTML or Markdown) of one model");
  AddCommonOptions(c.model_report_cmd, c.common);
  c.model_report_cmd->add_option("--model", o.model, "Model name")->required();
  c.model_report_cmd->add_option("--period", o.period, "weekly or monthly")->capture_default_str();
  c.model_report_cmd->add_option(
      "--end", o.end,
      "The period ends at 00:00 UTC of this day YYYY-MM-DD (default: the last full one)");
  c.model_report_cmd->add_option("--out", o.out, "Output file")->required();
  c.model_report_cmd->add_option("--format", o.format, "html or md")->capture_default_str();
  c.model_report_cmd->add_option("--server", o.server,
                                 "Server to ask (default: the configured listen address)");
  c.model_report_cmd->add_option("--token", o.token, "Bearer token (default: $MODELWATCH_TOKEN)");
}

// alert test; version.
void AddAlertAndVersionCommands(CLI::App& app, CommandLine& c) {
  auto* alert = app.add_subcommand("alert", "Alert notification commands");
  alert->require_subcommand(1);
  c.test_alert = alert->add_subcommand(
      "test", "Send a clearly marked test alert to every notification channel (0: all accepted)");
  AddCommonOptions(c.test_alert, c.common);
  c.test_alert->add_option("--channel", c.alert_channel, "Only the channel with this name");

  c.version = app.add_subcommand("version", "Print the version");
}

// Runs the one parsed subcommand; its exit code.
int Dispatch(const CommandLine& c) {
  if (c.version->parsed()) {
    std::cout << "modelwatch " << MODELWATCH_VERSION << "\n";
    return 0;
  }
  if (c.serve->parsed()) return mw::cli::RunServe(c.common, MODELWATCH_VERSION);
  if (c.import->parsed()) return mw::cli::RunRegistryImport(c.common, c.import_dir);
  if (c.archive_restore->parsed()) return mw::cli::RunArchiveRestore(c.common, c.restore_files);
  if (c.simulate.subcommand->parsed()) return mw::cli::RunSimulate(c.simulate);
  if (c.maintain.subcommand->parsed()) return mw::cli::RunMaintain(c.maintain);
  if (c.performance->parsed()) return mw::cli::RunPerformance(c.quality);
  if (c.check_drift->parsed()) return mw::cli::RunCheckDrift(c.quality);
  if (c.report->parsed()) return mw::cli::RunDriftReport(c.drift_report);
  if (c.model_report_cmd->parsed()) return mw::cli::RunReport(c.common, c.model_report);
  if (c.rules_check->parsed()) return mw::cli::RunRulesCheck(c.common, c.rules_file);
  if (c.rules_signals->parsed()) return mw::cli::RunRulesSignals(c.common, c.signals_json);
  if (c.export_prometheus->parsed())
    return mw::cli::RunExportPrometheus(c.common, c.export_options);
  if (c.export_grafana->parsed()) return mw::cli::RunExportGrafana(c.common, c.export_options);
  if (c.test_alert->parsed()) return mw::cli::RunSendTestAlert(c.common, c.alert_channel);
  if (c.backup.restore->parsed()) return mw::cli::RunBackupRestore(c.backup);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "modelwatch: records ML predictions and their ground truth, measures how the API "
      "and the models behave, and exposes it to Prometheus."};
  app.require_subcommand(1);
  app.set_version_flag("--version", MODELWATCH_VERSION);

  // The order of the subcommands is the order of --help.
  CommandLine commands;
  AddServerCommands(app, commands);
  AddQualityCommands(app, commands);
  AddRulesCommands(app, commands);
  AddExportCommands(app, commands);
  AddReportCommand(app, commands);
  commands.simulate = mw::cli::AddSimulateCommand(app);
  commands.maintain = mw::cli::AddMaintainCommand(app);
  commands.backup = mw::cli::AddBackupCommand(app);
  AddAlertAndVersionCommands(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // CLI11 answers --help with 0; every real usage error exits 2 per our convention.
    return rc == 0 ? 0 : 2;
  }
  return Dispatch(commands);
}
