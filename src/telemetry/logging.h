// Logger: ECS JSON lines (Elastic Common Schema field names, docs/operations.md) through spdlog.
//
// Every line is one JSON object whose first keys are, in this order:
//   "@timestamp" (RFC 3339 UTC, milliseconds), "log.level", "message", "ecs.version" ("1.6.0"),
// then "service.name", "event.dataset" ("modelwatch.app" | "modelwatch.access" |
// "modelwatch.audit"), then the caller's fields in the order given. All keys are dotted, never
// nested: a nested object in the fields is flattened ({"http":{"request":{"method":"GET"}}} ->
// "http.request.method"); fields named like the four leading keys are dropped. Strings that are not
// valid UTF-8 have the bad bytes replaced with U+FFFD rather than losing the line.
//
// Destinations:
//   app lines and access lines -> stdout (optional) and <dir>/modelwatch.log
//   audit lines                -> stdout (optional) and <dir>/audit.log (never the app log)
// Files rotate daily (UTC) and past max_file_bytes, and are kept app_retention_days /
// audit_retention_days (see log_file_sink.h for names). With an empty dir, no files are written.
//
// Filtering: app lines below the configured level are dropped before any formatting. Access lines
// (toggled by access_log) and audit lines (always on) are not subject to the level.
// Flushing: app lines at warn and above and every audit line are flushed at once; everything else
// within flush_interval_ms by the Logger's own flusher thread (no spdlog global registry).
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "common/background.h"
#include "common/clock.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace spdlog {
class logger;
}

namespace mw::telemetry {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// "trace" | "debug" | "info" | "warn" | "error"; anything else is kInvalidArgument.
Result<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// Extra fields of a line: a JSON object (or null for none). Build it inline:
//   logger.Info("store opened", {{"file.path", path}, {"db.rows", 12}});
using LogFields = nlohmann::ordered_json;

inline constexpr std::string_view kEcsVersion = "1.6.0";
inline constexpr std::string_view kDatasetApp = "modelwatch.app";
inline constexpr std::string_view kDatasetAccess = "modelwatch.access";
inline constexpr std::string_view kDatasetAudit = "modelwatch.audit";

// One ECS line, without the trailing newline. Pure; exposed for tests and for tools.
std::string FormatEcsLine(int64_t epoch_ms, LogLevel level, std::string_view message,
                          std::string_view service_name, std::string_view dataset,
                          const LogFields& fields);

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  std::string dir;  // log directory (created if missing); empty = no files
  bool stdout_enabled = true;
  bool access_log = true;
  int64_t max_file_bytes = 64 << 20;  // > 0
  int64_t app_retention_days = 30;    // >= 1
  int64_t audit_retention_days = 90;  // >= 1
  std::string service_name = "modelwatch";
  int64_t flush_interval_ms = 1000;  // > 0
  const Clock* clock = nullptr;      // not owned; outlives the Logger; null = system clock
};

// One completed HTTP request.
struct AccessEntry {
  std::string_view method;
  std::string_view route;  // matched route template or "unmatched"
  std::string_view path;   // the request path, without query
  int status = 0;
  int64_t duration_ns = 0;
  int64_t response_bytes = 0;
  std::string_view remote_address;
  // The sidecar proxy's lines (proxy/): which listener answered ("proxy"; "" = modelwatch's own
  // API), the request id it sent upstream and returned, and the response cache's part ("hit",
  // "miss", "bypassed"; "" = none).
  std::string_view listener = {};
  std::string_view request_id = {};
  std::string_view cache = {};
};

class Logger {
 public:
  // kInvalidArgument for out-of-range options; kUnavailable when the directory or a log file
  // cannot be created or opened (the message names the path and the OS reason).
  static Result<std::unique_ptr<Logger>> Create(LoggerOptions options);
  // Never fails: out-of-range numbers are clamped to the nearest valid value, and when the log
  // files cannot be opened the Logger writes to stdout only (to stderr when stdout is disabled,
  // so nothing is lost), logs an error line saying why, and reports it in status().
  explicit Logger(LoggerOptions options);
  ~Logger();  // stops the flusher and flushes
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const;
  void SetLevel(LogLevel level);

  void Log(LogLevel level, std::string_view message, const LogFields& fields = nullptr);
  void Trace(std::string_view message, const LogFields& fields = nullptr);
  void Debug(std::string_view message, const LogFields& fields = nullptr);
  void Info(std::string_view message, const LogFields& fields = nullptr);
  void Warn(std::string_view message, const LogFields& fields = nullptr);
  void Error(std::string_view message, const LogFields& fields = nullptr);

  // Access line (dataset modelwatch.access, level info; 5xx at level error): message
  // "<METHOD> <path> <status>", fields http.request.method, url.path, http.route,
  // http.response.status_code, http.response.body.bytes, event.duration (ns), client.address.
  // No-op when access_log is off.
  void Access(const AccessEntry& entry);
  bool access_log_enabled() const { return options_.access_log; }

  // Audit line (dataset modelwatch.audit) for registry and admin changes: message
  // "<actor> <action> <target>", fields user.name = actor, event.action = action,
  // modelwatch.target = target, then `fields` (e.g. {"event.outcome", "success"}).
  void Audit(std::string_view actor, std::string_view action, std::string_view target,
             const LogFields& fields = nullptr);

  void Flush();

  // Where the flusher thread reports a flush that threw (thread "log_flusher"; null = stderr).
  // May be called at any time; `reporter` must stay valid until it is replaced or the Logger is
  // destroyed.
  void SetBackgroundErrorReporter(BackgroundErrorReporter* reporter) { errors_.store(reporter); }

  // OK, or why the log files could not be opened (see the constructor).
  const Status& status() const { return status_; }

  // Paths of the active files; empty when no dir is configured or they could not be opened.
  std::string app_log_path() const;
  std::string audit_log_path() const;

 private:
  static Status ValidateOptions(const LoggerOptions& options);
  void Write(spdlog::logger& sink, LogLevel level, std::string_view message,
             std::string_view dataset, const LogFields& fields);
  void FlushLoop();

  LoggerOptions options_;
  Status status_;
  SystemClock system_clock_;
  std::atomic<int> level_;
  std::shared_ptr<spdlog::logger> app_;
  std::shared_ptr<spdlog::logger> audit_;
  std::string app_path_;
  std::string audit_path_;

  std::mutex flush_mutex_;
  std::condition_variable flush_cv_;
  bool stopping_ = false;
  std::atomic<BackgroundErrorReporter*> errors_{nullptr};
  std::thread flusher_;
};

}  // namespace mw::telemetry
