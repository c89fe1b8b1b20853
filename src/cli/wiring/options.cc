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

monitor::ServiceOptions QualityServiceOptions(const config::Config::Quality& q) {
  monitor::ServiceOptions o;
  o.settings.min_samples = q.min_samples;
  o.settings.degradation_threshold = q.degradation_threshold;
  o.settings.model_degradation_thresholds = q.model_degradation_thresholds;
  o.settings.classification_threshold = q.classification_threshold;
  o.settings.drift_share_threshold = q.drift_share_threshold;
  o.settings.alarm_level = q.alarm_level;
  o.settings.min_class_samples = q.min_class_samples;
  o.drift.dataset_drift_share = q.drift_share_threshold;
  o.drift.p_value_threshold = q.feature_drift_alpha;
  o.drift.fdr_alpha = q.feature_drift_alpha;
  // model_drift_detected = dataset drift OR performance drift, each at half the budget.
  o.drift.dataset_alpha = q.alarm_level / 2;
  o.drift.all_statistics = true;
  return o;
}

}  // namespace mw::cli
