// The HTTP API of modelwatch: ingest (/v1/predictions, /v1/actuals), the model registry
// (/v1/models...), the quality engine (/v1/models/{model}/performance|drift|quality|history,
// reference uploads, /v1/admin/profiles), alerts (/v1/alerts, /v1/alerts/history, /v1/rules),
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

#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <string>

#include "alerting/engine.h"
#include "api/metrics/service_metrics.h"
#include "api/model_catalog.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "config/config.h"
#include "http/http.h"
#include "monitor/evaluator.h"
#include "monitor/quality_metrics.h"
#include "monitor/service.h"
#include "profile/profile.h"
#include "profile/profile_cache.h"
#include "store/store.h"
#include "telemetry/logging.h"

namespace mw::api {

// Everything the handlers use; all pointers outlive the server and are non-null unless said.
struct ApiContext {
  const Config* config = nullptr;
  Store* store = nullptr;
  ServiceMetrics* metrics = nullptr;
  Logger* logger = nullptr;
  const Authenticator* auth = nullptr;
  const Clock* clock = nullptr;
  ModelCatalog* catalog = nullptr;
  // The quality engine. `evaluator` may be null (quality.evaluation_interval_seconds 0);
  // `workers` runs the quality computations off the HTTP I/O threads.
  monitor::QualityService* quality = nullptr;
  profile::ProfileCache* profiles = nullptr;
  monitor::Evaluator* evaluator = nullptr;
  boost::asio::thread_pool* workers = nullptr;
  // The built-in alert engine; null when alerting.enabled is false.
  alerting::RuleEngine* alerts = nullptr;
  std::string version;
  int64_t started_at_ms = 0;
};

void RegisterRoutes(http::Router& router, const ApiContext& ctx);

}  // namespace mw::api
