#include "cli/serve_parts.h"

#include <filesystem>

#include "cli/wiring/options.h"
#include "store/sqlite_store.h"

namespace mw::cli {

Result<std::unique_ptr<store::Store>> OpenStore(const config::Config& config,
                                                store::StoreObserver* observer,
                                                BackgroundErrorReporter* errors,
                                                telemetry::Logger& logger) {
  std::error_code ec;
  std::filesystem::create_directories(config.storage.data_dir, ec);
  if (ec) {
    return Unavailable("cannot create data directory '" + config.storage.data_dir +
                       "': " + ec.message());
  }
  store::SqliteStoreOptions o;
  o.path = (std::filesystem::path(config.storage.data_dir) / "modelwatch.db").string();
  o.read_connections = config.storage.read_connections;
  o.max_queue_requests = static_cast<size_t>(config.storage.max_queue_requests);
  o.max_rows_per_commit = static_cast<size_t>(config.storage.max_rows_per_commit);
  o.synchronous_full = config.storage.sqlite_synchronous == "full";
  o.preallocate_wal = config.storage.sqlite_preallocate_wal;
  o.preallocate_min_free_bytes = config.storage.min_free_bytes;
  o.warn = [&logger](const std::string& message) { logger.Warn(message); };
  o.observer = observer;
  o.errors = errors;
  return store::OpenSqliteStore(o);
}

QualityEngine::QualityEngine(const config::Config& config, store::Store& store,
                             telemetry::Metrics& metrics, const Clock& clock,
                             BackgroundErrorReporter* errors)
    : profiles(static_cast<size_t>(config.quality.profile_cache_size)),
      quality(store, profiles, QualityServiceOptions(config.quality), clock),
      gauges(metrics.registry(), config.metrics.prefix, config.metrics.segment_label) {
  if (config.quality.evaluation_interval_seconds <= 0) return;
  monitor::EvaluatorOptions eo;
  eo.interval_ms = config.quality.evaluation_interval_seconds * 1000;
  eo.window_ms = config.quality.window_seconds * 1000;
  eo.max_window_rows = config.quality.max_window_rows;
  eo.errors = errors;
  evaluator = std::make_unique<monitor::Evaluator>(store, quality, &gauges, clock, eo);
}

}  // namespace mw::cli
