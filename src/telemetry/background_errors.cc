#include "telemetry/background_errors.h"

#include <string>

namespace mw {

void BackgroundErrorLog::OnBackgroundError(std::string_view thread,
                                           std::string_view what) noexcept {
  // Counting first: it cannot fail the way a log write to a full disk can.
  try {
    if (metrics_ != nullptr) metrics_->RecordBackgroundError(thread);
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

}  // namespace mw
