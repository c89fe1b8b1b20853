// The maintenance tasks of this program, built from the configuration: the scheduler inside
// `serve` and `modelwatch maintain` get the same list (one Task object per name in
// config::kMaintenanceTaskNames that is built), so both run the same code.
//
// Each area adds its own tasks in its own file (the Add* functions below); the stack calls them
// all, in kMaintenanceTaskNames order once built.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "maintenance/maintenance_metrics.h"
#include "maintenance/runner.h"
#include "maintenance/scheduler.h"
#include "maintenance/task.h"
#include "store/store.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::monitor {
class QualityService;
class Evaluator;
}  // namespace mw::monitor

namespace mw::alerting {
class RuleEngine;
class Outbox;
class NotificationRouter;
}  // namespace mw::alerting

namespace mw::cli {

// What tasks may use. Everything must outlive the tasks. Pointers are null where the process
// has no such part (alerting off; `modelwatch maintain` run without a server has no running
// rule engine or notification sender).
struct MaintenanceDeps {
  const config::Config& config;
  store::Store& store;
  const Clock& clock;
  telemetry::Logger& logger;
  telemetry::Metrics& metrics;  // the registry task metrics go on (health-check gauges)
  monitor::QualityService& quality;
  monitor::Evaluator* evaluator = nullptr;
  alerting::RuleEngine* alert_engine = nullptr;
  alerting::Outbox* outbox = nullptr;
  alerting::NotificationRouter* router = nullptr;
};

using TaskList = std::vector<std::unique_ptr<maintenance::Task>>;

// archive-predictions (maintenance_tasks_archive.cc).
void AddArchiveTasks(const MaintenanceDeps& deps, TaskList& tasks);
// cleanup-logs, retention, vacuum, backup, health-check (maintenance_tasks_housekeeping.cc).
void AddHousekeepingTasks(const MaintenanceDeps& deps, TaskList& tasks);
// check-performance, check-drift-and-retrain, retrain-all, cleanup-model-versions,
// compress-models (maintenance_tasks_models.cc).
void AddModelTasks(const MaintenanceDeps& deps, TaskList& tasks);
// weekly-report, monthly-report (maintenance_tasks_report.cc).
void AddReportTasks(const MaintenanceDeps& deps, TaskList& tasks);

// Every task the Add* functions build, in a Runner (maintenance_stack.cc). `metrics` may be null.
std::unique_ptr<maintenance::Runner> BuildMaintenanceRunner(
    const MaintenanceDeps& deps, maintenance::MaintenanceMetrics* metrics);

// The sets and per-task schedules of the configuration, for maintenance::ResolveSchedules.
// check-drift-and-retrain and retrain-all are left out while no retraining target
// (maintenance.retrain.command or webhook_url) is configured: they could only be refused.
maintenance::ScheduleSpec ScheduleSpecFromConfig(const config::Config::Maintenance& m);

// The tasks of a target of `modelwatch maintain` / POST /v1/maintenance/runs: "daily", "weekly"
// or "monthly" (the set, in its order, without the retraining tasks while no retraining target is
// configured; may be empty), or one task name. nullopt when the target is
// neither a set nor one of config::kMaintenanceTaskNames.
std::optional<std::vector<std::string>> ExpandMaintenanceTarget(
    const config::Config::Maintenance& m, std::string_view target);

}  // namespace mw::cli
