#include "maintenance/cleanup_logs_task.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "telemetry/log_file_sink.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kLogDayMs = 86'400'000;

}  // namespace

std::vector<std::string> ExpiredLogFiles(const std::vector<std::string>& file_names, int64_t today,
                                         const CleanupLogsOptions& options) {
  std::vector<std::string> out;
  for (const std::string& name : file_names) {
    for (const auto& [base, days] :
         {std::pair<std::string_view, int64_t>{"modelwatch", options.app_days},
          {"audit", options.audit_days}}) {
      const auto day = telemetry::RotatedFileDay(name, base);
      if (day && *day < today - days) {
        out.push_back(name);
        break;
      }
    }
  }
  return out;
}

Result<TaskOutcome> CleanupLogsTask::Run(TaskContext& ctx) {
  TaskOutcome outcome;
  if (options_.log_dir.empty()) {
    outcome.message = "no log directory (logging to stdout only): nothing to remove";
    return outcome;
  }
  std::error_code ec;
  if (!fs::is_directory(options_.log_dir, ec)) {
    outcome.message = "log directory " + options_.log_dir + " does not exist: nothing to remove";
    return outcome;
  }
  if (!ctx.dry_run && ::access(options_.log_dir.c_str(), W_OK) != 0) {
    return FailedPrecondition("log directory " + options_.log_dir + " is not writable");
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(options_.log_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return Unavailable("cannot list " + options_.log_dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  const int64_t now = ctx.clock.NowMillis();
  const int64_t today = (now >= 0 ? now : now - kLogDayMs + 1) / kLogDayMs;
  const std::vector<std::string> expired = ExpiredLogFiles(names, today, options_);
  ctx.progress.SetTotal(static_cast<int64_t>(expired.size()));
  for (const std::string& name : expired) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    const fs::path path = fs::path(options_.log_dir) / name;
    const auto size = fs::file_size(path, ec);
    const int64_t bytes = ec ? 0 : static_cast<int64_t>(size);
    if (ctx.dry_run) {
      ctx.log.Info("would remove", {{"file.path", path.string()}, {"file.size", bytes}});
    } else {
      if (!fs::remove(path, ec) || ec) {
        return Unavailable("cannot remove " + path.string() + ": " + ec.message() + " (" +
                           std::to_string(outcome.items) + " files removed before)");
      }
      ctx.log.Info("removed", {{"file.path", path.string()}, {"file.size", bytes}});
    }
    ++outcome.items;
    outcome.bytes += bytes;
    ctx.progress.Update(outcome.items, name);
  }
  outcome.message = std::string(ctx.dry_run ? "would remove " : "removed ") +
                    std::to_string(outcome.items) + " log files (" + std::to_string(outcome.bytes) +
                    " bytes) older than " + std::to_string(options_.app_days) +
                    " days (application) / " + std::to_string(options_.audit_days) +
                    " days (audit) from " + options_.log_dir;
  return outcome;
}

}  // namespace mw::maintenance
