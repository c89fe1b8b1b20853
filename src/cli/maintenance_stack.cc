#include "cli/maintenance_stack.h"

#include <algorithm>

namespace mw::cli {

std::unique_ptr<maintenance::Runner> BuildMaintenanceRunner(
    const MaintenanceDeps& deps, maintenance::MaintenanceMetrics* metrics) {
  TaskList tasks;
  AddArchiveTasks(deps, tasks);
  AddHousekeepingTasks(deps, tasks);
  AddModelTasks(deps, tasks);
  AddReportTasks(deps, tasks);
  // kMaintenanceTaskNames order, whatever order the areas add them in.
  auto rank = [](const std::unique_ptr<maintenance::Task>& t) {
    const auto& names = config::kMaintenanceTaskNames;
    return std::find(names.begin(), names.end(), t->name()) - names.begin();
  };
  std::stable_sort(tasks.begin(), tasks.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  auto runner = std::make_unique<maintenance::Runner>(deps.store, deps.clock, deps.logger, metrics);
  for (auto& task : tasks) {
    if (metrics != nullptr) metrics->Restore(task->name(), deps.store);
    runner->Add(std::move(task));
  }
  return runner;
}

maintenance::ScheduleSpec ScheduleSpecFromConfig(const config::Config::Maintenance& m) {
  maintenance::ScheduleSpec spec;
  spec.sets = {{"daily", m.daily_schedule, *m.RunnableSet("daily")},
               {"weekly", m.weekly_schedule, *m.RunnableSet("weekly")},
               {"monthly", m.monthly_schedule, *m.RunnableSet("monthly")}};
  for (const auto& [task, cron] : m.schedules) {
    if (m.RunnableOnItsOwn(task)) spec.overrides.emplace(task, cron);
  }
  return spec;
}

std::optional<std::vector<std::string>> ExpandMaintenanceTarget(
    const config::Config::Maintenance& m, std::string_view target) {
  if (auto set = m.RunnableSet(target)) return set;
  const auto& names = config::kMaintenanceTaskNames;
  if (std::find(names.begin(), names.end(), target) == names.end()) return std::nullopt;
  return std::vector<std::string>{std::string(target)};
}

}  // namespace mw::cli
