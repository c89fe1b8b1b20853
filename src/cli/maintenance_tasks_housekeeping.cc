// cleanup-logs, retention, vacuum, backup, health-check: Config -> task options.
#include <filesystem>

#include "cli/maintenance_stack.h"
#include "maintenance/backup_task.h"
#include "maintenance/cleanup_logs_task.h"
#include "maintenance/health_check_task.h"
#include "maintenance/retention_task.h"
#include "maintenance/vacuum_task.h"

namespace mw::cli {
namespace {

namespace fs = std::filesystem;

// Every configured receiver whose host health-check should reach, and Redis.
std::vector<maintenance::HealthEndpoint> HealthEndpoints(const config::Config& config) {
  std::vector<maintenance::HealthEndpoint> out;
  for (const config::Config::AlertChannel& c : config.alerting.channels) {
    if (!c.url.empty()) out.push_back({"channel:" + c.name, c.url});
    if (!c.smtp_url.empty()) out.push_back({"channel:" + c.name, c.smtp_url});
  }
  if (!config.redis.url.empty()) out.push_back({"redis", config.redis.url});
  if (config.proxy.cache.backend == "redis" && !config.proxy.cache.redis_url.empty()) {
    out.push_back({"proxy_cache_redis", config.proxy.cache.redis_url});
  }
  return out;
}

}  // namespace

void AddHousekeepingTasks(const MaintenanceDeps& deps, TaskList& tasks) {
  const config::Config& config = deps.config;
  const fs::path data_dir = config.storage.data_dir;
  const std::string alerts_db = (data_dir / "alerts.db").string();
  const std::string outbox_db = (data_dir / "outbox.db").string();

  maintenance::CleanupLogsOptions logs;
  logs.log_dir = config.LogDir();
  logs.app_days = config.logging.app_retention_days;
  logs.audit_days = config.logging.audit_retention_days;
  tasks.push_back(std::make_unique<maintenance::CleanupLogsTask>(logs));

  maintenance::RetentionOptions retention;
  retention.snapshot_days = config.maintenance.snapshot_retention_days;
  retention.alert_history_days = config.alerting.history_retention_days;
  retention.outbox_days = config.maintenance.outbox_retention_days;
  tasks.push_back(std::make_unique<maintenance::RetentionTask>(deps.store, deps.alert_engine,
                                                               deps.outbox, retention));

  maintenance::VacuumOptions vacuum;
  vacuum.store_db_path = (data_dir / "modelwatch.db").string();
  vacuum.alerts_db_path = alerts_db;
  vacuum.outbox_db_path = outbox_db;
  tasks.push_back(std::make_unique<maintenance::VacuumTask>(deps.store, vacuum));

  maintenance::BackupTaskOptions backup;
  backup.backup_dir = config.BackupDir();
  backup.keep = config.maintenance.backup_keep;
  backup.alerts_db_path = alerts_db;
  backup.outbox_db_path = outbox_db;
  backup.models_dir = config.maintenance.models_dir;
  backup.min_free_bytes = config.storage.min_free_bytes;
  tasks.push_back(std::make_unique<maintenance::BackupTask>(deps.store, backup));

  maintenance::HealthCheckOptions health;
  health.data_dir = config.storage.data_dir;
  health.min_free_bytes = config.storage.min_free_bytes;
  health.endpoints = HealthEndpoints(config);
  tasks.push_back(std::make_unique<maintenance::HealthCheckTask>(
      deps.store, deps.metrics.registry(), std::move(health)));
}

}  // namespace mw::cli
