// The quality engine's assembly layer: performance vs training, drift/quality wiring, history.
#include "monitor/assessment.h"

#include <gtest/gtest.h>

namespace mw::monitor {
namespace {

Row R(int64_t t, double prediction, std::optional<double> actual,
      std::string features = R"({"x":1})") {
  Row r;
  r.seq = t;
  r.created_at_ms = t;
  r.prediction = prediction;
  r.actual = actual;
  r.features_json = std::move(features);
  return r;
}

QualitySettings Settings() {
  QualitySettings s;
  s.min_samples = 3;
  return s;
}

TEST(PerformanceTest, RegressionAgainstTrainingMae) {
  std::vector<Row> rows = {R(1, 12, 10), R(2, 8, 10), R(3, 13, 10), R(4, 7, 10), R(5, 1, {})};
  PerformanceResult r = ComputePerformance(registry::ModelTask::kRegression, rows, {{"mae", 2.0}},
                                           "v1", "m", Settings());
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.predictions, 5);
  EXPECT_EQ(r.with_actual, 4);
  ASSERT_TRUE(r.regression.has_value());
  EXPECT_DOUBLE_EQ(r.regression->mae, 2.5);
  EXPECT_FALSE(r.regression->r2.has_value());  // constant actuals
  ASSERT_EQ(r.drift.size(), 1u);               // only metrics with a training value (+ primary)
  EXPECT_EQ(r.drift[0].metric, "mae");
  EXPECT_DOUBLE_EQ(*r.degradation, 0.25);
  EXPECT_TRUE(r.drift_detected);  // 25 % > 20 %
  const Json j = ToJson(r);
  EXPECT_DOUBLE_EQ(j["performance_drift"][0]["degradation_pct"].get<double>(), 25.0);
  EXPECT_TRUE(j["metrics"]["r2"].is_null());
}

TEST(PerformanceTest, PerModelThresholdOverride) {
  QualitySettings s = Settings();
  s.model_degradation_thresholds["m"] = 0.3;
  std::vector<Row> rows = {R(1, 12, 10), R(2, 8, 10), R(3, 13, 10), R(4, 7, 10)};
  PerformanceResult r =
      ComputePerformance(registry::ModelTask::kRegression, rows, {{"mae", 2.0}}, "v1", "m", s);
  EXPECT_FALSE(r.drift_detected);  // 25 % <= 30 %
}

TEST(PerformanceTest, InsufficientDataGivesNoNumbers) {
  std::vector<Row> rows = {R(1, 12, 10), R(2, 8, 10)};
  PerformanceResult r = ComputePerformance(registry::ModelTask::kRegression, rows, {{"mae", 2.0}},
                                           "v1", "m", Settings());
  EXPECT_EQ(r.status, "insufficient_data");
  EXPECT_FALSE(r.drift_detected);
  const Json j = ToJson(r);
  EXPECT_TRUE(j["metrics"].empty());
  EXPECT_EQ(j["performance_drift"][0]["status"], "insufficient_data");
}

TEST(PerformanceTest, ClassifierExcludesInvalidLabelsAndComparesAuc) {
  std::vector<Row> rows = {R(1, 0.9, 1), R(2, 0.8, 1),   R(3, 0.3, 0),
                           R(4, 0.6, 0), R(5, 0.2, 0.5), R(6, 0.1, 0)};
  PerformanceResult r = ComputePerformance(registry::ModelTask::kBinaryClassification, rows,
                                           {{"roc_auc", 0.9}}, "v1", "m", Settings());
  EXPECT_EQ(r.invalid_labels, 1);
  EXPECT_EQ(r.with_actual, 5);
  ASSERT_TRUE(r.classification.has_value());
  EXPECT_DOUBLE_EQ(*r.classification->roc_auc, 1.0);
  EXPECT_FALSE(r.drift_detected);  // better than training
  EXPECT_EQ(*MetricValue(r, "auc"), 1.0);
}

TEST(PerformanceTest, UnknownTaskIsReportedNotComputed) {
  std::vector<Row> rows = {R(1, 1, 1)};
  EXPECT_EQ(ComputePerformance(registry::ModelTask::kUnknown, rows, {}, "", "m", Settings()).status,
            "unknown_task");
}

TEST(HistoryTest, BucketsAlignToTheEpochAndSkipSmallBuckets) {
  std::vector<Row> rows;
  for (int i = 0; i < 4; ++i) rows.push_back(R(3'600'000 + i, 11, 10));  // hour 1: mae 1
  for (int i = 0; i < 2; ++i) rows.push_back(R(7'200'000 + i, 14, 10));  // hour 2: 2 rows
  const auto points =
      ComputeHistory(registry::ModelTask::kRegression, rows, "mae", 3'600'000, Settings());
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].start_ms, 3'600'000);
  EXPECT_EQ(points[0].value, 1.0);
  EXPECT_EQ(points[1].sample_size, 2);
  EXPECT_FALSE(points[1].value.has_value());
  EXPECT_TRUE(IsKnownMetric("auc"));
  EXPECT_FALSE(IsKnownMetric("accuracy_at_k"));
}

}  // namespace
}  // namespace mw::monitor
