// Runner: runs maintenance tasks by name and records every run. The scheduler inside `serve`, the
// API (POST /v1/maintenance/runs) and `modelwatch maintain` without a server all go through it.
//
// A run: claim the task (one run of a task at a time in this process: a second caller gets
// kFailedPrecondition "already running since <RFC 3339>" and nothing is recorded), record a
// "running" row (Store::BeginMaintenanceRun, which marks rows a dead process left "running" as
// "abandoned"), call Task::Run, record the end (FinishMaintenanceRun) with the status
//   OK -> "succeeded", kFailedPrecondition -> "refused", any other error or an exception ->
//   "failed" (message = the error's text),
// update the metrics, log one line (message "maintenance run finished"; fields
// maintenance.task, maintenance.status, maintenance.dry_run, maintenance.items, maintenance.bytes,
// event.duration in ns, maintenance.trigger, maintenance.run_id), release the claim.
//
// Two processes never run tasks on one data directory at once: `serve` holds the directory's lock
// (cli/data_dir_lock.h) and `modelwatch maintain` either asks that server or takes the lock.
//
// Thread-safety: Add before the first run, from one thread; everything else from any thread.
// Different tasks may run at the same time on different threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "maintenance/maintenance_metrics.h"
#include "maintenance/task.h"
#include "store/store.h"
#include "telemetry/logging.h"

namespace mw::maintenance {

// A task's run in progress, as the API shows it.
struct RunProgress {
  int64_t run_id = 0;
  std::string trigger;
  bool dry_run = false;
  int64_t started_at_ms = 0;
  int64_t done = 0, total = 0;  // total 0 = unknown
  std::string what;             // the unit being worked on ("demand 2026-09-01")
};

class Runner {
 public:
  // All must outlive the Runner; `metrics` may be null.
  Runner(store::Store& store, const Clock& clock, telemetry::Logger& logger,
         MaintenanceMetrics* metrics);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Adds a task (names are unique; a second task of the same name replaces nothing and is
  // dropped). Before any run.
  void Add(std::unique_ptr<Task> task);
  const Task* Find(std::string_view name) const;
  // The tasks' names, in the order added.
  std::vector<std::string> names() const;

  // Runs `task` on the calling thread and returns the recorded run (whatever its status). An
  // error only when nothing was recorded: kNotFound for an unknown task, kFailedPrecondition when
  // it is already running, the store's error when the run could not be recorded.
  Result<store::MaintenanceRun> Run(std::string_view task, bool dry_run, std::string trigger,
                                    Progress& progress, const std::atomic<bool>* cancel = nullptr);

  // Runs each task in order on the calling thread, going on after a failure. kNotFound naming the
  // first unknown task before anything runs. A task that is already running is not run and
  // comes back as a run with id 0, status "refused" and the reason (it is not recorded).
  Result<std::vector<store::MaintenanceRun>> RunSet(const std::vector<std::string>& tasks,
                                                    bool dry_run, std::string trigger,
                                                    Progress& progress,
                                                    const std::atomic<bool>* cancel = nullptr);

  // Runs claimed and recorded ahead of execution (the API answers with their ids at once, then a
  // background thread executes them). Destroying a Batch that was not executed records its runs
  // as "abandoned" and releases them.
  class Batch {
   public:
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    const std::vector<store::MaintenanceRun>& runs() const { return runs_; }

   private:
    friend class Runner;
    explicit Batch(Runner& runner) : runner_(runner) {}
    Runner& runner_;
    std::vector<store::MaintenanceRun> runs_;
    size_t executed_ = 0;
  };
  // Claims every task (all or none: kFailedPrecondition naming the running one; kNotFound for an
  // unknown one) and records a "running" row for each, started now.
  Result<std::unique_ptr<Batch>> Start(const std::vector<std::string>& tasks, bool dry_run,
                                       std::string trigger);
  // Executes the batch's runs one after another on the calling thread; returns them finished.
  std::vector<store::MaintenanceRun> Execute(Batch& batch, Progress& progress,
                                             const std::atomic<bool>* cancel = nullptr);

  // The run of `task` in progress, or nullopt when it is not running.
  std::optional<RunProgress> Current(std::string_view task) const;

 private:
  struct Slot {
    std::unique_ptr<Task> task;
    bool busy = false;
    RunProgress progress;
  };
  class Tracker;

  Slot* FindSlot(std::string_view name);
  Status CheckKnown(const std::vector<std::string>& tasks) const;
  // Marks the task busy (or says since when it is); the caller holds no lock.
  Status Claim(std::string_view task, int64_t now_ms);
  void Release(std::string_view task);
  // Records the "running" row of a claimed task; releases it on failure.
  Result<store::MaintenanceRun> Begin(std::string_view task, bool dry_run,
                                      const std::string& trigger, int64_t started_ms);
  store::MaintenanceRun ExecuteOne(store::MaintenanceRun run, Progress& progress,
                                   const std::atomic<bool>* cancel);
  void Finish(store::MaintenanceRun& run, int64_t exec_started_ms);

  store::Store& store_;
  const Clock& clock_;
  telemetry::Logger& logger_;
  MaintenanceMetrics* metrics_;
  std::vector<std::string> order_;
  mutable std::mutex mutex_;  // guards the slots' busy and progress
  std::map<std::string, Slot, std::less<>> slots_;
};

// "unknown maintenance task \"x\" (known: a, b, c)".
std::string UnknownTaskMessage(std::string_view name, const std::vector<std::string>& known);

}  // namespace mw::maintenance
