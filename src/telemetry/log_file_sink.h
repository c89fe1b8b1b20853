// An spdlog sink writing one log file that rotates daily (UTC) and when it would grow past a size
// cap, and deletes rotated files older than the retention period.
//
// Files in `dir`, for base name "modelwatch":
//   modelwatch.log                 the active file (stable name: tail -F and shippers follow it)
//   modelwatch.2025-01-01.log      rotated: the UTC day its lines were written
//   modelwatch.2025-01-01.1.log    further files of the same day when the size cap was hit
// A rotated file is deleted when its day is more than retention_days days before today (checked at
// start-up and at each rotation), whether or not this process wrote it.
//
// Why not spdlog's daily_file_sink: it cannot also rotate by size, names files by local time, and
// its max_files retention only counts files of consecutive past days, so files older than a gap
// (a day the service did not run) are never deleted. File I/O is spdlog's file_helper.
//
// Thread-safety: as every spdlog *_mt sink (base_sink<std::mutex>).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "spdlog/details/file_helper.h"
#include "spdlog/sinks/base_sink.h"

namespace mw::telemetry {

struct LogFileOptions {
  std::string dir;                    // must exist
  std::string base_name;              // "modelwatch" -> modelwatch.log
  int64_t max_file_bytes = 64 << 20;  // > 0; a single line larger than this still gets written
  int64_t retention_days = 30;        // >= 1
  const Clock* clock = nullptr;       // not owned, must outlive the sink; rotation day source
};

class RotatingLogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Opens (appending to) the active file. Throws spdlog::spdlog_ex when it cannot be opened.
  explicit RotatingLogFileSink(LogFileOptions options);

  std::string active_path() const;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  int64_t TodayUtc() const;  // days since the epoch
  void Rotate();             // renames the active file away and opens a fresh one
  void DeleteExpired(int64_t today);

  LogFileOptions options_;
  std::string active_path_;
  spdlog::details::file_helper file_;
  int64_t file_bytes_ = 0;
  int64_t file_day_ = 0;  // UTC day of the lines in the active file
};

// "modelwatch.2025-01-01.log" / "modelwatch.2025-01-01.3.log" -> day since the epoch; nullopt for
// any other name (including the active "modelwatch.log").
std::optional<int64_t> RotatedFileDay(std::string_view file_name, std::string_view base_name);

}  // namespace mw::telemetry
