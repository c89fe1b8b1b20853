// RequestObserver: the http::ServerObserver that turns every request into request metrics and,
// when a Logger is attached, one access log line.
//
// OnRequestStart increments <prefix>_api_requests_in_flight; OnRequestDone decrements it, counts
// the request under the route template (never the raw path), observes its duration and response
// size, and writes Logger::Access (method, route, path, status, duration in ns, bytes, remote
// address) unless the access log is off.
//
// Thread-safety: called concurrently from the server's I/O threads; Metrics and Logger are
// thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "http/http.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw {

class RequestObserver final : public http::ServerObserver {
 public:
  // Either may be null (that half is skipped). Not owned; both must outlive the server.
  RequestObserver(Metrics* metrics, Logger* logger) : metrics_(metrics), logger_(logger) {}

  void OnRequestStart() override;
  void OnRequestDone(const http::Request& request, std::string_view endpoint, int status,
                     double seconds, size_t response_bytes) override;

 private:
  Metrics* metrics_;
  Logger* logger_;
};

}  // namespace mw
