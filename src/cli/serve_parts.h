// Parts of the server that `modelwatch maintain` also builds when it runs without a server: the
// store and the quality engine (maintenance tasks evaluate models through it).
//
// Thread-safety: as the parts themselves (store.h, monitor/service.h, monitor/evaluator.h).
#pragma once

#include <memory>

#include "common/background.h"
#include "common/clock.h"
#include "config/config.h"
#include "monitor/evaluator.h"
#include "monitor/quality_metrics.h"
#include "monitor/service.h"
#include "profile/profile_cache.h"
#include "store/store.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::cli {

// Opens the configured store (<data_dir>/modelwatch.db); the data directory is created when
// missing.
Result<std::unique_ptr<store::Store>> OpenStore(const config::Config& config,
                                                store::StoreObserver* observer,
                                                BackgroundErrorReporter* errors,
                                                telemetry::Logger& logger);

// The quality engine: profile cache, on-demand service, gauges and the background evaluator.
// Members are built (and destroyed in reverse) in this order.
struct QualityEngine {
  QualityEngine(const config::Config& config, store::Store& store, telemetry::Metrics& metrics,
                const Clock& clock, BackgroundErrorReporter* errors);

  profile::ProfileCache profiles;
  monitor::QualityService quality;
  monitor::QualityMetrics gauges;
  std::unique_ptr<monitor::Evaluator> evaluator;  // null: quality.evaluation_interval_seconds 0
};

}  // namespace mw::cli
