// The quality engine's assembly layer: performance vs training, drift/quality wiring, history.
#include "monitor/assessment.h"

#include <gtest/gtest.h>

#include <cmath>

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
  // 25 % > 20 %, but 4 rows cannot tell MAE 2.5 from 2.0: |e| = 2, 2, 3, 3 gives the 99 % t
  // interval 2.5 +- 5.841 * 0.2887 = [0.81, 4.19]. t_{3, 0.995} = 5.840909309733355 solves the
  // closed-form t3 tail 1/2 - (atan(t/sqrt 3) + t sqrt 3 / (3 + t^2)) / pi = 0.005 to 1e-16
  // (scipy 1.10's t.ppf gives 5.84090929975643, 1.7e-9 off).
  EXPECT_TRUE(r.drift[0].above_threshold);
  EXPECT_FALSE(r.drift[0].significant);
  EXPECT_FALSE(r.drift_detected);
  EXPECT_NEAR(*r.drift[0].recent_low, 2.5 - 5.840909309733355 * 0.5 / std::sqrt(3.0), 1e-12);
  const Json j = ToJson(r);
  EXPECT_DOUBLE_EQ(j["performance_drift"][0]["degradation_pct"].get<double>(), 25.0);
  EXPECT_EQ(j["performance_drift"][0]["status"], "ok");
  EXPECT_TRUE(j["metrics"]["r2"].is_null());
}

TEST(PerformanceTest, PerModelThresholdOverride) {
  // 40 rows with |e| alternating 2 and 3: MAE 2.5 +25 % vs 2.0, significant (low end ~2.28).
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(R(i, i % 2 ? 12 : 13, 10));
  PerformanceResult r = ComputePerformance(registry::ModelTask::kRegression, rows, {{"mae", 2.0}},
                                           "v1", "m", Settings());
  EXPECT_TRUE(r.drift_detected);  // 25 % > 20 %
  QualitySettings s = Settings();
  s.model_degradation_thresholds["m"] = 0.3;
  r = ComputePerformance(registry::ModelTask::kRegression, rows, {{"mae", 2.0}}, "v1", "m", s);
  EXPECT_FALSE(r.drift_detected);  // 25 % <= 30 %
  EXPECT_TRUE(r.drift[0].significant);
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
