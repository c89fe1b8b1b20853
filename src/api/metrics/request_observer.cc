#include "api/metrics/request_observer.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace mw::api {

namespace {
const SystemClock kObserverSystemClock;
}  // namespace

RequestObserver::RequestObserver(telemetry::RequestMetrics* requests,
                                 telemetry::ConnectionMetrics* connections,
                                 telemetry::Logger* logger, const Clock* clock)
    : requests_(requests),
      connections_(connections),
      logger_(logger),
      clock_(clock != nullptr ? clock : &kObserverSystemClock) {}

void RequestObserver::OnRequestStart() {
  if (requests_ != nullptr) requests_->RequestStarted();
}

void RequestObserver::OnRequestDone(const http::Request& request, std::string_view endpoint,
                                    int status, double seconds, size_t response_bytes) {
  if (requests_ != nullptr) {
    requests_->RequestFinished(request.method, endpoint, status, seconds, response_bytes);
  }
  if (logger_ != nullptr && logger_->access_log_enabled()) {
    telemetry::AccessEntry entry;
    entry.method = request.method;
    entry.route = endpoint;
    entry.path = request.path;
    entry.status = status;
    entry.duration_ns = static_cast<int64_t>(std::llround(seconds * 1e9));
    entry.response_bytes = static_cast<int64_t>(response_bytes);
    entry.remote_address = request.remote_address;
    logger_->Access(entry);
  }
}

void RequestObserver::OnConnectionOpened() {
  if (connections_ != nullptr) connections_->ConnectionOpened();
}

void RequestObserver::OnConnectionClosed() {
  if (connections_ != nullptr) connections_->ConnectionClosed();
}

int64_t RequestObserver::Due(Throttle& throttle) {
  const int64_t now = clock_->NowMillis();
  std::lock_guard lock(throttle.mu);
  ++throttle.events;
  if (throttle.logged && now - throttle.last_line_ms < kConnectionLogIntervalMs) return 0;
  throttle.logged = true;
  throttle.last_line_ms = now;
  const int64_t events = throttle.events;
  throttle.events = 0;
  return events;
}

void RequestObserver::OnConnectionRejected(std::string_view reason) {
  if (connections_ != nullptr) connections_->ConnectionRejected(reason);
  if (logger_ == nullptr) return;
  if (const int64_t events = Due(rejected_); events > 0) {
    logger_->Warn(
        "refusing HTTP connections (503): server.max_connections reached",
        {{"event.reason", std::string(reason)}, {"modelwatch.events_since_last_line", events}});
  }
}

void RequestObserver::OnAcceptError(std::string_view error, std::chrono::milliseconds retry_in) {
  if (connections_ != nullptr) connections_->AcceptFailed();
  if (logger_ == nullptr) return;
  if (const int64_t events = Due(accept_errors_); events > 0) {
    logger_->Warn("cannot accept HTTP connections; retrying with back-off",
                  {{"error.message", std::string(error)},
                   {"modelwatch.retry_in_ms", static_cast<int64_t>(retry_in.count())},
                   {"modelwatch.events_since_last_line", events}});
  }
}

}  // namespace mw::api
