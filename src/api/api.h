// The HTTP API of modelwatch: ingest (/v1/predictions, /v1/actuals), the model registry
// (/v1/models...), the quality engine (/v1/models/{model}/performance|drift|quality|history,
// reference uploads, /v1/admin/profiles), alerts (/v1/alerts, /v1/alerts/history, /v1/rules),
// performance reports (/v1/reports, /v1/models/{model}/report),
// health (/health, /health/db, /livez, /readyz) and /metrics. This layer turns HTTP requests into
// calls on the store, registry and telemetry; it owns no state of its own beyond the model catalog.
//
// Auth: when tokens are configured, /v1 ingest routes need role ingest, /v1 reads and /metrics
// need read, registry writes need admin (admin holds every role). /health, /health/db, /livez and
// /readyz stay open for orchestrator probes.
//
// Names: {model} and {version} path parameters must follow common/names.h (400 naming
// "/path/model" or "/path/version" otherwise, on every route); names inside bodies are checked by
// the ingest decoder and the registry documents (422 naming the field).
//
// Model admission (ingest.max_models, ingest.require_registered_models): see ModelCatalog.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alerting/engine/engine.h"
#include "api/metrics/ingest_metrics.h"
#include "api/metrics/model_metrics.h"
#include "api/model_catalog.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "config/config.h"
#include "http/http.h"
#include "maintenance/runner.h"
#include "maintenance/scheduler.h"
#include "monitor/evaluator.h"
#include "monitor/service.h"
#include "profile/profile.h"
#include "profile/profile_cache.h"
#include "proxy/health/prober.h"
#include "store/store.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::api {

// What each group of handlers uses, and nothing more. All pointers outlive the server and are
// non-null unless said.

// /v1/predictions, /v1/actuals, /v1/predictions/{id} (ingest_handlers.cc).
struct IngestContext {
  const config::Config::Ingest* limits = nullptr;  // ingest.* (event caps, model admission)
  store::Store* store = nullptr;
  IngestMetrics* metrics = nullptr;
  ModelCatalog* catalog = nullptr;
  const Clock* clock = nullptr;
};

// /v1/models... registry reads and writes (registry_handlers.cc).
struct RegistryContext {
  store::Store* store = nullptr;
  ModelCatalog* catalog = nullptr;
  ModelVersionMetrics* metrics = nullptr;
  telemetry::Logger* logger = nullptr;  // audit lines
  const Clock* clock = nullptr;
};

// The quality engine's routes (quality_handlers.cc). `evaluator` may be null
// (quality.evaluation_interval_seconds 0); `workers` runs the quality computations off the HTTP
// I/O threads.
struct QualityContext {
  const config::Config::Quality* settings = nullptr;  // quality.*
  store::Store* store = nullptr;
  monitor::QualityService* quality = nullptr;
  profile::ProfileCache* profiles = nullptr;
  monitor::Evaluator* evaluator = nullptr;
  boost::asio::thread_pool* workers = nullptr;
  telemetry::Logger* logger = nullptr;
  const Clock* clock = nullptr;
};

// /v1/alerts, /v1/alerts/history, /v1/rules (alert_handlers.cc).
struct AlertContext {
  alerting::RuleEngine* alerts = nullptr;  // null when alerting.enabled is false
};

// /v1/maintenance/... (maintenance_handlers.cc). `workers` runs the tasks off the I/O threads;
// `cancel` is set when serve shuts down; `schedule` is every scheduled task (the scheduler runs
// them only with `scheduler_enabled`).
struct MaintenanceContext {
  maintenance::Runner* runner = nullptr;
  const config::Config::Maintenance* settings = nullptr;  // the daily/weekly/monthly sets
  const std::vector<maintenance::ScheduledTask>* schedule = nullptr;
  bool scheduler_enabled = false;
  store::Store* store = nullptr;
  boost::asio::thread_pool* workers = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  telemetry::Logger* logger = nullptr;  // audit lines
  const Clock* clock = nullptr;
};

// /v1/reports, /v1/reports/{model}/{name} and /v1/models/{model}/report (report_handlers.cc).
// `alerts` may be null (alerting.enabled false); reports render on `workers`.
struct ReportContext {
  std::string reports_dir;                // Config::ReportsDir(): where the report tasks write
  std::string segment_label = "segment";  // metrics.segment_label: the alerts' segment label
  store::Store* store = nullptr;
  monitor::QualityService* quality = nullptr;
  alerting::RuleEngine* alerts = nullptr;
  boost::asio::thread_pool* workers = nullptr;
  const Clock* clock = nullptr;
};

// /health, /health/db, /livez, /readyz and /metrics (health_handlers.cc).
struct HealthContext {
  const config::Config::Storage* storage = nullptr;
  const config::Config::Redis* redis = nullptr;
  store::Store* store = nullptr;
  ModelCatalog* catalog = nullptr;
  const telemetry::Metrics* metrics = nullptr;  // serialized on /metrics
  const Clock* clock = nullptr;
  // The sidecar proxy (null / empty when proxy.upstream is not set): its upstream's prober and
  // URL, and whether the response cache's Redis is reachable (set only for
  // proxy.cache.backend redis; then it replaces the redis.url probe in /health).
  const proxy::HealthProber* upstream = nullptr;
  std::string upstream_url;
  std::function<bool()> cache_redis_up;
  std::string version;
  int64_t started_at_ms = 0;
};

// GET /v1/retrain-requests (retrain_handlers.cc).
struct RetrainContext {
  store::Store* store = nullptr;
};

struct ApiContext {
  const auth::Authenticator* auth = nullptr;  // every guarded route
  IngestContext ingest;
  RegistryContext registry;
  QualityContext quality;
  AlertContext alerts;
  MaintenanceContext maintenance;
  ReportContext reports;
  HealthContext health;
  RetrainContext retrain;
};

// Adds every route; `ctx` must outlive the router.
void RegisterRoutes(http::Router& router, const ApiContext& ctx);

}  // namespace mw::api
