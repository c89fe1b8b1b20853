#include "cli/wiring/options.h"

#include <utility>

namespace mw::cli {

telemetry::LoggerOptions LoggerOptionsFromConfig(const config::Config::Logging& logging,
                                                 std::string log_dir, const Clock* clock) {
  telemetry::LoggerOptions o;
  const auto level = telemetry::ParseLogLevel(logging.level);
  o.level = level ? *level : telemetry::LogLevel::kInfo;
  o.dir = log_dir == "-" ? "" : std::move(log_dir);
  o.stdout_enabled = logging.stdout_enabled;
  o.access_log = logging.access_log;
  o.max_file_bytes = logging.max_file_bytes;
  o.app_retention_days = logging.app_retention_days;
  o.audit_retention_days = logging.audit_retention_days;
  o.clock = clock;
  return o;
}

telemetry::MetricsOptions MetricsOptionsFromConfig(const config::Config& config,
                                                   const std::string& version) {
  telemetry::MetricsOptions o;
  o.prefix = config.metrics.prefix;
  o.segment_label = config.metrics.segment_label;
  o.max_segments = config.metrics.max_segments;
  o.data_dir = config.storage.data_dir;
  o.version = version;
  return o;
}

http::ServerOptions ServerOptionsFromConfig(const config::Config::Server& server,
                                            http::ServerObserver* observer) {
  http::ServerOptions so;
  so.host = server.host;
  so.port = server.port;
  so.threads = server.threads;
  so.max_body_bytes = server.max_body_bytes;
  so.request_timeout_seconds = server.request_timeout_seconds;
  so.max_connections = server.max_connections;
  so.observer = observer;
  return so;
}

}  // namespace mw::cli
