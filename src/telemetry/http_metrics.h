// The families of one HTTP listener, under a name stem chosen by its owner: modelwatch's own API
// server uses "modelwatch_http", the proxy's listener reports the watched API as "<prefix>_api".
//
// RequestMetrics (S = the stem):
//   S_requests_total{method,endpoint,status}          counter  every request
//   S_errors_total{method,endpoint,status}            counter  requests answered 4xx/5xx
//   S_request_duration_seconds{method,endpoint}       histogram 0.5 ms .. 10 s
//   S_response_size_bytes{method,endpoint}            histogram 100 B .. 10 MB
//   S_requests_in_flight                              gauge
// ConnectionMetrics (S = the stem):
//   S_connections_open                                gauge    connections being served
//   S_connections_rejected_total{reason}              counter  refused: "max_connections"
//   S_accept_errors_total                             counter  failed accepts (EMFILE, ...)
//
// Cardinality: `method` is folded to the standard HTTP methods or "other"; `endpoint` must be a
// route template (the HTTP server passes one, or "unmatched"), never a raw path.
// Hot path: a known series is found under a shared lock, with no allocation.
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::telemetry {

// Bucket boundaries, exposed for tests and dashboards.
const std::vector<double>& RequestDurationBuckets();
const std::vector<double>& ResponseSizeBuckets();

// Folds an HTTP method to GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT, TRACE or "other".
std::string_view NormalizeMethod(std::string_view method);

class RequestMetrics {
 public:
  // Registers the `stem`_* request families on metrics.registry(); `metrics` must outlive this.
  RequestMetrics(Metrics& metrics, const std::string& stem);

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
  SeriesCache<Series> series_;
};

class ConnectionMetrics {
 public:
  // Registers the `stem`_* connection families on metrics.registry(); `metrics` must outlive
  // this.
  ConnectionMetrics(Metrics& metrics, const std::string& stem);

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

}  // namespace mw::telemetry
