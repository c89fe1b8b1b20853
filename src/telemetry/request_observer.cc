#include "telemetry/request_observer.h"

#include <cmath>
#include <cstdint>

namespace mw {

void RequestObserver::OnRequestStart() {
  if (metrics_ != nullptr) metrics_->RequestStarted();
}

void RequestObserver::OnRequestDone(const http::Request& request, std::string_view endpoint,
                                    int status, double seconds, size_t response_bytes) {
  if (metrics_ != nullptr) {
    metrics_->RequestFinished(request.method, endpoint, status, seconds, response_bytes);
  }
  if (logger_ != nullptr && logger_->access_log_enabled()) {
    AccessEntry entry;
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

}  // namespace mw
