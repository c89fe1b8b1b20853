// Scheduler: the thread inside `serve` that runs maintenance tasks at their cron times, through
// the Runner (trigger "schedule").
//
// Which tasks run when (ResolveSchedules, pure): a task's schedule is its entry in
// maintenance.schedules when there is one, else the cron of the set (daily, weekly, monthly)
// that lists it; a task in no set and without an entry is not scheduled. Several tasks due at
// the same time run one after another on the scheduler's thread, in set order (the daily set's
// tasks in their order, then weekly, then monthly, then tasks scheduled only by their own entry,
// by name).
//
// Missed runs are not caught up: at start each task's next time is the first cron time after
// now, and after a run the next one after the run's start; a run missed while the server was
// down (or while an earlier task ran long) is skipped, and the default rule
// MaintenanceTaskOverdue tells the operator when a task has not succeeded for twice its period.
//
// Thread-safety: Start and Stop from one thread; RunDue and NextRun from any thread (tests call
// RunDue directly with a FakeClock instead of starting the thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/cron.h"
#include "common/status.h"
#include "maintenance/maintenance_metrics.h"
#include "maintenance/runner.h"
#include "telemetry/logging.h"

namespace mw::maintenance {

struct TaskSet {
  std::string name;  // "daily" | "weekly" | "monthly"
  std::string cron;
  std::vector<std::string> tasks;
};

struct ScheduleSpec {
  std::vector<TaskSet> sets;                     // in set order
  std::map<std::string, std::string> overrides;  // task -> cron (maintenance.schedules)
};

struct ScheduledTask {
  std::string task;
  CronSchedule schedule;
  std::string source;  // the set's name, or "schedules" for an own entry
};

// Every scheduled task in run order (see above). kInvalidArgument naming the set or task whose
// cron does not parse (config validation has checked them already).
Result<std::vector<ScheduledTask>> ResolveSchedules(const ScheduleSpec& spec);

// The gap between the first two cron times after `unix_seconds`; nullopt when the schedule
// never runs.
std::optional<int64_t> PeriodSeconds(const CronSchedule& schedule, int64_t unix_seconds);

class Scheduler {
 public:
  // Tasks the runner does not know are dropped (logged once). Sets each task's period metric.
  // Everything must outlive the Scheduler; `metrics` may be null.
  Scheduler(Runner& runner, const Clock& clock, std::vector<ScheduledTask> tasks,
            telemetry::Logger& logger, MaintenanceMetrics* metrics);
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void Start();
  // Sets the cancel flag (a running task stops between units of work), wakes the thread and
  // joins it. Idempotent.
  void Stop();

  // Refreshes the seconds-since-success gauges, then runs, in order, every task whose next time
  // is at or before now_ms, moving each one's next time past now. Returns the names of the tasks
  // run.
  std::vector<std::string> RunDue(int64_t now_ms);

  // The task's next scheduled time (ms), nullopt when it is not scheduled.
  std::optional<int64_t> NextRun(std::string_view task) const;

  const std::vector<ScheduledTask>& tasks() const { return tasks_; }

 private:
  void Loop();

  Runner& runner_;
  const Clock& clock_;
  telemetry::Logger& logger_;
  MaintenanceMetrics* metrics_;
  std::vector<ScheduledTask> tasks_;
  mutable std::mutex mutex_;
  std::map<std::string, int64_t, std::less<>> next_ms_;  // guarded by mutex_
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace mw::maintenance
