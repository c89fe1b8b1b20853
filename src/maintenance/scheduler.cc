#include "maintenance/scheduler.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

namespace mw::maintenance {
namespace {

// The scheduler wakes at least this often, so a changed clock or a Stop is noticed promptly.
constexpr int64_t kMaxSleepMs = 1000;

std::optional<int64_t> NextMs(const CronSchedule& schedule, int64_t now_ms) {
  // Floor division: now_ms may be negative only in tests, and the cron works in whole seconds.
  const int64_t seconds = now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000;
  auto next = schedule.NextAfter(seconds);
  if (!next) return std::nullopt;
  return *next * 1000;
}

}  // namespace

Result<std::vector<ScheduledTask>> ResolveSchedules(const ScheduleSpec& spec) {
  std::vector<ScheduledTask> out;
  std::set<std::string, std::less<>> placed;
  auto add = [&](const std::string& task, const std::string& cron,
                 const std::string& source) -> Status {
    auto schedule = CronSchedule::Parse(cron);
    if (!schedule.has_value()) {
      return InvalidArgument("schedule of " + source + " (" + task +
                             "): " + schedule.error().message());
    }
    out.push_back(ScheduledTask{task, std::move(*schedule), source});
    placed.insert(task);
    return Status::Ok();
  };
  for (const TaskSet& set : spec.sets) {
    for (const std::string& task : set.tasks) {
      if (placed.count(task) > 0) continue;
      auto own = spec.overrides.find(task);
      const bool has_own = own != spec.overrides.end();
      if (Status s = add(task, has_own ? own->second : set.cron, has_own ? "schedules" : set.name);
          !s.ok()) {
        return s;
      }
    }
  }
  for (const auto& [task, cron] : spec.overrides) {
    if (placed.count(task) > 0) continue;
    if (Status s = add(task, cron, "schedules"); !s.ok()) return s;
  }
  return out;
}

std::optional<int64_t> PeriodSeconds(const CronSchedule& schedule, int64_t unix_seconds) {
  auto first = schedule.NextAfter(unix_seconds);
  if (!first) return std::nullopt;
  auto second = schedule.NextAfter(*first);
  if (!second) return std::nullopt;
  return *second - *first;
}

Scheduler::Scheduler(Runner& runner, const Clock& clock, std::vector<ScheduledTask> tasks,
                     telemetry::Logger& logger, MaintenanceMetrics* metrics)
    : runner_(runner), clock_(clock), logger_(logger), metrics_(metrics) {
  const int64_t now = clock_.NowMillis();
  for (ScheduledTask& t : tasks) {
    if (runner_.Find(t.task) == nullptr) {
      logger_.Warn("maintenance task not scheduled: this build has no such task",
                   {{"maintenance.task", t.task}});
      continue;
    }
    if (auto next = NextMs(t.schedule, now)) next_ms_[t.task] = *next;
    if (auto period = PeriodSeconds(t.schedule, now / 1000); period && metrics_ != nullptr) {
      metrics_->SetPeriod(t.task, static_cast<double>(*period));
      metrics_->Track(t.task, now);
    }
    tasks_.push_back(std::move(t));
  }
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancel_.store(true);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Scheduler::RunDue(int64_t now_ms) {
  if (metrics_ != nullptr) metrics_->Refresh(now_ms);
  std::vector<const ScheduledTask*> due;
  {
    std::lock_guard lock(mutex_);
    for (const ScheduledTask& t : tasks_) {
      auto it = next_ms_.find(t.task);
      if (it == next_ms_.end() || it->second > now_ms) continue;
      due.push_back(&t);
      // Next time after now: missed times are skipped, not caught up.
      if (auto next = NextMs(t.schedule, now_ms)) {
        it->second = *next;
      } else {
        next_ms_.erase(it);
      }
    }
  }
  std::vector<std::string> ran;
  NoProgress progress;
  for (const ScheduledTask* t : due) {
    if (cancel_.load()) break;
    auto run = runner_.Run(t->task, false, "schedule", progress, &cancel_);
    if (!run.has_value()) {  // already running (by hand) or not recorded: skipped this time
      logger_.Warn("scheduled maintenance run skipped",
                   {{"maintenance.task", t->task}, {"error.message", run.error().message()}});
      continue;
    }
    ran.push_back(t->task);
  }
  return ran;
}

std::optional<int64_t> Scheduler::NextRun(std::string_view task) const {
  std::lock_guard lock(mutex_);
  auto it = next_ms_.find(task);
  if (it == next_ms_.end()) return std::nullopt;
  return it->second;
}

void Scheduler::Loop() {
  while (true) {
    const int64_t now = clock_.NowMillis();
    RunDue(now);
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    int64_t sleep_ms = kMaxSleepMs;
    for (const auto& [task, next] : next_ms_) {
      sleep_ms = std::min(sleep_ms, std::max<int64_t>(next - clock_.NowMillis(), 1));
    }
    wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace mw::maintenance
