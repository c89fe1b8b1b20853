// proxy/health/gauges.h: the exact samples each probe answer exports, and the series that go
// away when a field does.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proxy/health/gauges.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

using telemetry_test::Lines;
using telemetry_test::Sample;

telemetry::MetricsOptions HealthGaugeOptions() {
  telemetry::MetricsOptions o;
  o.prefix = "iit";
  o.system_metrics = false;
  return o;
}

// The sample lines of the health families, sorted, histogram buckets left out (their bounds are
// telemetry::RequestDurationBuckets(); checked on their own below).
std::vector<std::string> HealthSamples(const telemetry::Metrics& metrics) {
  std::vector<std::string> out;
  for (const std::string& line : Lines(metrics.Serialize())) {
    if (line[0] == '#' || line.find("_bucket{") != std::string::npos) continue;
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

UpstreamHealth HealthOkAnswer() {
  UpstreamHealth h;
  h.probed = true;
  h.up = true;
  h.result = ProbeResult::kOk;
  h.status = "healthy";
  h.database_connected = true;
  h.redis_connected = false;
  h.model_loaded = true;
  h.pool = UpstreamHealth::DbPool{10, 2, 8};
  h.table_rows = {{"patients", 1500}, {"predictions", 5000}};
  h.probe_seconds = 0.012;
  return h;
}

UpstreamHealth HealthRefusedAnswer() {
  UpstreamHealth h;
  h.probed = true;
  h.result = ProbeResult::kRefused;
  h.error = "Failed to connect";
  return h;
}

TEST(HealthGaugesTest, BeforeAnyProbeOnlyTheProbeCountersAndHistogramShow) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  gauges.Update(UpstreamHealth{});  // not probed: nothing changes
  EXPECT_EQ(HealthSamples(metrics),
            (std::vector<std::string>{
                "modelwatch_proxy_health_probe_duration_seconds_count 0",
                "modelwatch_proxy_health_probe_duration_seconds_sum 0",
                "modelwatch_proxy_health_probes_total{result=\"error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"http_error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"ok\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"refused\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"timeout\"} 0",
            }));
}

TEST(HealthGaugesTest, AHealthOkAnswerExportsEveryGauge) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  gauges.Update(HealthOkAnswer());
  EXPECT_EQ(HealthSamples(metrics),
            (std::vector<std::string>{
                "iit_database_connected 1",
                "iit_db_connection_pool_size 10",
                "iit_db_connections{state=\"active\"} 2",
                "iit_db_connections{state=\"idle\"} 8",
                "iit_db_table_rows{table=\"patients\"} 1500",
                "iit_db_table_rows{table=\"predictions\"} 5000",
                "iit_model_loaded 1",
                "iit_redis_connected 0",
                "iit_service_health_status{status=\"healthy\"} 1",
                "iit_service_up 1",
                "modelwatch_proxy_health_probe_duration_seconds_count 1",
                "modelwatch_proxy_health_probe_duration_seconds_sum 0.012",
                "modelwatch_proxy_health_probes_total{result=\"error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"http_error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"ok\"} 1",
                "modelwatch_proxy_health_probes_total{result=\"refused\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"timeout\"} 0",
            }));
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probe_duration_seconds_bucket{le=\"0.01\"}"), 0);
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probe_duration_seconds_bucket{le=\"0.025\"}"), 1);
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probe_duration_seconds_bucket{le=\"+Inf\"}"), 1);
}

TEST(HealthGaugesTest, EveryFamilyHasHelpAndType) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  gauges.Update(HealthOkAnswer());
  const std::string text = metrics.Serialize();
  for (const char* family :
       {"iit_service_up", "iit_service_health_status", "iit_database_connected",
        "iit_redis_connected", "iit_model_loaded", "iit_db_connections",
        "iit_db_connection_pool_size", "iit_db_table_rows"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " gauge\n"), std::string::npos) << family;
  }
  EXPECT_NE(text.find("# TYPE modelwatch_proxy_health_probes_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE modelwatch_proxy_health_probe_duration_seconds histogram\n"),
            std::string::npos);
}

TEST(HealthGaugesTest, ADownServiceLeavesOnlyUpAndTheStatusesSeen) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  gauges.Update(HealthOkAnswer());
  gauges.Update(HealthRefusedAnswer());
  EXPECT_EQ(HealthSamples(metrics),
            (std::vector<std::string>{
                "iit_service_health_status{status=\"healthy\"} 0",
                "iit_service_up 0",
                "modelwatch_proxy_health_probe_duration_seconds_count 2",
                "modelwatch_proxy_health_probe_duration_seconds_sum 0.012",
                "modelwatch_proxy_health_probes_total{result=\"error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"http_error\"} 0",
                "modelwatch_proxy_health_probes_total{result=\"ok\"} 1",
                "modelwatch_proxy_health_probes_total{result=\"refused\"} 1",
                "modelwatch_proxy_health_probes_total{result=\"timeout\"} 0",
            }));
  // Back up: every series returns.
  gauges.Update(HealthOkAnswer());
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "iit_service_up"), 1);
  EXPECT_EQ(Sample(text, "iit_db_connections{state=\"idle\"}"), 8);
  EXPECT_EQ(Sample(text, "iit_db_table_rows{table=\"patients\"}"), 1500);
}

TEST(HealthGaugesTest, TheStatusIsAStateSet) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  UpstreamHealth h = HealthOkAnswer();
  gauges.Update(h);
  h.status = "unhealthy";
  h.result = ProbeResult::kHttpError;
  gauges.Update(h);
  std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"healthy\"}"), 0);
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"unhealthy\"}"), 1);
  h.status.reset();  // up, but no status reported: every state 0
  gauges.Update(h);
  text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"healthy\"}"), 0);
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"unhealthy\"}"), 0);
}

TEST(HealthGaugesTest, StatusLabelValuesAreBounded) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  UpstreamHealth h = HealthOkAnswer();
  for (int i = 0; i < 30; ++i) {  // 15 statuses get series of their own, then "other"
    h.status = "s" + std::to_string(i);
    gauges.Update(h);
  }
  h.status = "s3";  // seen before: its own series
  gauges.Update(h);
  std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"s3\"}"), 1);
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"s14\"}"), 0);
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"s15\"}"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_service_health_status{status=\"other\"}"), 0);
  h.status = "s29";
  gauges.Update(h);
  EXPECT_EQ(Sample(metrics.Serialize(), "iit_service_health_status{status=\"other\"}"), 1);

  int series = 0;
  for (const std::string& line : Lines(metrics.Serialize())) {
    if (line.rfind("iit_service_health_status{", 0) == 0) ++series;
  }
  EXPECT_EQ(series, 16);  // s0..s14, other
}

TEST(HealthGaugesTest, OverlongAndEmptyStatusesAreOther) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  UpstreamHealth h = HealthOkAnswer();
  h.status = std::string(65, 'x');
  gauges.Update(h);
  EXPECT_EQ(Sample(metrics.Serialize(), "iit_service_health_status{status=\"other\"}"), 1);
  h.status = "";
  gauges.Update(h);
  EXPECT_EQ(Sample(metrics.Serialize(), "iit_service_health_status{status=\"other\"}"), 1);
}

TEST(HealthGaugesTest, SeriesAreRemovedWhenTheirFieldDisappears) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  gauges.Update(HealthOkAnswer());
  UpstreamHealth h = HealthOkAnswer();
  h.redis_connected.reset();
  h.model_loaded.reset();
  h.pool.reset();
  h.table_rows.erase("predictions");
  gauges.Update(h);
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "iit_database_connected"), 1);
  EXPECT_EQ(Sample(text, "iit_redis_connected"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_model_loaded"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_db_connection_pool_size"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_db_connections{state=\"active\"}"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_db_connections{state=\"idle\"}"), std::nullopt);
  EXPECT_EQ(Sample(text, "iit_db_table_rows{table=\"patients\"}"), 1500);
  EXPECT_EQ(Sample(text, "iit_db_table_rows{table=\"predictions\"}"), std::nullopt);
  // A family with no series left is not in the output at all.
  EXPECT_EQ(text.find("iit_model_loaded"), std::string::npos);
}

TEST(HealthGaugesTest, ConcurrentUpdatesAreSafe) {
  telemetry::Metrics metrics(HealthGaugeOptions());
  HealthGauges gauges(metrics);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&gauges, t] {
      for (int i = 0; i < 500; ++i) {
        gauges.Update((i + t) % 2 == 0 ? HealthOkAnswer() : HealthRefusedAnswer());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probes_total{result=\"ok\"}"), 1000);
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probes_total{result=\"refused\"}"), 1000);
}

}  // namespace
}  // namespace mw::proxy
