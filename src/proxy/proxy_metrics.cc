#include "proxy/proxy_metrics.h"

#include "prometheus/registry.h"

namespace mw::proxy {
namespace {

constexpr std::string_view kUpstreamErrorReasons[] = {
    "refused", "connect_timeout", "response_timeout", "pool_exhausted",
    "reset",   "reset_mid_body",  "protocol"};
constexpr std::string_view kUncapturedReasons[] = {"request_too_large", "response_too_large"};

prometheus::Family<prometheus::Gauge>& UpstreamConnectionsFamily(telemetry::Metrics& metrics) {
  return prometheus::BuildGauge()
      .Name("modelwatch_proxy_upstream_connections")
      .Help(
          "Connections of the proxy to the upstream, by state: active (leased or connecting), "
          "idle (kept for reuse).")
      .Register(metrics.registry());
}

}  // namespace

ProxyMetrics::ProxyMetrics(telemetry::Metrics& metrics)
    : requests_(metrics, metrics.prefix() + "_api"),
      connections_(metrics, "modelwatch_proxy"),
      upstream_active_(UpstreamConnectionsFamily(metrics).Add({{"state", "active"}})),
      upstream_idle_(UpstreamConnectionsFamily(metrics).Add({{"state", "idle"}})),
      client_disconnects_(prometheus::BuildCounter()
                              .Name("modelwatch_proxy_client_disconnects_total")
                              .Help("Requests whose client went away before its answer (counted "
                                    "status 499); the upstream call was abandoned.")
                              .Register(metrics.registry())
                              .Add({})) {
  auto& errors = prometheus::BuildCounter()
                     .Name("modelwatch_proxy_upstream_errors_total")
                     .Help("Failures of the upstream as the proxy met them, by reason.")
                     .Register(metrics.registry());
  for (const std::string_view reason : kUpstreamErrorReasons) {
    upstream_errors_.emplace(std::string(reason), &errors.Add({{"reason", std::string(reason)}}));
  }
  auto& uncaptured = prometheus::BuildCounter()
                         .Name("modelwatch_proxy_uncaptured_total")
                         .Help(
                             "Requests whose request or response body exceeded "
                             "proxy.max_capture_bytes: relayed, not captured nor cached.")
                         .Register(metrics.registry());
  for (const std::string_view reason : kUncapturedReasons) {
    uncaptured_.emplace(std::string(reason), &uncaptured.Add({{"reason", std::string(reason)}}));
  }
}

void ProxyMetrics::OnConnectionOpened() { connections_.ConnectionOpened(); }
void ProxyMetrics::OnConnectionClosed() { connections_.ConnectionClosed(); }
void ProxyMetrics::OnConnectionRejected(std::string_view reason) {
  connections_.ConnectionRejected(reason);
}
void ProxyMetrics::OnAcceptError(std::string_view, std::chrono::milliseconds) {
  connections_.AcceptFailed();
}
void ProxyMetrics::OnRequestStart() { requests_.RequestStarted(); }
void ProxyMetrics::OnRequestDone(const RequestRecord& r) {
  requests_.RequestFinished(r.method, r.endpoint, r.status, r.seconds, r.response_bytes);
}
void ProxyMetrics::OnUpstreamError(std::string_view reason) {
  if (auto it = upstream_errors_.find(reason); it != upstream_errors_.end())
    it->second->Increment();
}
void ProxyMetrics::OnClientDisconnect() { client_disconnects_.Increment(); }
void ProxyMetrics::OnUncaptured(std::string_view reason) {
  if (auto it = uncaptured_.find(reason); it != uncaptured_.end()) it->second->Increment();
}
void ProxyMetrics::OnUpstreamConnections(size_t active, size_t idle) {
  upstream_active_.Set(static_cast<double>(active));
  upstream_idle_.Set(static_cast<double>(idle));
}

}  // namespace mw::proxy
