#include "telemetry/http_metrics.h"

#include <string>

namespace mw::telemetry {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

// One registration function per family, so each name and HELP text reads in one place.
prometheus::Family<Counter>& RegisterRequests(Metrics& m, const std::string& stem) {
  return prometheus::BuildCounter()
      .Name(stem + "_requests_total")
      .Help("HTTP requests answered, by method, route template and status.")
      .Register(m.registry());
}

prometheus::Family<Counter>& RegisterErrors(Metrics& m, const std::string& stem) {
  return prometheus::BuildCounter()
      .Name(stem + "_errors_total")
      .Help("HTTP requests answered with a 4xx or 5xx status.")
      .Register(m.registry());
}

prometheus::Family<Histogram>& RegisterDuration(Metrics& m, const std::string& stem) {
  return prometheus::BuildHistogram()
      .Name(stem + "_request_duration_seconds")
      .Help("HTTP request duration in seconds, from request read to response written.")
      .Register(m.registry());
}

prometheus::Family<Histogram>& RegisterResponseSize(Metrics& m, const std::string& stem) {
  return prometheus::BuildHistogram()
      .Name(stem + "_response_size_bytes")
      .Help("HTTP response body size in bytes.")
      .Register(m.registry());
}

Gauge& RegisterInFlight(Metrics& m, const std::string& stem) {
  return prometheus::BuildGauge()
      .Name(stem + "_requests_in_flight")
      .Help("HTTP requests being handled.")
      .Register(m.registry())
      .Add({});
}

Gauge& RegisterConnectionsOpen(Metrics& m, const std::string& stem) {
  return prometheus::BuildGauge()
      .Name(stem + "_connections_open")
      .Help("HTTP connections being served.")
      .Register(m.registry())
      .Add({});
}

prometheus::Family<Counter>& RegisterConnectionsRejected(Metrics& m, const std::string& stem) {
  return prometheus::BuildCounter()
      .Name(stem + "_connections_rejected_total")
      .Help(
          "HTTP connections refused by reason (max_connections: answered 503 and "
          "closed above server.max_connections).")
      .Register(m.registry());
}

Counter& RegisterAcceptErrors(Metrics& m, const std::string& stem) {
  return prometheus::BuildCounter()
      .Name(stem + "_accept_errors_total")
      .Help(
          "Failed accepts of HTTP connections (e.g. EMFILE when file "
          "descriptors run out); accepting backs off after each.")
      .Register(m.registry())
      .Add({});
}

}  // namespace

const std::vector<double>& RequestDurationBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01,
                                               0.025,  0.05,  0.075,  0.1,   0.25,   0.5,
                                               0.75,   1,     2.5,    5,     7.5,    10};
  return kBuckets;
}

const std::vector<double>& ResponseSizeBuckets() {
  static const std::vector<double> kBuckets = {100, 1e3, 1e4, 1e5, 1e6, 1e7};
  return kBuckets;
}

std::string_view NormalizeMethod(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                  "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return "other";
}

RequestMetrics::RequestMetrics(Metrics& metrics, const std::string& stem)
    : requests_family_(RegisterRequests(metrics, stem)),
      errors_family_(RegisterErrors(metrics, stem)),
      duration_family_(RegisterDuration(metrics, stem)),
      size_family_(RegisterResponseSize(metrics, stem)),
      in_flight_(RegisterInFlight(metrics, stem)) {}

void RequestMetrics::RequestStarted() { in_flight_.Increment(); }

void RequestMetrics::RequestFinished(std::string_view method, std::string_view endpoint, int status,
                                     double seconds, size_t response_bytes) {
  in_flight_.Decrement();
  const std::string_view m = NormalizeMethod(method);
  const std::string status_text = std::to_string(status);  // fits the small-string buffer
  const Series series = series_.Get({m, endpoint, status_text}, [&] {
    const std::string method_s(m), endpoint_s(endpoint);
    Series s{};
    s.requests = &requests_family_.Add(
        {{"method", method_s}, {"endpoint", endpoint_s}, {"status", status_text}});
    s.errors = status >= 400
                   ? &errors_family_.Add(
                         {{"method", method_s}, {"endpoint", endpoint_s}, {"status", status_text}})
                   : nullptr;
    s.duration = &duration_family_.Add({{"method", method_s}, {"endpoint", endpoint_s}},
                                       RequestDurationBuckets());
    s.size =
        &size_family_.Add({{"method", method_s}, {"endpoint", endpoint_s}}, ResponseSizeBuckets());
    return s;
  });
  series.requests->Increment();
  if (series.errors != nullptr) series.errors->Increment();
  series.duration->Observe(seconds);
  series.size->Observe(static_cast<double>(response_bytes));
}

ConnectionMetrics::ConnectionMetrics(Metrics& metrics, const std::string& stem)
    : connections_open_(RegisterConnectionsOpen(metrics, stem)),
      rejected_family_(RegisterConnectionsRejected(metrics, stem)),
      accept_errors_(RegisterAcceptErrors(metrics, stem)) {}

void ConnectionMetrics::ConnectionOpened() { connections_open_.Increment(); }

void ConnectionMetrics::ConnectionClosed() { connections_open_.Decrement(); }

void ConnectionMetrics::ConnectionRejected(std::string_view reason) {
  rejected_family_.Add({{"reason", std::string(reason)}}).Increment();
}

void ConnectionMetrics::AcceptFailed() { accept_errors_.Increment(); }

}  // namespace mw::telemetry
