// Subcommand implementations; main.cc parses flags and dispatches here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace mw::cli {

struct CommonOptions {
  std::string config_file;
  std::string data_dir;
  std::string listen;
  std::vector<std::string> overrides;  // "key=value"
};

// Loads the configuration from file, environment and flags. On error prints every problem to
// stderr ("config error: <key>: <reason>") and returns nullopt (the caller exits 2).
std::optional<config::Config> LoadConfigOrReport(const CommonOptions& options);

int RunServe(const CommonOptions& options, const std::string& version);

// performance / check-drift (quality_commands.cc): ask a running server.
struct QualityCommandOptions {
  std::string server = "http://127.0.0.1:8000";
  std::string token;  // default: $MODELWATCH_TOKEN
  std::string model, segment, version, window;
  bool json = false;
};
int RunPerformance(const QualityCommandOptions& options);
// Exit 0: no drift; 1: drift detected (data drift or performance drift); 3: could not check.
int RunCheckDrift(const QualityCommandOptions& options);

// report (report.cc): one weekly or monthly performance report written to `out`, asked of a
// running server, else rendered from the data directory.
struct ReportCommandOptions {
  std::string model, period = "weekly", end, out, format = "html";
  std::string server;  // default: the configured server.host:server.port
  std::string token;   // default: $MODELWATCH_TOKEN
};
int RunReport(const CommonOptions& common, const ReportCommandOptions& options);

// drift-report: the drift report of two CSV files, offline (the drift benchmark uses it).
struct DriftReportOptions {
  std::string reference, current;
  bool json = false;
  int threads = 0;
};
int RunDriftReport(const DriftReportOptions& options);
int RunRegistryImport(const CommonOptions& options, const std::string& dir);
// archive restore (archive_restore.cc): loads archive files of archive-predictions back.
int RunArchiveRestore(const CommonOptions& options, const std::vector<std::string>& files);

// simulate (simulate.cc): realistic traffic for a running server. It registers its own flags
// (many, and only it uses them); the command must outlive parsing.
struct SimulateFlags;
struct SimulateCommand {
  CLI::App* subcommand = nullptr;
  std::shared_ptr<SimulateFlags> flags;
};
SimulateCommand AddSimulateCommand(CLI::App& app);
// Exit 0 done, 1 a request failed or the server was unreachable, 2 bad usage.
int RunSimulate(const SimulateCommand& command);

// rules check / rules signals (rules_check.cc). The configuration gives the segment label and
// the prefix. check: 0 valid (a summary on stdout), 2 invalid or unreadable (every problem as
// "file:line: reason" on stderr). signals: the signal catalog, as text or JSON.
int RunRulesCheck(const CommonOptions& options, const std::string& file);
int RunRulesSignals(const CommonOptions& options, bool json);

// export prometheus / export grafana (export.cc): monitoring-stack files generated from the
// configuration and the alert rules. 0 written, 1 a file could not be written, 2 bad usage,
// configuration or rules.
struct ExportOptions {
  std::string out_dir;
  std::string rules_file;          // prometheus: the alert rules file
  std::string job = "modelwatch";  // Prometheus job scraping modelwatch
  std::string scrape_interval = "15s";
  std::string modelwatch_target;                           // default: server.host:server.port
  std::string node_exporter_target = "127.0.0.1:9100";     // "none": no node-exporter job
  std::string alertmanager_url = "http://127.0.0.1:9093";  // "none": no alerting section
  std::string datasource_uid = "prom";                     // grafana
  std::string prometheus_url = "http://127.0.0.1:9090";    // grafana: the data source URL
  std::string dashboards_path = "/var/lib/grafana/dashboards/modelwatch";  // grafana provider
};
int RunExportPrometheus(const CommonOptions& common, const ExportOptions& options);
int RunExportGrafana(const CommonOptions& common, const ExportOptions& options);

// maintain (maintain.cc): modelwatch maintain daily|weekly|monthly|TASK [--dry-run] [--server URL]
// [--token T] [--config/--data-dir/--set]. Asks the server holding the data directory (or
// --server) to run the tasks, else takes the directory's lock and runs them here. Exit 0 every run
// succeeded, 1 a run failed or was refused (or the server was unreachable), 2 bad usage.
struct MaintainFlags;
struct MaintainCommand {
  CLI::App* subcommand = nullptr;
  std::shared_ptr<MaintainFlags> flags;
};
MaintainCommand AddMaintainCommand(CLI::App& app);
int RunMaintain(const MaintainCommand& command);

// alert test (send_test_alert.cc): a test alert to every notification channel, or only_channel.
// 0 every channel accepted it, 1 one did not, 2 bad usage or configuration.
int RunSendTestAlert(const CommonOptions& options, const std::string& only_channel);

// backup restore (backup_restore.cc): a backup directory back into the data directory. 0
// restored, 1 refused (a server runs, the backup does not verify) or failed, 2 bad usage.
struct BackupRestoreOptions {
  CommonOptions common;
  std::string dir;
};
struct BackupCommand {
  CLI::App* restore = nullptr;
  std::shared_ptr<BackupRestoreOptions> options;
};
BackupCommand AddBackupCommand(CLI::App& app);
int RunBackupRestore(const BackupCommand& command);

}  // namespace mw::cli
