#include "api/metrics/service_metrics.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <limits>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/names.h"
#include "telemetry/test_util.h"

namespace mw::api {
namespace {

using telemetry_test::Sample;
using telemetry_test::TempDir;

telemetry::MetricsOptions Options(std::string prefix = "ml", std::string label = "segment",
                                  int64_t max_segments = 1000) {
  telemetry::MetricsOptions o;
  o.prefix = std::move(prefix);
  o.segment_label = std::move(label);
  o.max_segments = max_segments;
  o.version = "1.2.3";
  o.system_metrics = false;
  return o;
}

std::unique_ptr<ServiceMetrics> Make(const telemetry::MetricsOptions& o) {
  auto m = ServiceMetrics::Create(o);
  EXPECT_TRUE(m.has_value()) << m.status().ToString();
  return std::move(*m);
}

bool Contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(MetricsTest, FamiliesUseTheCustomPrefixAndSegmentLabel) {
  auto m = Make(Options("iit", "restaurant_id"));
  m->requests.RequestStarted();
  m->requests.RequestFinished("POST", "/v1/predictions", 202, 0.01, 100);
  m->requests.RequestStarted();
  m->requests.RequestFinished("GET", "/v1/models/{model}", 404, 0.002, 50);
  m->ingest.RecordPredictions("demand", "r1", 3);
  m->ingest.RecordActuals("demand", 2, 1);
  m->ingest.RecordBatch(3);
  m->ingest.RecordRejected("invalid");
  m->connections.ConnectionOpened();
  m->connections.ConnectionRejected("max_connections");
  m->connections.AcceptFailed();
  m->store.OnQuery("insert_predictions", 0.001);
  m->store.OnGroupCommit(2, 3, 0.004);
  m->store.Update(store::StoreStats{{{"prediction_logs", 7}}, 4096, {5, 1, 4}, 2});
  const std::string text = m->core.Serialize();
  for (const char* family : {"# TYPE modelwatch_http_requests_total counter",
                             "# TYPE modelwatch_http_errors_total counter",
                             "# TYPE modelwatch_http_request_duration_seconds histogram",
                             "# TYPE modelwatch_http_response_size_bytes histogram",
                             "# TYPE modelwatch_http_requests_in_flight gauge",
                             "# TYPE iit_predictions_total counter",
                             "# TYPE iit_actuals_total counter",
                             "# TYPE modelwatch_segment_overflow_total counter",
                             "# TYPE modelwatch_ingest_batch_size histogram",
                             "# TYPE modelwatch_ingest_rejected_total counter",
                             "# TYPE modelwatch_store_query_duration_seconds histogram",
                             "# TYPE modelwatch_store_group_commits_total counter",
                             "# TYPE modelwatch_store_group_commit_rows histogram",
                             "# TYPE modelwatch_store_group_commit_duration_seconds histogram",
                             "# TYPE modelwatch_store_connections gauge",
                             "# TYPE modelwatch_store_connection_pool_size gauge",
                             "# TYPE modelwatch_store_write_queue_depth gauge",
                             "# TYPE modelwatch_store_size_bytes gauge",
                             "# TYPE modelwatch_store_table_rows gauge",
                             "# TYPE modelwatch_build_info gauge"}) {
    EXPECT_TRUE(Contains(text, family)) << family;
  }
  EXPECT_EQ(Sample(text, R"(iit_predictions_total{model_type="demand",restaurant_id="r1"})"), 3);
  EXPECT_EQ(Sample(text, R"(iit_actuals_total{matched="true",model_type="demand"})"), 2);
  EXPECT_EQ(Sample(text, R"(iit_actuals_total{matched="false",model_type="demand"})"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_build_info{version="1.2.3"})"), 1);
  EXPECT_FALSE(Contains(text, "ml_"));
  // P_api_* is the watched API, registered by the proxy: modelwatch's own server never uses it.
  EXPECT_FALSE(Contains(text, "iit_api_"));
}

TEST(MetricsTest, RequestsAreCountedByRouteTemplateAndErrorsOnlyFrom400) {
  auto m = Make(Options());
  m->requests.RequestStarted();
  m->requests.RequestFinished("GET", "/v1/models/{model}", 200, 0.001, 10);
  m->requests.RequestStarted();
  m->requests.RequestFinished("GET", "/v1/models/{model}", 500, 0.001, 10);
  const std::string text = m->core.Serialize();
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_requests_total{endpoint="/v1/models/{model}",method="GET",status="200"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_requests_total{endpoint="/v1/models/{model}",method="GET",status="500"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_errors_total{endpoint="/v1/models/{model}",method="GET",status="500"})"),
      1);
  EXPECT_FALSE(Sample(
      text,
      R"(modelwatch_http_errors_total{endpoint="/v1/models/{model}",method="GET",status="200"})"));
}

TEST(MetricsTest, InFlightRisesOnStartAndFallsOnFinish) {
  auto m = Make(Options());
  m->requests.RequestStarted();
  m->requests.RequestStarted();
  EXPECT_EQ(Sample(m->core.Serialize(), "modelwatch_http_requests_in_flight"), 2);
  m->requests.RequestFinished("GET", "/livez", 200, 0.001, 2);
  EXPECT_EQ(Sample(m->core.Serialize(), "modelwatch_http_requests_in_flight"), 1);
}

TEST(MetricsTest, UnknownMethodsAreFoldedToOther) {
  auto m = Make(Options());
  m->requests.RequestStarted();
  m->requests.RequestFinished("BREW", "unmatched", 405, 0.001, 2);
  EXPECT_EQ(
      Sample(m->core.Serialize(),
             R"(modelwatch_http_requests_total{endpoint="unmatched",method="other",status="405"})"),
      1);
  EXPECT_EQ(telemetry::NormalizeMethod("PATCH"), "PATCH");
  EXPECT_EQ(telemetry::NormalizeMethod("get"), "other");
}

TEST(MetricsTest, SegmentsPastTheCapAreExportedAsOtherAndCounted) {
  auto m = Make(Options("ml", "restaurant_id", 2));
  m->ingest.RecordPredictions("demand", "r1", 1);
  m->ingest.RecordPredictions("demand", "r2", 1);
  m->ingest.RecordPredictions("demand", "r3", 4);
  m->ingest.RecordPredictions("demand", "r4", 5);
  m->ingest.RecordPredictions("demand", "r1", 1);  // admitted earlier: still its own series
  m->ingest.RecordPredictions("demand", "", 2);    // no segment: not counted against the cap
  const std::string text = m->core.Serialize();
  EXPECT_EQ(Sample(text, R"(ml_predictions_total{model_type="demand",restaurant_id="r1"})"), 2);
  EXPECT_EQ(Sample(text, R"(ml_predictions_total{model_type="demand",restaurant_id="r2"})"), 1);
  EXPECT_EQ(Sample(text, R"(ml_predictions_total{model_type="demand",restaurant_id="other"})"), 9);
  EXPECT_EQ(Sample(text, R"(ml_predictions_total{model_type="demand",restaurant_id=""})"), 2);
  EXPECT_FALSE(Contains(text, "r3"));
  EXPECT_EQ(Sample(text, "modelwatch_segment_overflow_total"), 9);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  auto m = Make(Options());
  for (double s : {0.0003, 0.003, 0.3, 20.0}) {
    m->requests.RequestStarted();
    m->requests.RequestFinished("GET", "/x", 200, s, 1);
  }
  const std::string text = m->core.Serialize();
  const std::string b =
      R"(modelwatch_http_request_duration_seconds_bucket{endpoint="/x",method="GET",le=")";
  EXPECT_EQ(Sample(text, b + "0.0005\"}"), 1);
  EXPECT_EQ(Sample(text, b + "0.005\"}"), 2);
  EXPECT_EQ(Sample(text, b + "0.5\"}"), 3);
  EXPECT_EQ(Sample(text, b + "10\"}"), 3);
  EXPECT_EQ(Sample(text, b + "+Inf\"}"), 4);
  EXPECT_EQ(
      Sample(text, R"(modelwatch_http_request_duration_seconds_count{endpoint="/x",method="GET"})"),
      4);
  double previous = 0;
  for (double le : telemetry::RequestDurationBuckets()) {
    std::ostringstream bound;
    bound << le;
    const auto v = Sample(text, b + bound.str() + "\"}");
    ASSERT_TRUE(v.has_value()) << bound.str();
    EXPECT_GE(*v, previous);
    previous = *v;
  }
}

TEST(MetricsTest, BatchSizesUseTheIngestBuckets) {
  auto m = Make(Options());
  m->ingest.RecordBatch(1);
  m->ingest.RecordBatch(7);
  m->ingest.RecordBatch(100000);
  m->ingest.RecordBatch(0);  // ignored
  const std::string text = m->core.Serialize();
  EXPECT_EQ(Sample(text, R"(modelwatch_ingest_batch_size_bucket{le="1"})"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_ingest_batch_size_bucket{le="10"})"), 2);
  EXPECT_EQ(Sample(text, R"(modelwatch_ingest_batch_size_bucket{le="100000"})"), 3);
  EXPECT_EQ(Sample(text, "modelwatch_ingest_batch_size_count"), 3);
  EXPECT_EQ(Sample(text, "modelwatch_ingest_batch_size_sum"), 100008);
}

TEST(MetricsTest, PredictionLatenciesFillTheDurationHistogramPerModelAndSegment) {
  auto m = Make(Options());
  const double r1_seconds[] = {0.12, 0.12, 4.0};
  m->ingest.RecordPredictionLatencies("demand", "r1", r1_seconds);
  // -1 and infinity are skipped; NaN marks an event without latency_ms.
  const double r2_seconds[] = {0.0004, -1, std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN()};
  m->ingest.RecordPredictionLatencies("demand", "r2", r2_seconds);
  m->ingest.RecordPredictionLatencies("demand", "r3", std::span<const double>{});  // no series
  const std::string text = m->core.Serialize();
  EXPECT_EQ(text.find(R"(segment="r3")"), std::string::npos);
  const std::string r1 = R"(model_type="demand",segment="r1")";
  EXPECT_EQ(Sample(text, "ml_prediction_duration_seconds_bucket{" + r1 + ",le=\"0.1\"}"), 0);
  EXPECT_EQ(Sample(text, "ml_prediction_duration_seconds_bucket{" + r1 + ",le=\"0.25\"}"), 2);
  EXPECT_EQ(Sample(text, "ml_prediction_duration_seconds_bucket{" + r1 + ",le=\"5\"}"), 3);
  EXPECT_EQ(Sample(text, "ml_prediction_duration_seconds_count{" + r1 + "}"), 3);
  EXPECT_NEAR(*Sample(text, "ml_prediction_duration_seconds_sum{" + r1 + "}"), 4.24, 1e-12);
  EXPECT_EQ(
      Sample(text, R"(ml_prediction_duration_seconds_count{model_type="demand",segment="r2"})"), 1);
}

TEST(MetricsTest, ActualsWithoutModelAreUnknown) {
  auto m = Make(Options());
  m->ingest.RecordActuals(3, 0);
  EXPECT_EQ(Sample(m->core.Serialize(), R"(ml_actuals_total{matched="true",model_type="unknown"})"),
            3);
}

TEST(MetricsTest, RejectionsAreCountedByReason) {
  auto m = Make(Options());
  m->ingest.RecordRejected("invalid");
  m->ingest.RecordRejected("invalid", 2);
  m->ingest.RecordRejected("conflict");
  const std::string text = m->core.Serialize();
  EXPECT_EQ(Sample(text, R"(modelwatch_ingest_rejected_total{reason="invalid"})"), 3);
  EXPECT_EQ(Sample(text, R"(modelwatch_ingest_rejected_total{reason="conflict"})"), 1);
}

TEST(MetricsTest, StoreStatsSetTheDatabaseGauges) {
  auto m = Make(Options());
  m->store.Update(store::StoreStats{{{"prediction_logs", 7}, {"models", 2}}, 4096, {5, 1, 4}, 3});
  m->store.Update(store::StoreStats{{{"prediction_logs", 9}, {"models", 2}}, 8192, {5, 2, 3}, 0});
  const std::string text = m->core.Serialize();
  EXPECT_EQ(Sample(text, R"(modelwatch_store_connections{state="active"})"), 2);
  EXPECT_EQ(Sample(text, R"(modelwatch_store_connections{state="idle"})"), 3);
  EXPECT_EQ(Sample(text, "modelwatch_store_connection_pool_size"), 5);
  EXPECT_EQ(Sample(text, "modelwatch_store_write_queue_depth"), 0);
  EXPECT_EQ(Sample(text, "modelwatch_store_size_bytes"), 8192);
  EXPECT_EQ(Sample(text, R"(modelwatch_store_table_rows{table="prediction_logs"})"), 9);
  EXPECT_EQ(Sample(text, R"(modelwatch_store_table_rows{table="models"})"), 2);
}

TEST(MetricsTest, StoreObserverRecordsQueriesAndGroupCommits) {
  auto m = Make(Options());
  store::StoreObserver* observer = &m->store;
  observer->OnQuery("select", 0.002);
  observer->OnQuery("select", 0.02);
  observer->OnGroupCommit(3, 250, 0.01);
  const std::string text = m->core.Serialize();
  EXPECT_EQ(Sample(text, R"(modelwatch_store_query_duration_seconds_count{operation="select"})"),
            2);
  EXPECT_EQ(Sample(text, "modelwatch_store_group_commits_total"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_store_group_commit_rows_bucket{le="100"})"), 0);
  EXPECT_EQ(Sample(text, R"(modelwatch_store_group_commit_rows_bucket{le="500"})"), 1);
  EXPECT_EQ(Sample(text, "modelwatch_store_group_commit_duration_seconds_count"), 1);
}

TEST(MetricsTest, LatestModelVersionReplacesThePreviousOnesSeries) {
  auto m = Make(Options("ml", "restaurant_id"));
  registry::ModelVersionInfo v1;
  v1.model = "demand";
  v1.version = "v1";
  v1.segment = "r1";
  v1.training_metrics = {{"mae", 3.0}, {"rmse", 4.0}};
  v1.model_size_bytes = 2048;
  m->models.Record(v1);
  registry::ModelVersionInfo v2 = v1;
  v2.version = "v2";
  v2.training_metrics = {{"mae", 2.5}};
  v2.model_size_bytes.reset();
  v2.training_duration_seconds = 120;
  m->models.Record(v2);
  registry::ModelVersionInfo old = v1;
  old.version = "v0";
  old.is_latest = false;
  m->models.Record(old);  // not latest: ignored
  const std::string text = m->core.Serialize();
  EXPECT_EQ(
      Sample(
          text,
          R"(ml_model_training_metric{metric="mae",model_type="demand",restaurant_id="r1",version="v2"})"),
      2.5);
  EXPECT_FALSE(Contains(text, "version=\"v1\""));
  EXPECT_FALSE(Contains(text, "version=\"v0\""));
  EXPECT_EQ(
      Sample(
          text,
          R"(ml_model_training_duration_seconds{model_type="demand",restaurant_id="r1",version="v2"})"),
      120);
  EXPECT_EQ(Sample(text, R"(ml_registered_models{model_type="demand"})"), 1);
}

TEST(MetricsTest, InvalidOptionsAreRejectedNamingTheKey) {
  for (const char* prefix : {"", "9ml", "ml_", "m-l", "ml:x"}) {
    auto m = ServiceMetrics::Create(Options(prefix));
    ASSERT_FALSE(m.has_value()) << prefix;
    EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.error().message().find("metrics.prefix"), std::string::npos);
  }
  for (const char* label : {"", "__x", "model_type", "version", "metric", "le", "a-b"}) {
    auto m = ServiceMetrics::Create(Options("ml", label));
    ASSERT_FALSE(m.has_value()) << label;
    EXPECT_NE(m.error().message().find("metrics.segment_label"), std::string::npos);
  }
  auto m = ServiceMetrics::Create(Options("ml", "segment", -1));
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message().find("metrics.max_segments"), std::string::npos);
  EXPECT_THROW(telemetry::Metrics(Options("bad-prefix")), std::invalid_argument);
}

TEST(MetricsTest, SerializeIncludesProcessAndHostMetricsWhenEnabled) {
  TempDir dir;
  telemetry::MetricsOptions o = Options();
  o.system_metrics = true;
  o.data_dir = dir.path().string();
  auto m = Make(o);
  const std::string text = m->core.Serialize();
  for (const char* name :
       {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
        "process_start_time_seconds ", "process_open_fds ", "ml_system_cpu_usage_ratio ",
        "ml_system_memory_bytes{", "ml_system_disk_free_bytes{"}) {
    EXPECT_TRUE(Contains(text, name)) << name;
  }
}

// Runs `promtool check metrics` on the text; returns its exit status and combined output.
std::pair<int, std::string> Promtool(const std::string& text) {
  TempDir dir;
  const auto file = dir.path() / "metrics.txt";
  telemetry_test::WriteFile(file, text);
  const std::string cmd = "promtool check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(MetricsTest, SerializedOutputPassesPromtool) {
  TempDir dir;
  telemetry::MetricsOptions o = Options("iit", "restaurant_id", 1);
  o.system_metrics = true;
  o.data_dir = dir.path().string();
  auto m = Make(o);
  m->requests.RequestStarted();
  m->requests.RequestFinished("POST", "/v1/predictions", 202, 0.01, 100);
  m->requests.RequestStarted();
  m->requests.RequestFinished("GET", "/v1/models/{model}", 404, 0.002, 50);
  m->ingest.RecordPredictions("demand", "r1", 3);
  m->ingest.RecordPredictions("demand", "r\"2\n", 1);  // overflow, and a value needing escapes
  m->ingest.RecordActuals(2, 1);
  m->ingest.RecordBatch(3);
  m->ingest.RecordRejected("invalid");
  m->store.OnQuery("insert_predictions", 0.001);
  m->store.OnGroupCommit(2, 3, 0.004);
  m->store.Update(store::StoreStats{{{"prediction_logs", 7}}, 4096, {5, 1, 4}, 2});
  registry::ModelVersionInfo v;
  v.model = "demand";
  v.version = "v1";
  v.training_metrics = {{"mae", 3}};
  v.model_size_bytes = 10;
  v.training_duration_seconds = 1;
  m->models.Record(v);
  const auto [status, output] = Promtool(m->core.Serialize());
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

// Names stored by an older version (before common/names.h) may be invalid UTF-8 or hold control
// characters; the text format requires UTF-8, so such a label value must not reach the scrape raw.
TEST(MetricsTest, LabelValuesWithInvalidUtf8OrControlCharactersStillPassPromtool) {
  auto m = Make(Options("ml", "segment", 10));
  m->ingest.RecordPredictions(
      "bad\xff"
      "model",
      "seg\x01\r\t", 1);
  m->ingest.RecordActuals("ctl\x7f\xc2\x85", 1, 0);
  registry::ModelVersionInfo v;
  v.model = "m\xc3";
  v.version = "v\xff\x02";
  v.training_metrics = {{"ma\x1b[31me", 3}};
  m->models.Record(v);
  const std::string text = m->core.Serialize();
  EXPECT_TRUE(IsSafeText(text, "\n"));
  EXPECT_TRUE(Contains(text, "model_type=\"bad\xEF\xBF\xBDmodel\"")) << text;
  const auto [status, output] = Promtool(text);
  EXPECT_EQ(status, 0) << output;
}

TEST(MetricsTest, BackgroundErrorsAreCountedPerThread) {
  auto m = Make(Options());
  m->background_errors.Record("evaluator");
  m->background_errors.Record("evaluator");
  m->background_errors.Record("outbox");
  const std::string text = m->core.Serialize();
  EXPECT_TRUE(Contains(text, "modelwatch_background_errors_total{thread=\"evaluator\"} 2")) << text;
  EXPECT_TRUE(Contains(text, "modelwatch_background_errors_total{thread=\"outbox\"} 1")) << text;
}

TEST(MetricsTest, PromtoolCheckCanFail) {
  // Guards the promtool test above against a harness that always passes.
  const auto [status, output] =
      Promtool("# HELP ml_requests Requests.\n# TYPE ml_requests counter\nml_requests 1\n");
  EXPECT_NE(output, "");
}

TEST(MetricsTest, ConcurrentRecordingLosesNoCounts) {
  auto m = Make(Options("ml", "segment", 5));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 5000; ++i) {
        m->ingest.RecordPredictions("model" + std::to_string(i % 2),
                                    "s" + std::to_string((i + t) % 10), 1);
        m->requests.RequestStarted();
        m->requests.RequestFinished("POST", "/v1/predictions", 202, 0.001, 10);
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::string text = m->core.Serialize();
  double predictions = 0;
  for (const auto& line : telemetry_test::Lines(text)) {
    if (line.rfind("ml_predictions_total{", 0) == 0) {
      predictions += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_EQ(predictions, 20000);
  EXPECT_EQ(Sample(text, "modelwatch_segment_overflow_total"),
            10000);  // 5 of the 10 values overflow
  EXPECT_EQ(
      Sample(
          text,
          R"(modelwatch_http_requests_total{endpoint="/v1/predictions",method="POST",status="202"})"),
      20000);
  EXPECT_EQ(Sample(text, "modelwatch_http_requests_in_flight"), 0);
}

TEST(MetricsTest, ContentTypeIsTextFormat004) {
  EXPECT_EQ(telemetry::Metrics::kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace mw::api
