#include "config/detail/maintenance.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "common/cron.h"

namespace mw::config::detail {
namespace {

bool IsMaintenanceTask(std::string_view name) {
  return std::find(kMaintenanceTaskNames.begin(), kMaintenanceTaskNames.end(), name) !=
         kMaintenanceTaskNames.end();
}

std::string KnownTasks() {
  std::string out;
  for (std::string_view name : kMaintenanceTaskNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string TrimSpaces(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// The reason a cron expression is wrong ("field 2 (hour): 24 is outside 0-23"), or nullopt.
std::optional<std::string> CronReason(const std::string& value) {
  auto parsed = CronSchedule::Parse(value);
  if (parsed.has_value()) return std::nullopt;
  return "bad cron expression \"" + value + "\": " + parsed.error().message();
}

// A task set: a YAML sequence, or one comma-separated string.
Field TaskSetField(std::string key, std::vector<std::string> Config::Maintenance::*member) {
  return {std::move(key),
          [member](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            std::vector<std::string> names;
            if (node.IsSequence()) {
              for (const auto& item : node) {
                if (!item.IsScalar()) return "must be a list of task names";
                names.push_back(TrimSpaces(item.Scalar()));
              }
            } else if (node.IsScalar() || node.IsNull()) {
              const std::string text = node.IsNull() ? "" : node.Scalar();
              size_t pos = 0;
              while (pos <= text.size() && !TrimSpaces(text).empty()) {
                const size_t comma = std::min(text.find(',', pos), text.size());
                names.push_back(TrimSpaces(std::string_view(text).substr(pos, comma - pos)));
                pos = comma + 1;
              }
            } else {
              return "must be a list of task names";
            }
            for (const auto& name : names) {
              if (!IsMaintenanceTask(name)) {
                return "unknown task \"" + name + "\" (known: " + KnownTasks() + ")";
              }
              if (std::count(names.begin(), names.end(), name) > 1) {
                return "task \"" + name + "\" is listed twice";
              }
            }
            c.maintenance.*member = std::move(names);
            return std::nullopt;
          }};
}

// "TASK=CRON;TASK=CRON" into a map, or the reason (keyed: ".TASK: reason").
std::optional<std::string> ParseScheduleText(const std::string& text,
                                             std::map<std::string, std::string>& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t semi = std::min(text.find(';', pos), text.size());
    const std::string entry = TrimSpaces(std::string_view(text).substr(pos, semi - pos));
    pos = semi + 1;
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) return "must be TASK=CRON entries separated by ';'";
    out[TrimSpaces(entry.substr(0, eq))] = TrimSpaces(entry.substr(eq + 1));
  }
  return std::nullopt;
}

Field SchedulesField() {
  return {"maintenance.schedules",
          [](const YAML::Node& node, Config& c) -> std::optional<std::string> {
            std::map<std::string, std::string> schedules;
            if (node.IsMap()) {
              for (const auto& entry : node) {
                if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
                  return "must be a mapping TASK: CRON";
                }
                schedules[entry.first.Scalar()] = entry.second.Scalar();
              }
            } else if (node.IsScalar() || node.IsNull()) {
              if (auto reason = ParseScheduleText(node.IsNull() ? "" : node.Scalar(), schedules)) {
                return reason;
              }
            } else {
              return "must be a mapping TASK: CRON";
            }
            std::string problems;
            for (const auto& [task, cron] : schedules) {
              std::optional<std::string> reason;
              if (!IsMaintenanceTask(task)) {
                reason = "unknown task (known: " + KnownTasks() + ")";
              } else {
                reason = CronReason(cron);
              }
              if (reason)
                problems += (problems.empty() ? "" : "\n") + ("." + task + ": " + *reason);
            }
            if (!problems.empty()) return problems;
            c.maintenance.schedules = std::move(schedules);
            return std::nullopt;
          },
          /*keyed=*/true};
}

template <typename Ref>
Field CronField(std::string key, Ref ref) {
  return StringField(std::move(key), CronReason, ref);
}

}  // namespace

std::vector<Field> MaintenanceFields() {
  using M = Config::Maintenance;
  return {
      BoolField(
          "maintenance.enabled", [](Config & c) -> auto& { return c.maintenance.enabled; }),
      CronField(
          "maintenance.daily_schedule",
          [](Config & c) -> auto& { return c.maintenance.daily_schedule; }),
      CronField(
          "maintenance.weekly_schedule",
          [](Config & c) -> auto& { return c.maintenance.weekly_schedule; }),
      CronField(
          "maintenance.monthly_schedule",
          [](Config & c) -> auto& { return c.maintenance.monthly_schedule; }),
      TaskSetField("maintenance.daily", &M::daily),
      TaskSetField("maintenance.weekly", &M::weekly),
      TaskSetField("maintenance.monthly", &M::monthly),
      SchedulesField(),
      StringField(
          "maintenance.archive_dir", nullptr,
          [](Config & c) -> auto& { return c.maintenance.archive_dir; }),
      IntField("maintenance.prediction_retention_days", 1, 36500,
               [](Config& c, int64_t x) { c.maintenance.prediction_retention_days = x; }),
      IntField("maintenance.snapshot_retention_days", 1, 36500,
               [](Config& c, int64_t x) { c.maintenance.snapshot_retention_days = x; }),
      IntField("maintenance.outbox_retention_days", 1, 36500,
               [](Config& c, int64_t x) { c.maintenance.outbox_retention_days = x; }),
      StringField(
          "maintenance.backup_dir", nullptr,
          [](Config & c) -> auto& { return c.maintenance.backup_dir; }),
      IntField("maintenance.backup_keep", 1, 10000,
               [](Config& c, int64_t x) { c.maintenance.backup_keep = x; }),
      StringField(
          "maintenance.models_dir", nullptr,
          [](Config & c) -> auto& { return c.maintenance.models_dir; }),
      IntField("maintenance.keep_versions", 1, 100000,
               [](Config& c, int64_t x) { c.maintenance.keep_versions = x; }),
      StringField(
          "maintenance.reports_dir", nullptr,
          [](Config & c) -> auto& { return c.maintenance.reports_dir; }),
      StringField(
          "maintenance.retrain.command", nullptr,
          [](Config & c) -> auto& { return c.maintenance.retrain.command; }),
      StringField(
          "maintenance.retrain.webhook_url", ValidateOptionalHttpUrl,
          [](Config & c) -> auto& { return c.maintenance.retrain.webhook_url; }),
      DurationField(
          "maintenance.retrain.cooldown", 1000, int64_t{3650} * 86400000,
          [](Config& c, int64_t ms) { c.maintenance.retrain.cooldown_seconds = ms / 1000; }),
      DurationField(
          "maintenance.retrain.timeout", 1000, int64_t{7} * 86400000,
          [](Config& c, int64_t ms) { c.maintenance.retrain.timeout_seconds = ms / 1000; }),
  };
}

void FinishMaintenance(const Config& config, std::vector<ConfigError>& errors) {
  const auto& m = config.maintenance;
  const std::pair<const char*, const std::vector<std::string>*> sets[] = {
      {"maintenance.daily", &m.daily},
      {"maintenance.weekly", &m.weekly},
      {"maintenance.monthly", &m.monthly}};
  for (size_t i = 0; i < std::size(sets); ++i) {
    for (size_t j = 0; j < i; ++j) {
      for (const auto& task : *sets[i].second) {
        if (std::find(sets[j].second->begin(), sets[j].second->end(), task) !=
            sets[j].second->end()) {
          errors.push_back({sets[i].first, "task \"" + task + "\" is already in " +
                                               std::string(sets[j].first) +
                                               " (a task belongs to one set; give it its own "
                                               "schedule under maintenance.schedules)"});
        }
      }
    }
  }
}

}  // namespace mw::config::detail

namespace mw::config {
namespace {

bool NeedsRetrainTarget(std::string_view task) {
  return task == "check-drift-and-retrain" || task == "retrain-all";
}

}  // namespace

bool Config::Maintenance::HasRetrainTarget() const {
  return !retrain.command.empty() || !retrain.webhook_url.empty();
}

bool Config::Maintenance::RunnableOnItsOwn(std::string_view task) const {
  return HasRetrainTarget() || !NeedsRetrainTarget(task);
}

std::optional<std::vector<std::string>> Config::Maintenance::RunnableSet(
    std::string_view set) const {
  const std::vector<std::string>* tasks = set == "daily"     ? &daily
                                          : set == "weekly"  ? &weekly
                                          : set == "monthly" ? &monthly
                                                             : nullptr;
  if (tasks == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& task : *tasks) {
    if (RunnableOnItsOwn(task)) out.push_back(task);
  }
  return out;
}

}  // namespace mw::config
