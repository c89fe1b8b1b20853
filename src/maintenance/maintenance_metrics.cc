#include "maintenance/maintenance_metrics.h"

#include <algorithm>
#include <string>

namespace mw::maintenance {

MaintenanceMetrics::MaintenanceMetrics(prometheus::Registry& registry)
    : runs_(prometheus::BuildCounter()
                .Name("modelwatch_maintenance_runs_total")
                .Help("Finished maintenance runs by task and status (succeeded, failed, refused); "
                      "dry runs included.")
                .Register(registry)),
      last_success_(prometheus::BuildGauge()
                        .Name("modelwatch_maintenance_last_success_timestamp_seconds")
                        .Help("When the newest successful run of the task (not a dry run) ended, "
                              "Unix seconds.")
                        .Register(registry)),
      duration_(prometheus::BuildGauge()
                    .Name("modelwatch_maintenance_last_run_duration_seconds")
                    .Help("How long the newest finished run of the task took.")
                    .Register(registry)),
      failed_(prometheus::BuildGauge()
                  .Name("modelwatch_maintenance_last_run_failed")
                  .Help("1 when the newest run of the task (not a dry run) failed or was refused, "
                        "else 0.")
                  .Register(registry)),
      running_(prometheus::BuildGauge()
                   .Name("modelwatch_maintenance_running")
                   .Help("1 while a run of the task is in progress.")
                   .Register(registry)),
      period_(prometheus::BuildGauge()
                  .Name("modelwatch_maintenance_period_seconds")
                  .Help("The task's schedule period: seconds between its next two scheduled runs "
                        "(scheduled tasks only).")
                  .Register(registry)),
      since_success_(prometheus::BuildGauge()
                         .Name("modelwatch_maintenance_seconds_since_success")
                         .Help("Seconds since the scheduled task last succeeded (not a dry run); "
                               "since the server started when it never did.")
                         .Register(registry)) {}

prometheus::Gauge& MaintenanceMetrics::TaskGauge(prometheus::Family<prometheus::Gauge>& family,
                                                 telemetry::SeriesCache<prometheus::Gauge*>& cache,
                                                 std::string_view task) {
  return *cache.Get({task}, [&] { return &family.Add({{"task", std::string(task)}}); });
}

void MaintenanceMetrics::Restore(std::string_view task, const store::Store& store) {
  store::MaintenanceRunQuery success;
  success.task = std::string(task);
  success.status = "succeeded";
  success.limit = 20;  // skip the dry runs among the newest successes
  if (auto runs = store.ListMaintenanceRuns(success); runs.has_value()) {
    for (const store::MaintenanceRun& run : *runs) {
      if (run.dry_run || !run.finished_at_ms) continue;
      TaskGauge(last_success_, last_success_series_, task)
          .Set(static_cast<double>(*run.finished_at_ms) / 1000);
      std::lock_guard lock(mutex_);
      last_success_ms_[std::string(task)] = *run.finished_at_ms;
      break;
    }
  }
  store::MaintenanceRunQuery newest;
  newest.task = std::string(task);
  newest.limit = 20;
  if (auto runs = store.ListMaintenanceRuns(newest); runs.has_value()) {
    for (const store::MaintenanceRun& run : *runs) {
      if (run.dry_run || run.status == "running" || run.status == "abandoned") continue;
      TaskGauge(failed_, failed_series_, task)
          .Set(run.status == "failed" || run.status == "refused" ? 1 : 0);
      break;
    }
  }
}

void MaintenanceMetrics::SetRunning(std::string_view task, bool running) {
  TaskGauge(running_, running_series_, task).Set(running ? 1 : 0);
}

void MaintenanceMetrics::RecordFinished(const store::MaintenanceRun& run, double duration_seconds) {
  runs_series_
      .Get({run.task, run.status},
           [&] {
             return &runs_.Add({{"task", run.task}, {"status", run.status}});
           })
      ->Increment();
  TaskGauge(duration_, duration_series_, run.task).Set(duration_seconds);
  if (run.dry_run) return;
  TaskGauge(failed_, failed_series_, run.task)
      .Set(run.status == "failed" || run.status == "refused" ? 1 : 0);
  if (run.status == "succeeded" && run.finished_at_ms) {
    TaskGauge(last_success_, last_success_series_, run.task)
        .Set(static_cast<double>(*run.finished_at_ms) / 1000);
    std::lock_guard lock(mutex_);
    last_success_ms_[run.task] = *run.finished_at_ms;
    if (tracked_.count(run.task) > 0) TaskGauge(since_success_, since_series_, run.task).Set(0);
  }
}

void MaintenanceMetrics::SetPeriod(std::string_view task, double seconds) {
  TaskGauge(period_, period_series_, task).Set(seconds);
}

void MaintenanceMetrics::Track(std::string_view task, int64_t start_ms) {
  std::lock_guard lock(mutex_);
  tracked_[std::string(task)] = start_ms;
}

void MaintenanceMetrics::Refresh(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  for (const auto& [task, start_ms] : tracked_) {
    auto success = last_success_ms_.find(task);
    const int64_t since = success != last_success_ms_.end() ? success->second : start_ms;
    TaskGauge(since_success_, since_series_, task)
        .Set(static_cast<double>(std::max<int64_t>(now_ms - since, 0)) / 1000);
  }
}

}  // namespace mw::maintenance
