// Maintenance inside `serve`: the task Runner (the same tasks `modelwatch maintain` builds), its
// metrics, the Scheduler (when maintenance.enabled), and the worker thread that runs the tasks
// the API asks for.
//
// Stop before the store closes: it stops the scheduler and sets the cancel flag (a running task
// stops between units of work), then waits for the API's runs to finish.
//
// Thread-safety: Start and Stop from the main thread; the parts are thread-safe (runner.h,
// scheduler.h).
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <vector>

#include "api/api.h"
#include "cli/maintenance_stack.h"

namespace mw::cli {

class ServeMaintenance {
 public:
  // Builds the runner with every task, restores the metrics from the store; nullptr after
  // printing why when the schedules do not resolve (config validation checked them).
  static std::unique_ptr<ServeMaintenance> Build(const MaintenanceDeps& deps);
  ~ServeMaintenance();  // Stop()

  // The API's view of it (runner, schedules, the worker, the cancel flag).
  api::MaintenanceContext Context(const MaintenanceDeps& deps);
  void Start();  // the scheduler, when maintenance.enabled
  void Stop();   // idempotent

 private:
  ServeMaintenance() = default;

  std::unique_ptr<maintenance::MaintenanceMetrics> metrics_;
  std::unique_ptr<maintenance::Runner> runner_;
  std::vector<maintenance::ScheduledTask> schedule_;
  std::unique_ptr<maintenance::Scheduler> scheduler_;  // null when maintenance.enabled is false
  std::atomic<bool> cancel_{false};
  // One thread: runs asked for over the API wait for each other (each is recorded "running" at
  // once and its task is claimed, so nothing else runs it meanwhile).
  boost::asio::thread_pool workers_{1};
  bool stopped_ = false;
};

}  // namespace mw::cli
