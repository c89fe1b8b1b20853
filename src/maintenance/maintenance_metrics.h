// The maintenance runs' own metrics (modelwatch's namespace, never metrics.prefix), all labelled
// {task}:
//   modelwatch_maintenance_runs_total{task,status}            counter, every finished run (dry
//                                                             runs too); status succeeded |
//                                                             failed | refused
//   modelwatch_maintenance_last_success_timestamp_seconds     gauge, end of the newest succeeded
//                                                             run that was not a dry run; loaded
//                                                             from the store at start-up
//   modelwatch_maintenance_last_run_duration_seconds          gauge, the newest finished run
//   modelwatch_maintenance_last_run_failed                    gauge, 1 when the newest run that
//                                                             was not a dry run failed or was
//                                                             refused, else 0
//   modelwatch_maintenance_running                            gauge, 1 while a run is in progress
//   modelwatch_maintenance_period_seconds                     gauge, the gap between the task's
//                                                             next two scheduled times; scheduled
//                                                             tasks only
//   modelwatch_maintenance_seconds_since_success              gauge, now - the newest success
//                                                             (or - the server's start when the
//                                                             task never succeeded); scheduled
//                                                             tasks only, refreshed by the
//                                                             scheduler about once a second (not
//                                                             while it runs a task)
// The default rules MaintenanceTaskFailed and MaintenanceTaskOverdue read them.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "store/store.h"
#include "telemetry/series_cache.h"

namespace mw::maintenance {

class MaintenanceMetrics {
 public:
  // Registers the families on `registry`, which must outlive this.
  explicit MaintenanceMetrics(prometheus::Registry& registry);

  // Sets last_success (and last_run_failed = 0 / 1) from the store's newest runs of `task`, so a
  // restart does not reset them; no series when the task never ran.
  void Restore(std::string_view task, const store::Store& store);
  void SetRunning(std::string_view task, bool running);
  // A finished run (status succeeded / failed / refused).
  void RecordFinished(const store::MaintenanceRun& run, double duration_seconds);
  void SetPeriod(std::string_view task, double seconds);
  // Exports seconds_since_success for `task` from now on, counting from `start_ms` until the
  // task's first known success.
  void Track(std::string_view task, int64_t start_ms);
  // Sets seconds_since_success of every tracked task as of now_ms.
  void Refresh(int64_t now_ms);

 private:
  prometheus::Gauge& TaskGauge(prometheus::Family<prometheus::Gauge>& family,
                               telemetry::SeriesCache<prometheus::Gauge*>& cache,
                               std::string_view task);

  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Gauge>& duration_;
  prometheus::Family<prometheus::Gauge>& failed_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& period_;
  prometheus::Family<prometheus::Gauge>& since_success_;
  telemetry::SeriesCache<prometheus::Counter*> runs_series_;
  telemetry::SeriesCache<prometheus::Gauge*> last_success_series_, duration_series_, failed_series_,
      running_series_, period_series_, since_series_;
  std::mutex mutex_;
  std::map<std::string, int64_t, std::less<>> last_success_ms_;  // guarded by mutex_
  std::map<std::string, int64_t, std::less<>> tracked_;          // task -> start; mutex_
};

}  // namespace mw::maintenance
