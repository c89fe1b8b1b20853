// The built-in engine's condition evaluation on sampled metrics. The main scenario is the one
// tests/alerting/promtool_test.cc gives Prometheus' own engine
// (TranslatedConditionsFireWhereTheyShould): the same counters, buckets and gauges, sampled once a
// minute, must give the same series and values (ranges aligned with the samples, so Prometheus'
// extrapolation does not apply), with the numbers worked out by hand in the comments. Then the
// parts of the language that scenario does not reach: arithmetic, scalars on the left, `or`,
// staleness, one-to-one errors, matchers.
#include "alerting/rules/evaluate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "alerting/rules/promql.h"

namespace mw::alerting::evaluate_test {
namespace {

using ::testing::IsEmpty;

constexpr int64_t kMinute = 60'000;

Condition Parse(const std::string& text, const std::string& segment_label = "segment") {
  auto c = ParseCondition(text, ConditionOptions{segment_label});
  EXPECT_TRUE(c.has_value()) << text << ": " << c.error().message();
  return c.has_value() ? *c : Condition{};
}

// The exposition at minute `m` of the promtool scenario (counters grow by their per-minute step).
std::string Scenario(int m) {
  auto c = [m](const std::string& series, double per_minute) {
    return series + " " + std::to_string(per_minute * m) + "\n";
  };
  std::string text;
  text += c(R"(ml_api_requests_total{method="GET",endpoint="/a",status="200"})", 90);
  text += c(R"(ml_api_requests_total{method="GET",endpoint="/a",status="500"})", 10);
  text += c(R"(ml_api_requests_total{method="GET",endpoint="/b",status="200"})", 100);
  text += c(R"(ml_api_errors_total{method="GET",endpoint="/a",status="500"})", 10);
  text += c(R"(ml_api_errors_total{method="GET",endpoint="/a",status="404"})", 50);
  const std::pair<const char*, double> a[] = {{"1", 0}, {"5", 10}, {"10", 100}, {"+Inf", 100}};
  for (const auto& [le, n] : a) {
    text +=
        c(std::string(R"(ml_api_request_duration_seconds_bucket{method="GET",endpoint="/a",le=")") +
              le + "\"}",
          n);
    text +=
        c(std::string(R"(ml_api_request_duration_seconds_bucket{method="GET",endpoint="/b",le=")") +
              le + "\"}",
          100);
  }
  text += c(R"(ml_cache_hits_total{cache_type="response"})", 1);
  text += c(R"(ml_cache_misses_total{cache_type="response"})", 3);
  // modelwatch's own counters (fixed names, whatever the prefix).
  text += c(R"(modelwatch_proxy_capture_dropped_total{reason="queue_full"})", 2);
  text += c(R"(modelwatch_proxy_capture_dropped_total{reason="invalid"})", 0);
  text += c(R"(modelwatch_background_errors_total{thread="evaluator"})", 0);
  text += R"(ml_model_mae{model="m1",segment="s1"} 3
ml_model_training_mae{model="m1",segment="s1",version="v2"} 1
ml_model_mae{model="m2",segment="s1"} 1
ml_model_training_mae{model="m2",segment="s1",version="v1"} 1
ml_system_memory_bytes{state="used"} 6
ml_system_memory_bytes{state="available"} 4
ml_system_memory_bytes{state="total"} 10
ml_feature_psi{model="m1",segment="s1",feature="f1"} 0.3
ml_feature_psi{model="m1",segment="s2",feature="f1"} 0.3
ml_model_drift_detected{model="m1",segment="s1"} 1
ml_model_drift_detected{model="m1",segment="s2"} 0
modelwatch_maintenance_last_run_failed{task="vacuum"} 1
modelwatch_maintenance_last_run_failed{task="backup"} 0
modelwatch_maintenance_seconds_since_success{task="vacuum"} 200000
modelwatch_maintenance_seconds_since_success{task="backup"} 100000
modelwatch_maintenance_period_seconds{task="vacuum"} 86400
modelwatch_maintenance_period_seconds{task="backup"} 86400
ml_service_up 0
ml_database_connected 1
ml_model_loaded 0
)";
  text += c(R"(iit_predictions_total{model_type="demand",restaurant_id="r1"})", 6);
  text += c(R"(iit_predictions_total{model_type="demand",restaurant_id="r2"})", 6);
  return text;
}

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int m = 0; m <= 100; ++m) ASSERT_TRUE(sampler_.Sample(Scenario(m), m * kMinute).ok());
  }
  std::vector<SeriesValue> At(int minute, const std::string& text, const std::string& prefix = "ml",
                              const std::string& segment_label = "segment") {
    EvaluationContext ctx;
    ctx.prefix = prefix;
    ctx.now_ms = minute * kMinute;
    auto r = EvaluateCondition(Parse(text, segment_label), sampler_, ctx);
    EXPECT_TRUE(r.has_value()) << text << ": " << r.error().message();
    return r.has_value() ? *r : std::vector<SeriesValue>{};
  }
  MetricSampler sampler_{3 * 3600 * 1000};
};

TEST_F(EvaluateTest, SameAnswersAsPrometheusOnThePromtoolScenario) {
  // 5xx: 10 of the 200 requests a minute (the 404s are not server errors): 0.05.
  auto r = At(10, "error_rate[5m] > 0.04");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].labels.empty());
  EXPECT_DOUBLE_EQ(r[0].value, 0.05);
  // /b answers only 200: no 5xx series, no ratio.
  EXPECT_THAT(At(10, R"(error_rate{endpoint="/b"}[5m] > 0.05)"), IsEmpty());
  // Buckets per minute over both endpoints: le=1: 100, le=5: 110, le=10: 200, +Inf: 200. Rank
  // 0.95 * 200 = 190 in (5, 10]: 5 + 5 * (190 - 110) / (200 - 110) = 9.4444.
  r = At(10, "latency_p95[5m] > 5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].value, 5 + 5.0 * 80 / 90, 1e-12);
  // /b alone: rank 95 of 100 in (0, 1]: 0.95.
  r = At(10, R"(latency_p95{endpoint="/b"}[5m] > 0.9)");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].value, 0.95, 1e-12);
  // 1 hit and 3 misses a minute: 0.25.
  r = At(10, "cache_hit_ratio[5m] < 0.5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].value, 0.25);
  // m1: 3 > 1 * 1.5 with labels model and segment only (version is not an identifying label);
  // m2: 1 > 1.5 does not hold.
  r = At(10, "model_mae > model_training_mae * 1.5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels, (Labels{{"model", "m1"}, {"segment", "s1"}}));
  EXPECT_DOUBLE_EQ(r[0].value, 3);
  // 6 of 10 bytes used; `state` is dropped with ignoring(state).
  r = At(10, "memory_usage_ratio > 0.5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].labels.empty());
  EXPECT_DOUBLE_EQ(r[0].value, 0.6);
  // Ten 5xx a minute: 600 in the last hour.
  r = At(100, "errors[1h] > 50");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].value, 600);
  // s1 drifted and has a shifted feature; s2 has the feature shifted but no drift. `and` keeps
  // the left side's series with all its labels.
  r = At(10, "feature_psi > 0.2 and model_drift_detected == 1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels, (Labels{{"feature", "f1"}, {"model", "m1"}, {"segment", "s1"}}));
  EXPECT_DOUBLE_EQ(r[0].value, 0.3);
  // The IIT deployment: prefix iit, segment label restaurant_id: 6 predictions a minute = 0.1/s
  // for r1; r2 filtered out by the matcher written with "segment".
  r = At(10, R"(prediction_rate{segment="r1"}[5m] < 1)", "iit", "restaurant_id");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels, (Labels{{"model_type", "demand"}, {"restaurant_id", "r1"}}));
  EXPECT_NEAR(r[0].value, 0.1, 1e-12);
}

TEST_F(EvaluateTest, TheEngineSeesItselfUp) {
  auto r = At(10, "modelwatch_up == 1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].labels.empty());
  EXPECT_THAT(At(10, "modelwatch_up == 0"), IsEmpty());
}

// The default rules MaintenanceTaskFailed and MaintenanceTaskOverdue.
TEST_F(EvaluateTest, MaintenanceSignalsReadModelwatchsOwnFamilies) {
  auto failed = At(10, "maintenance_failed > 0");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].labels.at("task"), "vacuum");
  auto overdue = At(10, "maintenance_since_success > maintenance_period * 2");
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].labels.at("task"), "vacuum");
  EXPECT_EQ(overdue[0].value, 200000);
}

// service_up is the watched service as the proxy's prober sees it (P_service_up), not modelwatch:
// the built-in engine can report it down.
TEST_F(EvaluateTest, TheWatchedServicesHealthGaugesAreReadAsScraped) {
  auto r = At(10, "service_up == 0");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].labels.empty());
  EXPECT_EQ(r[0].value, 0);
  EXPECT_EQ(At(10, "model_loaded == 0").size(), 1u);
  EXPECT_THAT(At(10, "database_connected == 0"), IsEmpty());
  // A field the service's /health does not report has no series: no data, never 0.
  EXPECT_THAT(At(10, "redis_connected == 0"), IsEmpty());
  // With another prefix the gauges are other families.
  EXPECT_THAT(At(10, "service_up == 0", "iit"), IsEmpty());
}

TEST_F(EvaluateTest, CaptureDropsAndBackgroundErrorsAreModelwatchsOwnCounters) {
  // 2 drops a minute for queue_full: 30 in 15 minutes; none for invalid.
  auto r = At(20, "capture_dropped[15m] > 0", "iit");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels.at("reason"), "queue_full");
  EXPECT_DOUBLE_EQ(r[0].value, 30);
  EXPECT_THAT(At(20, "background_errors[15m] > 0"), IsEmpty());
  EXPECT_EQ(At(20, "background_errors[15m] == 0").size(), 1u);
}

TEST_F(EvaluateTest, ArithmeticScalarsOnTheLeftAndOr) {
  // model_mae - model_training_mae: m1 3 - 1 = 2 > 1; m2 0.
  auto r = At(10, "model_mae - model_training_mae > 1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels, (Labels{{"model", "m1"}, {"segment", "s1"}}));
  EXPECT_DOUBLE_EQ(r[0].value, 2);
  // Precedence: 1 + 2 * model_mae = 7 for m1, 3 for m2.
  r = At(10, "1 + 2 * model_mae > 5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].value, 7);
  // A number on the left of a comparison: the series keeps its own value.
  r = At(10, "0.5 < memory_usage_ratio");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(r[0].value, 0.6);
  // or: m1/s1's drift (value 1) — its MAE of 3 on the right is the same (model, segment), so
  // the left side's series wins — plus m2/s1's MAE, which has no match on the left.
  r = At(10, "model_drift_detected == 1 or model_mae >= 1");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].labels, (Labels{{"model", "m1"}, {"segment", "s1"}}));
  EXPECT_DOUBLE_EQ(r[0].value, 1);
  EXPECT_EQ(r[1].labels, (Labels{{"model", "m2"}, {"segment", "s1"}}));
  EXPECT_DOUBLE_EQ(r[1].value, 1);
}

TEST_F(EvaluateTest, MatchersFilterBeforeAggregation) {
  // 5xx errors of /a only (the 404s are not server errors): 10 a minute, 50 over 5 minutes.
  auto r = At(10, R"(errors{endpoint=~"/a|/c"}[5m] == 50)");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_THAT(At(10, R"(errors{endpoint!="/a"}[5m] > 0)"), IsEmpty());
  EXPECT_THAT(At(10, R"(errors{endpoint!~"/.*"}[5m] > 0)"), IsEmpty());
  // A regex must match the whole value: "/" alone does not match "/a".
  EXPECT_THAT(At(10, R"(errors{endpoint=~"/"}[5m] > 0)"), IsEmpty());
  r = At(10, R"(feature_psi{segment="s2"} > 0.2)");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].labels.at("segment"), "s2");
}

TEST(EvaluateStandaloneTest, StaleGaugesAndRangesWithoutTwoSamplesHaveNoValue) {
  MetricSampler sampler;
  ASSERT_TRUE(sampler.Sample("ml_model_auc_score{model=\"r\",segment=\"\"} 0.6\n", 0).ok());
  EvaluationContext ctx;
  ctx.now_ms = 0;
  auto r = EvaluateCondition(Parse("model_auc < 0.75"), sampler, ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), 1u);
  ctx.now_ms = 6 * kMinute;  // older than the 5 minute lookback
  r = EvaluateCondition(Parse("model_auc < 0.75"), sampler, ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(*r, IsEmpty());
  // One sample of a counter: no increase yet.
  ASSERT_TRUE(
      sampler.Sample("ml_api_errors_total{endpoint=\"/a\",status=\"500\"} 5\n", kMinute).ok());
  ctx.now_ms = kMinute;
  r = EvaluateCondition(Parse("errors[5m] >= 0"), sampler, ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_THAT(*r, IsEmpty());
}

TEST(EvaluateStandaloneTest, TwoSeriesForOneMatchAreAnErrorAsInPromQL) {
  MetricSampler sampler;
  ASSERT_TRUE(sampler
                  .Sample("ml_model_mae{model=\"m\",segment=\"s\"} 3\n"
                          "ml_model_training_mae{model=\"m\",segment=\"s\",version=\"v1\"} 1\n"
                          "ml_model_training_mae{model=\"m\",segment=\"s\",version=\"v2\"} 2\n",
                          0)
                  .ok());
  EvaluationContext ctx;
  auto r = EvaluateCondition(Parse("model_mae > model_training_mae"), sampler, ctx);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("right side"), std::string::npos) << r.error().message();
}

// The deepest condition the parser accepts (kMaxConditionDepth levels: 63 "+", the comparison)
// evaluates, renders to PromQL and is copied and destroyed like any other: every walk over the
// tree recurses at most that deep (issue 17, defect 8).
TEST(EvaluateStandaloneTest, TheDeepestConditionEvaluatesAndRenders) {
  std::string text = "model_mae";
  for (int i = 1; i < kMaxConditionDepth; ++i) text += " + model_mae";
  text += " > 60";
  const Condition c = Parse(text);
  MetricSampler sampler;
  ASSERT_TRUE(sampler.Sample("ml_model_mae{model=\"m\",segment=\"s\"} 1\n", 0).ok());
  EvaluationContext ctx;
  auto r = EvaluateCondition(c, sampler, ctx);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_DOUBLE_EQ((*r)[0].value, kMaxConditionDepth);
  const std::string promql = ToPromQL(c, PromOptions{});
  EXPECT_EQ(std::count(promql.begin(), promql.end(), '+'), kMaxConditionDepth - 1) << promql;
  const Condition copy = c;
  EXPECT_EQ(copy.text, text);
}

TEST(EvaluateStandaloneTest, LongestRange) {
  EXPECT_EQ(LongestRangeMs(Parse("error_rate[5m] > 0.05 and errors[1h] > 3")), 3600 * 1000);
  EXPECT_EQ(LongestRangeMs(Parse("model_mae > 1")), 0);
}

}  // namespace
}  // namespace mw::alerting::evaluate_test
