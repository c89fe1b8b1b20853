// The HTTP families (P = Metrics::prefix()), fed by RequestObserver (request_observer.h):
//
// RequestMetrics:
//   P_api_requests_total{method,endpoint,status}          counter  every request
//   P_api_errors_total{method,endpoint,status}            counter  requests answered 4xx/5xx
//   P_api_request_duration_seconds{method,endpoint}       histogram 0.5 ms .. 10 s
//   P_api_response_size_bytes{method,endpoint}            histogram 100 B .. 10 MB
//   P_api_requests_in_flight                              gauge
// ConnectionMetrics (the server's own health: the prefix is fixed, not P):
//   modelwatch_http_connections_open                      gauge    connections being served
//   modelwatch_http_connections_rejected_total{reason}    counter  refused: "max_connections"
//   modelwatch_http_accept_errors_total                   counter  failed accepts (EMFILE, ...)
//
// Cardinality: `method` is folded to the standard HTTP methods or "other"; `endpoint` must be a
// route template (the HTTP server passes one, or "unmatched"), never a raw path.
// Hot path: a known series is found under a shared lock, with no allocation.
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::api {

// Bucket boundaries, exposed for tests and dashboards.
const std::vector<double>& RequestDurationBuckets();
const std::vector<double>& ResponseSizeBuckets();

// Folds an HTTP method to GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT, TRACE or "other".
std::string_view NormalizeMethod(std::string_view method);

class RequestMetrics {
 public:
  // Registers the P_api_* families on metrics.registry(); `metrics` must outlive this.
  explicit RequestMetrics(telemetry::Metrics& metrics);

  void RequestStarted();
  // endpoint: route template or "unmatched". Decrements in-flight.
  void RequestFinished(std::string_view method, std::string_view endpoint, int status,
                       double seconds, size_t response_bytes);

 private:
  struct Series {
    prometheus::Counter* requests;
    prometheus::Counter* errors;  // null below 400
    prometheus::Histogram* duration;
    prometheus::Histogram* size;
  };

  prometheus::Family<prometheus::Counter>& requests_family_;
  prometheus::Family<prometheus::Counter>& errors_family_;
  prometheus::Family<prometheus::Histogram>& duration_family_;
  prometheus::Family<prometheus::Histogram>& size_family_;
  prometheus::Gauge& in_flight_;
  telemetry::SeriesCache<Series> series_;
};

class ConnectionMetrics {
 public:
  // Registers the modelwatch_http_* families on metrics.registry(); `metrics` must outlive this.
  explicit ConnectionMetrics(telemetry::Metrics& metrics);

  void ConnectionOpened();
  void ConnectionClosed();
  // reason: a short fixed token from the server ("max_connections").
  void ConnectionRejected(std::string_view reason);
  void AcceptFailed();

 private:
  prometheus::Gauge& connections_open_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  prometheus::Counter& accept_errors_;
};

}  // namespace mw::api
