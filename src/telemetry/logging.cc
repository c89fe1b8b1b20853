#include "telemetry/logging.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "common/time_format.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "telemetry/log_file_sink.h"

namespace mw::telemetry {
namespace {

bool IsLeadingKey(std::string_view key) {
  return key == "@timestamp" || key == "log.level" || key == "message" || key == "ecs.version";
}

void FlattenInto(const LogFields& value, const std::string& prefix, LogFields& out) {
  for (const auto& [key, item] : value.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (item.is_object() && !item.empty()) {
      FlattenInto(item, name, out);
    } else if (!IsLeadingKey(name)) {
      out[name] = item;
    }
  }
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  for (LogLevel level :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LogLevelName(level)) return level;
  }
  return InvalidArgument("log level \"" + std::string(text) +
                         "\" is not one of trace, debug, info, warn, error");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string FormatEcsLine(int64_t epoch_ms, LogLevel level, std::string_view message,
                          std::string_view service_name, std::string_view dataset,
                          const LogFields& fields) {
  LogFields line = LogFields::object();
  line["@timestamp"] = FormatRfc3339Millis(epoch_ms);
  line["log.level"] = std::string(LogLevelName(level));
  line["message"] = std::string(message);
  line["ecs.version"] = std::string(kEcsVersion);
  line["service.name"] = std::string(service_name);
  line["event.dataset"] = std::string(dataset);
  if (fields.is_object()) {
    FlattenInto(fields, "", line);
  } else if (!fields.is_null()) {
    line["fields"] = fields;  // a caller passed a scalar or array: keep it rather than drop it
  }
  return line.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

Status Logger::ValidateOptions(const LoggerOptions& options) {
  if (options.max_file_bytes <= 0) return InvalidArgument("logging.max_file_bytes must be > 0");
  if (options.app_retention_days < 1) {
    return InvalidArgument("logging.app_retention_days must be >= 1");
  }
  if (options.audit_retention_days < 1) {
    return InvalidArgument("logging.audit_retention_days must be >= 1");
  }
  if (options.flush_interval_ms <= 0) {
    return InvalidArgument("logging flush interval must be > 0");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Logger>> Logger::Create(LoggerOptions options) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  auto logger = std::make_unique<Logger>(std::move(options));
  if (!logger->status().ok()) return logger->status();
  return logger;
}

Logger::Logger(LoggerOptions options)
    : options_(std::move(options)), level_(static_cast<int>(options_.level)) {
  if (options_.clock == nullptr) options_.clock = &system_clock_;
  options_.max_file_bytes = std::max<int64_t>(options_.max_file_bytes, 1);
  options_.app_retention_days = std::max<int64_t>(options_.app_retention_days, 1);
  options_.audit_retention_days = std::max<int64_t>(options_.audit_retention_days, 1);
  options_.flush_interval_ms = std::max<int64_t>(options_.flush_interval_ms, 1);

  std::vector<spdlog::sink_ptr> app_sinks, audit_sinks;
  if (!options_.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) {
      status_ = Unavailable("cannot create log directory " + options_.dir + ": " + ec.message());
    } else {
      try {
        auto app_file = std::make_shared<telemetry::RotatingLogFileSink>(
            telemetry::LogFileOptions{options_.dir, "modelwatch", options_.max_file_bytes,
                                      options_.app_retention_days, options_.clock});
        auto audit_file = std::make_shared<telemetry::RotatingLogFileSink>(
            telemetry::LogFileOptions{options_.dir, "audit", options_.max_file_bytes,
                                      options_.audit_retention_days, options_.clock});
        app_path_ = app_file->active_path();
        audit_path_ = audit_file->active_path();
        app_sinks.push_back(std::move(app_file));
        audit_sinks.push_back(std::move(audit_file));
      } catch (const std::exception& e) {  // spdlog_ex from opening a file
        app_path_.clear();
        audit_path_.clear();
        app_sinks.clear();
        audit_sinks.clear();
        status_ = Unavailable(std::string("cannot open log file: ") + e.what());
      }
    }
  }
  spdlog::sink_ptr console;
  if (options_.stdout_enabled) {
    console = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else if (!status_.ok()) {
    console = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // the files failed: keep lines
  }
  if (console) {
    app_sinks.push_back(console);
    audit_sinks.push_back(console);
  }
  app_ = std::make_shared<spdlog::logger>("modelwatch", app_sinks.begin(), app_sinks.end());
  audit_ = std::make_shared<spdlog::logger>("audit", audit_sinks.begin(), audit_sinks.end());
  for (auto* l : {app_.get(), audit_.get()}) {
    l->set_pattern("%v");                // the line is already complete JSON
    l->set_level(spdlog::level::trace);  // filtering happens before formatting, in Log()
  }
  app_->flush_on(spdlog::level::warn);
  audit_->flush_on(spdlog::level::trace);  // audit lines are rare and must not sit in a buffer
  if (!status_.ok()) {
    Error("log files unavailable; logging to the console only",
          {{"error.message", status_.message()}, {"file.directory", options_.dir}});
  }
  flusher_ = std::thread([this] { FlushLoop(); });
}

Logger::~Logger() {
  {
    std::lock_guard<std::mutex> lock(flush_mutex_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  flusher_.join();
  Flush();
}

void Logger::FlushLoop() {
  std::unique_lock<std::mutex> lock(flush_mutex_);
  while (!stopping_) {
    flush_cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms));
    if (stopping_) break;
    lock.unlock();
    RunBackgroundPass(errors_.load(), "log_flusher", [this] { Flush(); });
    lock.lock();
  }
}

void Logger::Flush() {
  app_->flush();
  audit_->flush();
}

bool Logger::Enabled(LogLevel level) const { return static_cast<int>(level) >= level_.load(); }

void Logger::SetLevel(LogLevel level) { level_.store(static_cast<int>(level)); }

void Logger::Write(spdlog::logger& sink, LogLevel level, std::string_view message,
                   std::string_view dataset, const LogFields& fields) {
  const std::string line = FormatEcsLine(options_.clock->NowMillis(), level, message,
                                         options_.service_name, dataset, fields);
  sink.log(ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

void Logger::Log(LogLevel level, std::string_view message, const LogFields& fields) {
  if (!Enabled(level)) return;
  Write(*app_, level, message, kDatasetApp, fields);
}

void Logger::Trace(std::string_view m, const LogFields& f) { Log(LogLevel::kTrace, m, f); }
void Logger::Debug(std::string_view m, const LogFields& f) { Log(LogLevel::kDebug, m, f); }
void Logger::Info(std::string_view m, const LogFields& f) { Log(LogLevel::kInfo, m, f); }
void Logger::Warn(std::string_view m, const LogFields& f) { Log(LogLevel::kWarn, m, f); }
void Logger::Error(std::string_view m, const LogFields& f) { Log(LogLevel::kError, m, f); }

void Logger::Access(const AccessEntry& e) {
  if (!options_.access_log) return;
  LogFields fields = {{"http.request.method", std::string(e.method)},
                      {"url.path", std::string(e.path)},
                      {"http.route", std::string(e.route)},
                      {"http.response.status_code", e.status},
                      {"http.response.body.bytes", e.response_bytes},
                      {"event.duration", e.duration_ns},
                      {"client.address", std::string(e.remote_address)}};
  if (!e.listener.empty()) fields["labels.listener"] = std::string(e.listener);
  if (!e.request_id.empty()) fields["http.request.id"] = std::string(e.request_id);
  if (!e.cache.empty()) fields["labels.cache"] = std::string(e.cache);
  const std::string message =
      std::string(e.method) + " " + std::string(e.path) + " " + std::to_string(e.status);
  Write(*app_, e.status >= 500 ? LogLevel::kError : LogLevel::kInfo, message, kDatasetAccess,
        fields);
}

void Logger::Audit(std::string_view actor, std::string_view action, std::string_view target,
                   const LogFields& fields) {
  LogFields all = {{"user.name", std::string(actor)},
                   {"event.action", std::string(action)},
                   {"modelwatch.target", std::string(target)}};
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) all[key] = value;
  } else if (!fields.is_null()) {
    all["fields"] = fields;
  }
  const std::string message =
      std::string(actor) + " " + std::string(action) + " " + std::string(target);
  Write(*audit_, LogLevel::kInfo, message, kDatasetAudit, all);
}

std::string Logger::app_log_path() const { return app_path_; }
std::string Logger::audit_log_path() const { return audit_path_; }

}  // namespace mw::telemetry
