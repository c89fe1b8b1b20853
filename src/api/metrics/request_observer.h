// RequestObserver: the http::ServerObserver that turns every request into request metrics and,
// when a Logger is attached, one access log line; and connection events into connection metrics
// and rate-limited warnings.
//
// OnRequestStart increments modelwatch_http_requests_in_flight; OnRequestDone decrements it, counts
// the request under the route template (never the raw path), observes its duration and response
// size, and writes Logger::Access (method, route, path, status, duration in ns, bytes, remote
// address) unless the access log is off.
//
// Connections: OnConnectionOpened/Closed move modelwatch_http_connections_open;
// OnConnectionRejected counts modelwatch_http_connections_rejected_total{reason} and
// OnAcceptError modelwatch_http_accept_errors_total, every event; each of the two conditions is
// logged as a warning at most once per kConnectionLogIntervalMs (the first event at once, later
// ones when the interval has passed, with the number of events since the previous line), so a
// flood of refused connections or failed accepts cannot flood the log.
//
// Thread-safety: called concurrently from the server's I/O threads; the metrics and the Logger are
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "common/clock.h"
#include "http/http.h"
#include "telemetry/http_metrics.h"
#include "telemetry/logging.h"

namespace mw::api {

inline constexpr int64_t kConnectionLogIntervalMs = 10'000;

class RequestObserver final : public http::ServerObserver {
 public:
  // Any of requests, connections and logger may be null (that part is skipped). clock times the
  // warnings' interval; null = the system clock. Not owned; all must outlive the server.
  RequestObserver(telemetry::RequestMetrics* requests, telemetry::ConnectionMetrics* connections,
                  telemetry::Logger* logger, const Clock* clock = nullptr);

  void OnRequestStart() override;
  void OnRequestDone(const http::Request& request, std::string_view endpoint, int status,
                     double seconds, size_t response_bytes) override;

  void OnConnectionOpened() override;
  void OnConnectionClosed() override;
  void OnConnectionRejected(std::string_view reason) override;
  void OnAcceptError(std::string_view error, std::chrono::milliseconds retry_in) override;

 private:
  // One rate-limited warning.
  struct Throttle {
    std::mutex mu;
    int64_t last_line_ms = 0;
    bool logged = false;
    int64_t events = 0;  // since the last line
  };
  // Counts an event; returns the events since the previous line (this one included) when a line
  // is due now, else 0.
  int64_t Due(Throttle& throttle);

  telemetry::RequestMetrics* requests_;
  telemetry::ConnectionMetrics* connections_;
  telemetry::Logger* logger_;
  const Clock* clock_;
  Throttle rejected_;
  Throttle accept_errors_;
};

}  // namespace mw::api
