#include "api/metrics/request_observer.h"

#include <gtest/gtest.h>

#include "api/metrics/service_metrics.h"
#include "telemetry/test_util.h"

namespace mw::api {
namespace {

using telemetry_test::Lines;
using telemetry_test::ReadFile;
using telemetry_test::Sample;
using telemetry_test::TempDir;

http::Request MakeRequest() {
  http::Request r;
  r.method = "GET";
  r.target = "/v1/models/churn?x=1";
  r.path = "/v1/models/churn";
  r.remote_address = "10.1.2.3";
  return r;
}

std::unique_ptr<ServiceMetrics> MakeMetrics() {
  telemetry::MetricsOptions o;
  o.system_metrics = false;
  return ServiceMetrics::Create(o).value();
}

TEST(RequestObserverTest, RecordsMetricsUnderTheRouteTemplate) {
  auto metrics = MakeMetrics();
  RequestObserver observer(&metrics->requests, &metrics->connections, nullptr);
  observer.OnRequestStart();
  EXPECT_EQ(Sample(metrics->core.Serialize(), "modelwatch_http_requests_in_flight"), 1);
  observer.OnRequestDone(MakeRequest(), "/v1/models/{model}", 404, 0.003, 120);
  const std::string text = metrics->core.Serialize();
  EXPECT_EQ(Sample(text, "modelwatch_http_requests_in_flight"), 0);
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_requests_total{endpoint="/v1/models/{model}",method="GET",status="404"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_response_size_bytes_sum{endpoint="/v1/models/{model}",method="GET"})"),
      120);
  EXPECT_EQ(text.find("/v1/models/churn"), std::string::npos);
}

TEST(RequestObserverTest, WritesOneAccessLinePerRequest) {
  TempDir dir;
  FakeClock clock;
  telemetry::LoggerOptions o;
  o.dir = dir.path().string();
  o.stdout_enabled = false;
  o.clock = &clock;
  auto logger = telemetry::Logger::Create(o).value();
  auto metrics = MakeMetrics();
  RequestObserver observer(&metrics->requests, &metrics->connections, logger.get());
  observer.OnRequestStart();
  observer.OnRequestDone(MakeRequest(), "/v1/models/{model}", 200, 0.0018431, 512);
  logger->Flush();
  const auto lines = Lines(ReadFile(dir.path() / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 1u);
  const auto doc = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(doc["url.path"], "/v1/models/churn");
  EXPECT_EQ(doc["http.route"], "/v1/models/{model}");
  EXPECT_EQ(doc["event.duration"], 1843100);
  EXPECT_EQ(doc["http.response.body.bytes"], 512);
  EXPECT_EQ(doc["client.address"], "10.1.2.3");
}

TEST(RequestObserverTest, WorksWithoutMetrics) {
  TempDir dir;
  telemetry::LoggerOptions o;
  o.dir = dir.path().string();
  o.stdout_enabled = false;
  auto logger = telemetry::Logger::Create(o).value();
  RequestObserver observer(nullptr, nullptr, logger.get());
  observer.OnRequestStart();
  observer.OnRequestDone(MakeRequest(), "unmatched", 404, 0.001, 0);
  logger->Flush();
  EXPECT_EQ(Lines(ReadFile(dir.path() / "modelwatch.log")).size(), 1u);
}

TEST(RequestObserverTest, CountsOpenAndRefusedConnections) {
  auto metrics = MakeMetrics();
  RequestObserver observer(&metrics->requests, &metrics->connections, nullptr);
  observer.OnConnectionOpened();
  observer.OnConnectionOpened();
  observer.OnConnectionClosed();
  observer.OnConnectionRejected("max_connections");
  observer.OnConnectionRejected("max_connections");
  observer.OnAcceptError("Too many open files", std::chrono::milliseconds(5));
  const std::string text = metrics->core.Serialize();
  EXPECT_EQ(Sample(text, "modelwatch_http_connections_open"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_http_connections_rejected_total{reason="max_connections"})"),
            2);
  EXPECT_EQ(Sample(text, "modelwatch_http_accept_errors_total"), 1);
}

TEST(RequestObserverTest, LogsAcceptErrorsOncePerInterval) {
  TempDir dir;
  FakeClock clock;
  telemetry::LoggerOptions o;
  o.dir = dir.path().string();
  o.stdout_enabled = false;
  o.clock = &clock;
  auto logger = telemetry::Logger::Create(o).value();
  auto metrics = MakeMetrics();
  RequestObserver observer(&metrics->requests, &metrics->connections, logger.get(), &clock);
  for (int i = 0; i < 100; ++i) {
    observer.OnAcceptError("Too many open files", std::chrono::milliseconds(5));
    clock.Advance(10);
  }
  logger->Flush();
  auto lines = Lines(ReadFile(dir.path() / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 1u);  // the first failure, at once
  auto doc = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(doc["log.level"], "warn");
  EXPECT_EQ(doc["error.message"], "Too many open files");
  EXPECT_EQ(doc["modelwatch.events_since_last_line"], 1);

  clock.Advance(kConnectionLogIntervalMs);
  observer.OnAcceptError("Too many open files", std::chrono::milliseconds(1000));
  // Refusals are throttled on their own.
  observer.OnConnectionRejected("max_connections");
  observer.OnConnectionRejected("max_connections");
  logger->Flush();
  lines = Lines(ReadFile(dir.path() / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 3u);
  doc = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(doc["modelwatch.events_since_last_line"], 100);  // 99 held back, and this one
  EXPECT_EQ(doc["modelwatch.retry_in_ms"], 1000);
  doc = nlohmann::json::parse(lines[2]);
  EXPECT_NE(doc["message"].get<std::string>().find("max_connections"), std::string::npos);
  EXPECT_EQ(Sample(metrics->core.Serialize(), "modelwatch_http_accept_errors_total"), 101);
}

}  // namespace
}  // namespace mw::api
