// A maintenance task: one named unit of routine care (archive old predictions, vacuum, back up,
// trigger retraining, ...) that the scheduler inside `serve` and `modelwatch maintain` run through
// the same Runner (maintenance/runner.h), which takes the task's lock and records the run.
//
// Contract of Run:
//   - returns the outcome (what it counted and a one-line summary) when the task did its work;
//   - returns kFailedPrecondition with a clear message, before changing anything, when a
//     precondition does not hold (archive directory not writable, no retrain target configured,
//     ...): the run is recorded as "refused";
//   - any other error is a failure ("failed"), with the message; work already completed and
//     recorded by the task (rows archived and verified, files removed) stays done, and a rerun
//     completes the rest;
//   - with ctx.dry_run a destructive task changes nothing and reports what it would have done
//     (items and bytes as if it had), logging each thing it would remove;
//   - checks ctx.cancelled() between units of work and stops early (returning kUnavailable
//     "cancelled") when serve is shutting down.
// Time comes from ctx.clock only, so tests move it by hand.
//
// Thread-safety: the Runner never runs one task concurrently with itself (its lock); different
// tasks may run at the same time on different threads, so a task's shared dependencies must be
// thread-safe (the Store is).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "telemetry/logging.h"

namespace mw::maintenance {

// Progress of one run: a terminal progress bar for `modelwatch maintain` on a TTY, log lines
// otherwise. Implementations are called from the task's thread only.
class Progress {
 public:
  virtual ~Progress() = default;
  // The amount of work ahead (units the task chooses: rows, files, models); 0 = unknown.
  virtual void SetTotal(int64_t total) = 0;
  // `done` units of the total are finished; `what` names the current unit ("demand 2026-09-01").
  virtual void Update(int64_t done, std::string_view what) = 0;
};

// Discards every update (the scheduler's runs log their outcome instead).
class NoProgress final : public Progress {
 public:
  void SetTotal(int64_t) override {}
  void Update(int64_t, std::string_view) override {}
};

struct TaskContext {
  const Clock& clock;
  telemetry::Logger& log;  // one line per thing removed, archived or triggered
  Progress& progress;
  bool dry_run = false;
  std::string trigger = "cli";  // "schedule" | "cli" | "api": recorded with the run
  // Set when serve is shutting down; a task stops between units of work.
  const std::atomic<bool>* cancel = nullptr;
  bool cancelled() const { return cancel != nullptr && cancel->load(); }
};

struct TaskOutcome {
  int64_t items = 0;    // what the task counts: rows archived, files removed, models triggered...
  int64_t bytes = 0;    // bytes written, reclaimed or removed (0 when not meaningful)
  std::string message;  // one line: "archived 1,204 rows of 3 models in 3 files (41 KiB)"
};

class Task {
 public:
  virtual ~Task() = default;
  // One of config::kMaintenanceTaskNames.
  virtual std::string_view name() const = 0;
  // Whether the task removes or rewrites data (then it honours dry_run and logs each removal).
  virtual bool destructive() const = 0;
  virtual Result<TaskOutcome> Run(TaskContext& ctx) = 0;
};

}  // namespace mw::maintenance
