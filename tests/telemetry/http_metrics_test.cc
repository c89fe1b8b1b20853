// RequestMetrics and ConnectionMetrics under a name stem: two listeners on one registry
// (modelwatch's own API and the proxied API) keep their families apart.
#include "telemetry/http_metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "telemetry/metrics.h"
#include "test_util.h"

namespace mw::telemetry {
namespace {

using telemetry_test::Sample;

MetricsOptions NoSystemMetrics() {
  MetricsOptions o;
  o.system_metrics = false;
  return o;
}

TEST(HttpMetricsTest, TwoStemsOnOneRegistryCountApart) {
  Metrics metrics(NoSystemMetrics());
  RequestMetrics own(metrics, "modelwatch_http");
  RequestMetrics watched(metrics, "ml_api");
  own.RequestStarted();
  own.RequestFinished("GET", "/health", 200, 0.001, 10);
  watched.RequestStarted();
  watched.RequestFinished("POST", "/predict/{restaurant_id}", 503, 0.2, 100);
  watched.RequestStarted();
  const std::string text = metrics.Serialize();
  EXPECT_EQ(
      Sample(text,
             R"(modelwatch_http_requests_total{endpoint="/health",method="GET",status="200"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          R"(ml_api_requests_total{endpoint="/predict/{restaurant_id}",method="POST",status="503"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          R"(ml_api_errors_total{endpoint="/predict/{restaurant_id}",method="POST",status="503"})"),
      1);
  EXPECT_FALSE(
      Sample(text, R"(modelwatch_http_errors_total{endpoint="/health",method="GET",status="200"})")
          .has_value());
  EXPECT_EQ(Sample(text, "modelwatch_http_requests_in_flight"), 0);
  EXPECT_EQ(Sample(text, "ml_api_requests_in_flight"), 1);
  EXPECT_EQ(
      Sample(
          text,
          R"(ml_api_request_duration_seconds_count{endpoint="/predict/{restaurant_id}",method="POST"})"),
      1);
}

TEST(HttpMetricsTest, ConnectionFamiliesTakeTheStem) {
  Metrics metrics(NoSystemMetrics());
  ConnectionMetrics connections(metrics, "modelwatch_proxy");
  connections.ConnectionOpened();
  connections.ConnectionRejected("max_connections");
  connections.AcceptFailed();
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "modelwatch_proxy_connections_open"), 1);
  EXPECT_EQ(
      Sample(text, R"(modelwatch_proxy_connections_rejected_total{reason="max_connections"})"), 1);
  EXPECT_EQ(Sample(text, "modelwatch_proxy_accept_errors_total"), 1);
}

}  // namespace
}  // namespace mw::telemetry
