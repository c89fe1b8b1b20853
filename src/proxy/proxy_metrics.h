// The proxy's metric families (ProxyObserver):
//   P_api_requests_total{method,endpoint,status}, P_api_errors_total, P_api_request_duration_
//   seconds, P_api_response_size_bytes, P_api_requests_in_flight: the watched API's traffic
//   through the proxy (telemetry/http_metrics.h RequestMetrics, stem "<prefix>_api"); status 499
//   for a client that went away before its answer;
//   modelwatch_proxy_connections_open, _connections_rejected_total{reason}, _accept_errors_total:
//   the proxy's listener (ConnectionMetrics, stem "modelwatch_proxy");
//   modelwatch_proxy_upstream_connections{state="active|idle"}        gauge
//   modelwatch_proxy_upstream_errors_total{reason}                    counter (refused,
//       connect_timeout, response_timeout, pool_exhausted, reset, reset_mid_body, protocol)
//   modelwatch_proxy_client_disconnects_total                         counter
//   modelwatch_proxy_uncaptured_total{reason}                         counter (request_too_large,
//       response_too_large)
// Every labelled series named above is created at construction (0).
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "proxy/proxy.h"
#include "telemetry/http_metrics.h"
#include "telemetry/metrics.h"

namespace mw::proxy {

class ProxyMetrics : public ProxyObserver {
 public:
  // Registers the families on metrics.registry(); `metrics` must outlive this.
  explicit ProxyMetrics(telemetry::Metrics& metrics);

  void OnConnectionOpened() override;
  void OnConnectionClosed() override;
  void OnConnectionRejected(std::string_view reason) override;
  void OnAcceptError(std::string_view error, std::chrono::milliseconds retry_in) override;
  void OnRequestStart() override;
  void OnRequestDone(const RequestRecord& record) override;
  void OnUpstreamError(std::string_view reason) override;
  void OnClientDisconnect() override;
  void OnUncaptured(std::string_view reason) override;
  void OnUpstreamConnections(size_t active, size_t idle) override;

 private:
  telemetry::RequestMetrics requests_;
  telemetry::ConnectionMetrics connections_;
  prometheus::Gauge& upstream_active_;
  prometheus::Gauge& upstream_idle_;
  // Fixed label values, created up front: the maps are read-only after construction.
  std::map<std::string, prometheus::Counter*, std::less<>> upstream_errors_;
  prometheus::Counter& client_disconnects_;
  std::map<std::string, prometheus::Counter*, std::less<>> uncaptured_;
};

}  // namespace mw::proxy
