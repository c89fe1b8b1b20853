// Background loops that cannot die silently. modelwatch's threads (the quality evaluator, the alert
// engine, the notification router and outbox, the store's writer, mover, checkpointer and id
// indexer, the log flusher, the gauge refresher) each run a loop of passes. An exception that
// escaped a thread's function would call std::terminate and end the whole process (and, when the
// cause is stored data, end it again at every restart). So each pass runs under
// RunBackgroundPass: an exception is caught, handed to a BackgroundErrorReporter (which logs it
// and counts it in modelwatch_background_errors_total{thread}, telemetry/background_errors.h), and
// the loop goes on with its next pass.
//
// Thread-safety: RunBackgroundPass is reentrant; reporters must accept calls from any thread.
#pragma once

#include <exception>
#include <string_view>

namespace mw {

class BackgroundErrorReporter {
 public:
  virtual ~BackgroundErrorReporter() = default;
  // Called on the failing thread. `thread` is a fixed token naming the loop ("evaluator",
  // "alert_engine", "store_writer", ...); `what` the exception's message. Must not throw.
  virtual void OnBackgroundError(std::string_view thread, std::string_view what) noexcept = 0;
};

// Reports to `reporter`, or to stderr when it is null (library users and tests that pass none).
void ReportBackgroundError(BackgroundErrorReporter* reporter, std::string_view thread,
                           std::string_view what) noexcept;

// Runs `pass()`. True when it returned; false when it threw, after reporting the exception.
template <typename Pass>
bool RunBackgroundPass(BackgroundErrorReporter* reporter, std::string_view thread,
                       Pass&& pass) noexcept {
  try {
    pass();
    return true;
  } catch (const std::exception& e) {
    ReportBackgroundError(reporter, thread, e.what());
  } catch (...) {
    ReportBackgroundError(reporter, thread, "an exception of unknown type");
  }
  return false;
}

}  // namespace mw
