// Performance drift with uncertainty as ComputePerformance decides it (issue 20): the JSON of the
// intervals, AUC's minimum class sizes, and seeded simulations of an unchanged model (the false
// alarm rate stays within alarm_level / 2) and of a degraded one (detected).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "monitor/assessment.h"

namespace mw::monitor {
namespace {

Row Labelled(int64_t t, double prediction, double actual) {
  Row r;
  r.seq = t;
  r.created_at_ms = t;
  r.prediction = prediction;
  r.actual = actual;
  r.features_json = "{}";
  return r;
}

// n rows of an unchanged regression model: actuals N(10, 3^2), prediction = actual + N(0, s^2).
std::vector<Row> RegressionRows(std::mt19937_64& rng, int n, double error_sd) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    const double a = 10.0 + 3.0 * normal(rng);
    rows.push_back(Labelled(i, a + error_sd * normal(rng), a));
  }
  return rows;
}

// The training metrics of that model with error sd 1: E|e| = sqrt(2 / pi), RMSE 1,
// R^2 = 1 - 1 / 9.
const std::map<std::string, double> kTrainingRegression = {
    {"mae", std::sqrt(2.0 / std::numbers::pi)}, {"rmse", 1.0}, {"r2", 1.0 - 1.0 / 9.0}};

// A binormal classifier with AUC 0.85: positives score N(d, 1), negatives N(0, 1), through the
// logistic function so scores are probabilities, d = sqrt(2) * Phi^-1(0.85).
std::vector<Row> ClassifierRows(std::mt19937_64& rng, int n) {
  const double d = std::sqrt(2.0) * 1.0364333894937898;
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    const int label = rng() % 2 == 0 ? 1 : 0;
    const double z = normal(rng) + d * label;
    rows.push_back(Labelled(i, 1.0 / (1.0 + std::exp(-z)), label));
  }
  return rows;
}

// 0.005 + 3 Monte Carlo standard errors at 400 replicates: at most 6 alarms of 400.
constexpr int kReplicates = 400;
const double kMaxNullRate = 0.005 + 3.0 * std::sqrt(0.005 * 0.995 / kReplicates);

TEST(PerformanceUncertaintyTest, UnchangedRegressionModelRarelyAlarms) {
  std::mt19937_64 rng(20);
  for (int n : {10, 30, 100}) {
    std::map<std::string, int> alarms;
    int primary = 0;
    for (int k = 0; k < kReplicates; ++k) {
      const std::vector<Row> rows = RegressionRows(rng, n, 1.0);
      const PerformanceResult r = ComputePerformance(registry::ModelTask::kRegression, rows,
                                                     kTrainingRegression, "v1", "m", {});
      primary += r.drift_detected;
      for (const stats::PerformanceDrift& d : r.drift) alarms[d.metric] += d.drift_detected;
    }
    EXPECT_LE(primary / double(kReplicates), kMaxNullRate) << "n=" << n;
    for (const auto& [metric, count] : alarms) {
      EXPECT_LE(count / double(kReplicates), kMaxNullRate) << metric << " n=" << n;
    }
  }
}

// Every compared classification metric of an unchanged classifier, its training values measured
// on 200,000 rows of the same model (as a team's training report would).
TEST(PerformanceUncertaintyTest, UnchangedClassifierRarelyAlarms) {
  std::mt19937_64 rng(85);
  const std::vector<Row> training_rows = ClassifierRows(rng, 200'000);
  const PerformanceResult training =
      ComputePerformance(registry::ModelTask::kBinaryClassification, training_rows, {}, "", "", {});
  std::map<std::string, double> training_metrics;
  for (const char* metric : {"auc", "average_precision", "accuracy", "f1", "log_loss", "brier"}) {
    training_metrics[metric] = *MetricValue(training, metric);
  }
  EXPECT_NEAR(training_metrics["auc"], 0.85, 0.005);
  for (int n : {20, 50, 200}) {
    std::map<std::string, int> alarms;
    int primary = 0, decided = 0;
    for (int k = 0; k < kReplicates; ++k) {
      const std::vector<Row> rows = ClassifierRows(rng, n);
      const PerformanceResult r = ComputePerformance(registry::ModelTask::kBinaryClassification,
                                                     rows, training_metrics, "v1", "m", {});
      primary += r.drift_detected;
      decided += r.drift.at(0).status != "insufficient_data";
      for (const stats::PerformanceDrift& d : r.drift) alarms[d.metric] += d.drift_detected;
    }
    EXPECT_LE(primary / double(kReplicates), kMaxNullRate) << "n=" << n;
    EXPECT_GT(decided, kReplicates * 9 / 10) << "n=" << n;
    ASSERT_EQ(alarms.size(), 6u);
    for (const auto& [metric, count] : alarms) {
      EXPECT_LE(count / double(kReplicates), kMaxNullRate) << metric << " n=" << n;
    }
  }
}

TEST(PerformanceUncertaintyTest, MaeThirtyPercentWorseIsDetectedAtAThousandRows) {
  std::mt19937_64 rng(30);
  int detected = 0;
  for (int k = 0; k < 50; ++k) {
    const std::vector<Row> rows = RegressionRows(rng, 1000, 1.3);
    const PerformanceResult r = ComputePerformance(registry::ModelTask::kRegression, rows,
                                                   kTrainingRegression, "v1", "m", {});
    detected += r.drift_detected;
  }
  EXPECT_GE(detected, 48);
}

TEST(PerformanceUncertaintyTest, AucNeedsMinClassSamplesOfEachClass) {
  // 12 rows, 4 positives: AUC is computed and shown but its drift is insufficient_data.
  std::vector<Row> rows;
  for (int i = 0; i < 12; ++i) rows.push_back(Labelled(i, 0.05 * i, i >= 8 ? 0 : 1));
  QualitySettings s;
  PerformanceResult r = ComputePerformance(registry::ModelTask::kBinaryClassification, rows,
                                           {{"auc", 0.9}}, "v1", "m", s);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.classification->positives, 8);
  ASSERT_EQ(r.drift.size(), 1u);
  EXPECT_EQ(r.drift[0].status, "insufficient_data");  // 4 negatives < 5
  EXPECT_FALSE(r.drift_detected);
  // Inverted ranking (AUC 0): with 4 of each class allowed it is a significant degradation.
  s.min_class_samples = 4;
  r = ComputePerformance(registry::ModelTask::kBinaryClassification, rows, {{"auc", 0.9}}, "v1",
                         "m", s);
  EXPECT_EQ(r.drift[0].status, "drift");
  EXPECT_EQ(*r.classification->roc_auc, 0.0);
  EXPECT_TRUE(r.drift_detected);
}

TEST(PerformanceUncertaintyTest, JsonShowsIntervalsPValueAndDecision) {
  std::mt19937_64 rng(4);
  const std::vector<Row> rows = RegressionRows(rng, 200, 1.3);
  QualitySettings s;
  s.alarm_level = 0.05;
  const PerformanceResult r =
      ComputePerformance(registry::ModelTask::kRegression, rows, kTrainingRegression, "v1", "m", s);
  const Json j = ToJson(r);
  ASSERT_EQ(j["performance_drift"].size(), 3u);  // mae, rmse, r2 (each has a training value)
  for (const Json& item : j["performance_drift"]) {
    SCOPED_TRACE(item.dump());
    for (const char* key :
         {"metric", "status", "drift_detected", "training_value", "recent_value", "degradation_pct",
          "threshold_pct", "sample_size", "recent_interval", "degradation_interval_pct", "pvalue",
          "significant", "above_threshold", "confidence_level", "interval_method"}) {
      EXPECT_TRUE(item.contains(key)) << key;
    }
    EXPECT_DOUBLE_EQ(item["confidence_level"].get<double>(), 0.95);
    const double recent = item["recent_value"].get<double>();
    EXPECT_LE(item["recent_interval"][0].get<double>(), recent);
    EXPECT_GE(item["recent_interval"][1].get<double>(), recent);
    const double degradation = item["degradation_pct"].get<double>();
    EXPECT_LE(item["degradation_interval_pct"][0].get<double>(), degradation);
    EXPECT_GE(item["degradation_interval_pct"][1].get<double>(), degradation);
    EXPECT_EQ(item["significant"].get<bool>(),
              item["degradation_interval_pct"][0].get<double>() > 0);
    EXPECT_EQ(item["significant"].get<bool>(), item["pvalue"].get<double>() <= 0.025);
    EXPECT_EQ(item["drift_detected"].get<bool>(),
              item["significant"].get<bool>() && item["above_threshold"].get<bool>());
  }
  EXPECT_EQ(j["performance_drift"][0]["interval_method"], "t");
  EXPECT_EQ(j["performance_drift"][1]["interval_method"], "t_squared");
  EXPECT_EQ(j["performance_drift"][2]["interval_method"], "delta");
  // A classifier: every compared metric but average_precision has an interval.
  std::vector<Row> scored;
  for (int i = 0; i < 60; ++i) scored.push_back(Labelled(i, (i % 10) / 10.0 + 0.05, i % 3 == 0));
  const Json c = ToJson(ComputePerformance(registry::ModelTask::kBinaryClassification, scored,
                                           {{"auc", 0.9},
                                            {"average_precision", 0.8},
                                            {"accuracy", 0.8},
                                            {"f1", 0.7},
                                            {"log_loss", 0.4},
                                            {"brier", 0.15}},
                                           "v1", "m", s));
  ASSERT_EQ(c["performance_drift"].size(), 6u);
  std::map<std::string, Json> method;
  for (const Json& item : c["performance_drift"]) method[item["metric"]] = item["interval_method"];
  EXPECT_EQ(method["auc"], "delong_logit");
  EXPECT_TRUE(method["average_precision"].is_null());
  EXPECT_EQ(method["accuracy"], "t");
  EXPECT_EQ(method["f1"], "delta");
  EXPECT_EQ(method["log_loss"], "t");
  EXPECT_EQ(method["brier"], "t");
  // Too few rows: the keys stay, with nulls and false.
  const std::vector<Row> few(rows.begin(), rows.begin() + 3);
  const Json small = ToJson(
      ComputePerformance(registry::ModelTask::kRegression, few, kTrainingRegression, "", "m", s));
  EXPECT_TRUE(small["performance_drift"][0]["recent_interval"].is_null());
  EXPECT_TRUE(small["performance_drift"][0]["pvalue"].is_null());
  EXPECT_FALSE(small["performance_drift"][0]["significant"].get<bool>());
}

}  // namespace
}  // namespace mw::monitor
