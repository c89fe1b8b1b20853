// The BackgroundErrorReporter of `modelwatch serve` (common/background.h): a background pass that
// threw is logged (level error, message "background pass failed", fields thread.name and
// error.message) and counted in modelwatch_background_errors_total{thread} (BackgroundErrorMetrics,
// the one family telemetry owns besides build info; its prefix is fixed, not P: it is the
// service's own health).
//
// Thread-safety: OnBackgroundError and Record may be called from any thread.
#pragma once

#include <string_view>

#include "common/background.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "telemetry/logging.h"
#include "telemetry/series_cache.h"

namespace mw::telemetry {

class BackgroundErrorMetrics {
 public:
  // Registers modelwatch_background_errors_total{thread} on `registry`, which must outlive this.
  explicit BackgroundErrorMetrics(prometheus::Registry& registry);
  // thread: a fixed token ("evaluator", "alert_engine", "store_writer", ...).
  void Record(std::string_view thread);

 private:
  prometheus::Family<prometheus::Counter>& family_;
  telemetry::SeriesCache<prometheus::Counter*> series_;
};

class BackgroundErrorLog final : public BackgroundErrorReporter {
 public:
  // Both must outlive this object. Either may be null (then that half is skipped).
  BackgroundErrorLog(Logger* logger, BackgroundErrorMetrics* metrics)
      : logger_(logger), metrics_(metrics) {}

  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override;

 private:
  Logger* logger_;
  BackgroundErrorMetrics* metrics_;
};

}  // namespace mw::telemetry
