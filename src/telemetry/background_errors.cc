#include "telemetry/background_errors.h"

#include <string>

namespace mw::telemetry {

BackgroundErrorMetrics::BackgroundErrorMetrics(prometheus::Registry& registry)
    : family_(prometheus::BuildCounter()
                  .Name("modelwatch_background_errors_total")
                  .Help("Passes of a background thread that failed with an exception; the thread "
                        "went on with its next pass.")
                  .Register(registry)) {}

void BackgroundErrorMetrics::Record(std::string_view thread) {
  prometheus::Counter* counter = series_.Get({thread}, [&] {
    return &family_.Add({{"thread", std::string(thread)}});
  });
  counter->Increment();
}

void BackgroundErrorLog::OnBackgroundError(std::string_view thread,
                                           std::string_view what) noexcept {
  // Counting first: it cannot fail the way a log write to a full disk can.
  try {
    if (metrics_ != nullptr) metrics_->Record(thread);
  } catch (...) {  // a reporter must not throw (out of memory at worst): fall back to stderr
    ReportBackgroundError(nullptr, thread, what);
  }
  try {
    if (logger_ != nullptr) {
      logger_->Error("background pass failed",
                     {{"thread.name", std::string(thread)}, {"error.message", std::string(what)}});
      return;
    }
  } catch (...) {
  }
  ReportBackgroundError(nullptr, thread, what);
}

}  // namespace mw::telemetry
