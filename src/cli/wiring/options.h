// Maps the configuration (config/config.h) to the options of the building blocks below it, which
// know nothing of the configuration file: the program is the only place where both meet.
#pragma once

#include <string>

#include "common/clock.h"
#include "config/config.h"
#include "http/http.h"
#include "monitor/service.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::cli {

// level (an unknown name, which config validation rejects, means info), dir ("" or "-" = no
// files; pass Config::LogDir()), and the other logging.* keys.
telemetry::LoggerOptions LoggerOptionsFromConfig(const config::Config::Logging& logging,
                                                 std::string log_dir, const Clock* clock = nullptr);

// metrics.prefix, metrics.segment_label, metrics.max_segments; storage.data_dir for the disk
// gauges; `version` for modelwatch_build_info.
telemetry::MetricsOptions MetricsOptionsFromConfig(const config::Config& config,
                                                   const std::string& version);

// server.host, .port, .threads, .max_body_bytes, .request_timeout_seconds, .max_connections;
// `observer` (may be null) sees every request and connection.
http::ServerOptions ServerOptionsFromConfig(const config::Config::Server& server,
                                            http::ServerObserver* observer);

// quality.* -> the quality engine's settings and drift options (serve, report, maintain).
monitor::ServiceOptions QualityServiceOptions(const config::Config::Quality& q);

}  // namespace mw::cli
