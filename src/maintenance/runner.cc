#include "maintenance/runner.h"

#include <exception>
#include <utility>

#include "common/time_format.h"

namespace mw::maintenance {

// Forwards to the caller's Progress and keeps the numbers for Current().
class Runner::Tracker final : public Progress {
 public:
  Tracker(Runner& runner, std::string task, Progress& inner)
      : runner_(runner), task_(std::move(task)), inner_(inner) {}
  void SetTotal(int64_t total) override {
    {
      std::lock_guard lock(runner_.mutex_);
      if (Slot* slot = runner_.FindSlot(task_)) slot->progress.total = total;
    }
    inner_.SetTotal(total);
  }
  void Update(int64_t done, std::string_view what) override {
    {
      std::lock_guard lock(runner_.mutex_);
      if (Slot* slot = runner_.FindSlot(task_)) {
        slot->progress.done = done;
        slot->progress.what = std::string(what);
      }
    }
    inner_.Update(done, what);
  }

 private:
  Runner& runner_;
  std::string task_;
  Progress& inner_;
};

std::string UnknownTaskMessage(std::string_view name, const std::vector<std::string>& known) {
  std::string m = "unknown maintenance task \"" + std::string(name) + "\" (known: ";
  for (size_t i = 0; i < known.size(); ++i) m += (i > 0 ? ", " : "") + known[i];
  if (known.empty()) m += "none";
  return m + ")";
}

Runner::Runner(store::Store& store, const Clock& clock, telemetry::Logger& logger,
               MaintenanceMetrics* metrics)
    : store_(store), clock_(clock), logger_(logger), metrics_(metrics) {}

Runner::~Runner() = default;

void Runner::Add(std::unique_ptr<Task> task) {
  if (task == nullptr) return;
  std::string name(task->name());
  if (slots_.count(name) > 0) return;
  Slot slot;
  slot.task = std::move(task);
  slots_.emplace(name, std::move(slot));
  order_.push_back(std::move(name));
}

const Task* Runner::Find(std::string_view name) const {
  auto it = slots_.find(name);
  return it == slots_.end() ? nullptr : it->second.task.get();
}

std::vector<std::string> Runner::names() const { return order_; }

Runner::Slot* Runner::FindSlot(std::string_view name) {
  auto it = slots_.find(name);
  return it == slots_.end() ? nullptr : &it->second;
}

Status Runner::CheckKnown(const std::vector<std::string>& tasks) const {
  for (const std::string& t : tasks) {
    if (Find(t) == nullptr) return NotFound(UnknownTaskMessage(t, order_));
  }
  return Status::Ok();
}

Status Runner::Claim(std::string_view task, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Slot* slot = FindSlot(task);
  if (slot == nullptr) return NotFound(UnknownTaskMessage(task, order_));
  if (slot->busy) {
    return FailedPrecondition(std::string(task) + " is already running since " +
                              FormatRfc3339Seconds(slot->progress.started_at_ms));
  }
  slot->busy = true;
  slot->progress = RunProgress{};
  slot->progress.started_at_ms = now_ms;
  return Status::Ok();
}

void Runner::Release(std::string_view task) {
  std::lock_guard lock(mutex_);
  if (Slot* slot = FindSlot(task)) {
    slot->busy = false;
    slot->progress = RunProgress{};
  }
}

Result<store::MaintenanceRun> Runner::Begin(std::string_view task, bool dry_run,
                                            const std::string& trigger, int64_t started_ms) {
  store::MaintenanceRun run;
  run.task = std::string(task);
  run.trigger = trigger;
  run.dry_run = dry_run;
  run.started_at_ms = started_ms;
  run.status = "running";
  auto id = store_.BeginMaintenanceRun(run);
  if (!id.has_value()) {
    Release(task);
    return id.error();
  }
  run.id = *id;
  std::lock_guard lock(mutex_);
  if (Slot* slot = FindSlot(task)) {
    slot->progress.run_id = run.id;
    slot->progress.trigger = trigger;
    slot->progress.dry_run = dry_run;
  }
  return run;
}

Result<store::MaintenanceRun> Runner::Run(std::string_view task, bool dry_run, std::string trigger,
                                          Progress& progress, const std::atomic<bool>* cancel) {
  const int64_t now = clock_.NowMillis();
  if (Status s = Claim(task, now); !s.ok()) return s;
  auto run = Begin(task, dry_run, trigger, now);
  if (!run.has_value()) return run.error();
  return ExecuteOne(std::move(*run), progress, cancel);
}

Result<std::vector<store::MaintenanceRun>> Runner::RunSet(const std::vector<std::string>& tasks,
                                                          bool dry_run, std::string trigger,
                                                          Progress& progress,
                                                          const std::atomic<bool>* cancel) {
  if (Status s = CheckKnown(tasks); !s.ok()) return s;
  std::vector<store::MaintenanceRun> out;
  for (const std::string& task : tasks) {
    if (cancel != nullptr && cancel->load()) break;
    auto run = Run(task, dry_run, trigger, progress, cancel);
    if (run.has_value()) {
      out.push_back(std::move(*run));
      continue;
    }
    store::MaintenanceRun refused;  // not recorded: busy, or the store failed
    refused.task = task;
    refused.trigger = trigger;
    refused.dry_run = dry_run;
    refused.started_at_ms = clock_.NowMillis();
    refused.finished_at_ms = refused.started_at_ms;
    refused.status = run.error().code() == StatusCode::kFailedPrecondition ? "refused" : "failed";
    refused.message = run.error().message();
    out.push_back(std::move(refused));
  }
  return out;
}

Result<std::unique_ptr<Runner::Batch>> Runner::Start(const std::vector<std::string>& tasks,
                                                     bool dry_run, std::string trigger) {
  if (Status s = CheckKnown(tasks); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  std::vector<std::string> claimed;
  for (const std::string& task : tasks) {
    if (Status s = Claim(task, now); !s.ok()) {
      for (const std::string& c : claimed) Release(c);
      return s;
    }
    claimed.push_back(task);
  }
  std::unique_ptr<Batch> batch(new Batch(*this));
  for (size_t i = 0; i < tasks.size(); ++i) {
    auto run = Begin(tasks[i], dry_run, trigger, now);
    if (!run.has_value()) {  // Begin released this one; release the rest not yet begun
      for (size_t j = i + 1; j < tasks.size(); ++j) Release(tasks[j]);
      return run.error();  // the batch's destructor abandons those begun
    }
    batch->runs_.push_back(std::move(*run));
  }
  return batch;
}

std::vector<store::MaintenanceRun> Runner::Execute(Batch& batch, Progress& progress,
                                                   const std::atomic<bool>* cancel) {
  std::vector<store::MaintenanceRun> out;
  while (batch.executed_ < batch.runs_.size()) {
    if (cancel != nullptr && cancel->load()) break;  // the batch's destructor abandons the rest
    store::MaintenanceRun run = batch.runs_[batch.executed_++];
    out.push_back(ExecuteOne(std::move(run), progress, cancel));
  }
  return out;
}

Runner::Batch::~Batch() {
  while (executed_ < runs_.size()) {
    store::MaintenanceRun& run = runs_[executed_++];
    run.status = "abandoned";
    run.finished_at_ms = runner_.clock_.NowMillis();
    run.message = "not run: the process stopped first";
    (void)runner_.store_.FinishMaintenanceRun(run);
    runner_.Release(run.task);
  }
}

store::MaintenanceRun Runner::ExecuteOne(store::MaintenanceRun run, Progress& progress,
                                         const std::atomic<bool>* cancel) {
  Task* task = FindSlot(run.task)->task.get();  // claimed, so known
  if (metrics_ != nullptr) metrics_->SetRunning(run.task, true);
  const int64_t exec_started = clock_.NowMillis();
  Tracker tracker(*this, run.task, progress);
  TaskContext ctx{clock_, logger_, tracker, run.dry_run, run.trigger, cancel};
  Result<TaskOutcome> outcome = Internal("no outcome");
  try {
    outcome = task->Run(ctx);
  } catch (const std::exception& e) {
    outcome = Internal(std::string("the task threw: ") + e.what());
  } catch (...) {
    outcome = Internal("the task threw an exception");
  }
  if (outcome.has_value()) {
    run.status = "succeeded";
    run.items = outcome->items;
    run.bytes = outcome->bytes;
    run.message = outcome->message;
  } else {
    run.status = outcome.error().code() == StatusCode::kFailedPrecondition ? "refused" : "failed";
    run.message = outcome.error().message();
  }
  Finish(run, exec_started);
  return run;
}

void Runner::Finish(store::MaintenanceRun& run, int64_t exec_started_ms) {
  const int64_t finished = clock_.NowMillis();
  run.finished_at_ms = finished;
  if (Status s = store_.FinishMaintenanceRun(run); !s.ok()) {
    logger_.Error("maintenance run not recorded",
                  {{"maintenance.task", run.task}, {"error.message", s.ToString()}});
  }
  const double seconds = static_cast<double>(finished - exec_started_ms) / 1000;
  if (metrics_ != nullptr) {
    metrics_->RecordFinished(run, seconds);
    metrics_->SetRunning(run.task, false);
  }
  const telemetry::LogLevel level = run.status == "succeeded" ? telemetry::LogLevel::kInfo
                                    : run.status == "refused" ? telemetry::LogLevel::kWarn
                                                              : telemetry::LogLevel::kError;
  logger_.Log(level, "maintenance run finished",
              {{"maintenance.task", run.task},
               {"maintenance.status", run.status},
               {"maintenance.dry_run", run.dry_run},
               {"maintenance.items", run.items},
               {"maintenance.bytes", run.bytes},
               {"maintenance.trigger", run.trigger},
               {"maintenance.run_id", run.id},
               {"maintenance.message", run.message},
               {"event.duration", (finished - exec_started_ms) * 1'000'000}});
  Release(run.task);
}

std::optional<RunProgress> Runner::Current(std::string_view task) const {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(task);
  if (it == slots_.end() || !it->second.busy) return std::nullopt;
  return it->second.progress;
}

}  // namespace mw::maintenance
