// cleanup-logs: removes rotated log files past their retention (logging.app_retention_days for
// the application log, logging.audit_retention_days for the audit log) from the log directory.
//
// It matches the log sink's names (telemetry/log_file_sink.h): modelwatch.YYYY-MM-DD[.N].log and
// audit.YYYY-MM-DD[.N].log, the date being the UTC day the lines were written. A file is removed
// when its day is more than `days` days before today (the sink's own rule, which it applies only
// at start-up and at each rotation, so a quiet process relies on this task). The active files
// (modelwatch.log, audit.log) and every other file are never touched.
//
// Thread-safety: Run is called by one thread at a time (the Runner's lock).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "maintenance/task.h"

namespace mw::maintenance {

struct CleanupLogsOptions {
  std::string log_dir;      // "" = no log files (logging to stdout only): nothing to do
  int64_t app_days = 30;    // >= 1
  int64_t audit_days = 90;  // >= 1
};

// The names among `file_names` that expire on UTC day `today` (days since the epoch), in the
// order given. Pure.
std::vector<std::string> ExpiredLogFiles(const std::vector<std::string>& file_names, int64_t today,
                                         const CleanupLogsOptions& options);

class CleanupLogsTask final : public Task {
 public:
  explicit CleanupLogsTask(CleanupLogsOptions options) : options_(std::move(options)) {}
  std::string_view name() const override { return "cleanup-logs"; }
  bool destructive() const override { return true; }
  // items: files removed; bytes: their sizes. Refused when the directory is not writable.
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  const CleanupLogsOptions options_;
};

}  // namespace mw::maintenance
