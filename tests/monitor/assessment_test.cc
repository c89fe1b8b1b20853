// The quality engine's assembly layer: performance vs training, drift/quality wiring, history.
#include "monitor/assessment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "profile/reference_builder.h"

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

profile::ReferenceProfile DriftReference() {
  std::string csv = "x,flag,color,prediction,actual\n";
  for (int i = 0; i < 60; ++i) {
    csv += std::to_string(i * 1.5) + "," + std::to_string(i % 2) + "," +
           std::string(1, static_cast<char>('a' + i % 3)) + "," + std::to_string(i) + "," +
           std::to_string(i) + "\n";
  }
  auto reference = profile::BuildProfileFromCsv(csv);
  EXPECT_TRUE(reference.has_value()) << reference.error().ToString();
  return reference.has_value() ? std::move(*reference) : profile::ReferenceProfile{};
}

TEST(DriftAssessmentTest, AFeatureWithoutUsableValuesIsDecidedByThePresenceTest) {
  const profile::ReferenceProfile reference = DriftReference();
  // x always mistyped (a string), flag always absent, color present: neither x nor flag may be
  // dropped from the verdict.
  std::vector<Row> rows;
  for (int i = 0; i < 30; ++i) {
    rows.push_back(R(i, i, {}, R"({"x":"oops","color":")" + std::string(1, 'a' + i % 3) + "\"}"));
  }
  int64_t bad = -1;
  const profile::CurrentColumns current = BuildColumns(reference, rows, &bad);
  EXPECT_EQ(bad, 0);
  Result<DriftResult> drift = ComputeDrift(reference, current, stats::DriftOptions{});
  ASSERT_TRUE(drift.has_value()) << drift.error().ToString();
  ASSERT_TRUE(drift->features.has_value());
  const stats::DriftReport& report = *drift->features;
  ASSERT_EQ(report.features.size(), 3u);
  for (size_t i : {0u, 1u}) {
    const stats::FeatureDrift& f = report.features[i];
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.test, stats::DriftTest::kMissing);
    EXPECT_EQ(f.current_size, 30);  // the window's rows: mistyped (x) or absent (flag)
    EXPECT_TRUE(f.drift_detected);
  }
  EXPECT_EQ(report.features[0].name, "x");
  EXPECT_EQ(report.features[1].name, "flag");
  EXPECT_EQ(report.features[2].test, stats::DriftTest::kChiSquare);
  EXPECT_FALSE(report.features[2].drift_detected);
  EXPECT_TRUE(report.dataset_drift);  // two of three features lost: Simes p tiny, share 2/3

  const Json j = ToJson(*drift);
  EXPECT_EQ(j["number_of_features"], 3);
  EXPECT_DOUBLE_EQ(j["drift_share_bh"].get<double>(), 2.0 / 3.0);
  EXPECT_TRUE(j["dataset_pvalue"].is_number());
  EXPECT_LE(j["dataset_pvalue"].get<double>(), 0.005);
  EXPECT_EQ(j["features"][0]["test"], "missing");
  EXPECT_EQ(j["features"][0]["pvalue_method"], "asymptotic");  // every expected count >= 10
  EXPECT_EQ(j["features"][0]["levels"], 2);
  EXPECT_EQ(j["features"][2]["levels"], 3);
  // The prediction column is numeric with more than 5 values: KS, which has no levels key.
  EXPECT_EQ(j["prediction_drift"]["test"], "ks");
  EXPECT_EQ(j["prediction_drift"]["pvalue_method"], "exact");
  EXPECT_FALSE(j["prediction_drift"].contains("levels"));
  // No actuals in the window: target drift is not computed (not a presence test).
  EXPECT_TRUE(j["target_drift"].is_null());
}

TEST(DriftAssessmentTest, FlagsAreTestedAsLevelsAndAnEmptyWindowIsInsufficient) {
  const profile::ReferenceProfile reference = DriftReference();
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i) {
    rows.push_back(R(i, i, i,
                     R"({"x":)" + std::to_string(i * 2.25) + R"(,"flag":)" + std::to_string(i % 2) +
                         R"(,"color":")" + std::string(1, 'a' + i % 3) + "\"}"));
  }
  const profile::CurrentColumns current = BuildColumns(reference, rows, nullptr);
  Result<DriftResult> drift = ComputeDrift(reference, current, stats::DriftOptions{});
  ASSERT_TRUE(drift.has_value());
  const stats::DriftReport& report = *drift->features;
  EXPECT_EQ(report.features[0].test, stats::DriftTest::kKs);
  EXPECT_EQ(report.features[1].test, stats::DriftTest::kZTest);  // numeric 0/1 flag
  EXPECT_EQ(report.features[1].type, "numeric");
  EXPECT_EQ(report.drifted, 0);
  EXPECT_FALSE(report.dataset_drift);
  EXPECT_TRUE(drift->target.has_value());

  const profile::CurrentColumns empty = BuildColumns(reference, {}, nullptr);
  Result<DriftResult> none = ComputeDrift(reference, empty, stats::DriftOptions{});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, "insufficient_data");
  EXPECT_FALSE(none->features.has_value());
}

}  // namespace
}  // namespace mw::monitor
