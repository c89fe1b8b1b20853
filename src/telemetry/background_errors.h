// The BackgroundErrorReporter of `modelwatch serve` (common/background.h): a background pass that
// threw is logged (level error, message "background pass failed", fields thread.name and
// error.message) and counted in modelwatch_background_errors_total{thread}.
//
// Thread-safety: OnBackgroundError may be called from any thread.
#pragma once

#include <string_view>

#include "common/background.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw {

class BackgroundErrorLog final : public BackgroundErrorReporter {
 public:
  // Both must outlive this object. Either may be null (then that half is skipped).
  BackgroundErrorLog(Logger* logger, Metrics* metrics) : logger_(logger), metrics_(metrics) {}

  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override;

 private:
  Logger* logger_;
  Metrics* metrics_;
};

}  // namespace mw
