// Performance drift: metric directions, the degradation formula (also for negative training
// values), the threshold comparison and every status.
#include "stats/performance_drift.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace mw::stats {
namespace {

TEST(DirectionOfTest, KnowsEveryMetricAndNothingElse) {
  for (const char* name : {"mae", "rmse", "mape", "log_loss", "brier"}) {
    EXPECT_EQ(DirectionOf(name), MetricDirection::kLowerIsBetter) << name;
  }
  for (const char* name :
       {"auc", "roc_auc", "r2", "accuracy", "precision", "recall", "f1", "average_precision"}) {
    EXPECT_EQ(DirectionOf(name), MetricDirection::kHigherIsBetter) << name;
  }
  for (const char* name : {"", "mean_error", "AUC", "latency", "f2"}) {
    EXPECT_FALSE(DirectionOf(name).has_value()) << name;
  }
}

TEST(PerformanceDriftTest, AucFallingMoreThanThresholdIsDrift) {
  // (0.8 - 0.6) / 0.8 = 0.25 > 0.2.
  const PerformanceDrift d = EvaluatePerformanceDrift("auc", 0.8, 0.6, 500);
  EXPECT_EQ(d.status, "drift");
  EXPECT_TRUE(d.drift_detected);
  ASSERT_TRUE(d.degradation.has_value());
  EXPECT_DOUBLE_EQ(*d.degradation, 0.25);
  EXPECT_EQ(d.metric, "auc");
  EXPECT_EQ(d.training_value, 0.8);
  EXPECT_EQ(d.recent_value, 0.6);
  EXPECT_EQ(d.threshold, 0.2);
  EXPECT_EQ(d.sample_size, 500);
}

TEST(PerformanceDriftTest, ImprovementIsNegativeDegradation) {
  const PerformanceDrift higher = EvaluatePerformanceDrift("accuracy", 0.5, 0.75, 100);
  EXPECT_EQ(higher.status, "ok");
  EXPECT_DOUBLE_EQ(*higher.degradation, -0.5);
  const PerformanceDrift lower = EvaluatePerformanceDrift("rmse", 4.0, 3.0, 100);
  EXPECT_EQ(lower.status, "ok");
  EXPECT_DOUBLE_EQ(*lower.degradation, -0.25);
}

TEST(PerformanceDriftTest, LowerIsBetterMetricRisingIsDegradation) {
  // MAE 2 -> 3: +50%.
  const PerformanceDrift d = EvaluatePerformanceDrift("mae", 2.0, 3.0, 100);
  EXPECT_EQ(d.status, "drift");
  EXPECT_DOUBLE_EQ(*d.degradation, 0.5);
}

TEST(PerformanceDriftTest, DegradationEqualToThresholdIsNotDrift) {
  // All values exact in binary: (1 - 0.75) / 1 = 0.25.
  const PerformanceDrift d = EvaluatePerformanceDrift("f1", 1.0, 0.75, 100, 0.25);
  EXPECT_EQ(*d.degradation, 0.25);
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
  const PerformanceDrift just_over = EvaluatePerformanceDrift("f1", 1.0, 0.74, 100, 0.25);
  EXPECT_EQ(just_over.status, "drift");
}

TEST(PerformanceDriftTest, NegativeTrainingR2UsesMagnitudeSoWorseStaysPositive) {
  // -0.5 -> -1.0 is worse: (-0.5 - -1.0) / |-0.5| = +1.0.
  const PerformanceDrift worse = EvaluatePerformanceDrift("r2", -0.5, -1.0, 100);
  EXPECT_EQ(worse.status, "drift");
  EXPECT_DOUBLE_EQ(*worse.degradation, 1.0);
  // -0.5 -> 0.25 is better: (-0.5 - 0.25) / 0.5 = -1.5.
  const PerformanceDrift better = EvaluatePerformanceDrift("r2", -0.5, 0.25, 100);
  EXPECT_EQ(better.status, "ok");
  EXPECT_DOUBLE_EQ(*better.degradation, -1.5);
}

TEST(PerformanceDriftTest, TooFewSamplesIsInsufficientData) {
  const PerformanceDrift d = EvaluatePerformanceDrift("auc", 0.9, 0.1, 9);
  EXPECT_EQ(d.status, "insufficient_data");
  EXPECT_FALSE(d.drift_detected);
  EXPECT_FALSE(d.degradation.has_value());
  EXPECT_EQ(EvaluatePerformanceDrift("auc", 0.9, 0.1, 10).status, "drift");  // min is inclusive
  EXPECT_EQ(EvaluatePerformanceDrift("auc", 0.9, 0.1, 99, 0.2, 100).status, "insufficient_data");
}

TEST(PerformanceDriftTest, MissingOrNonFiniteRecentValueIsInsufficientData) {
  EXPECT_EQ(EvaluatePerformanceDrift("auc", 0.9, std::nullopt, 1000).status, "insufficient_data");
  const PerformanceDrift nan_recent =
      EvaluatePerformanceDrift("auc", 0.9, std::numeric_limits<double>::quiet_NaN(), 1000);
  EXPECT_EQ(nan_recent.status, "insufficient_data");
  EXPECT_FALSE(nan_recent.drift_detected);
}

TEST(PerformanceDriftTest, MissingOrNonFiniteTrainingValueIsNoTrainingMetric) {
  const PerformanceDrift missing = EvaluatePerformanceDrift("rmse", std::nullopt, 3.0, 1000);
  EXPECT_EQ(missing.status, "no_training_metric");
  EXPECT_FALSE(missing.degradation.has_value());
  EXPECT_EQ(missing.recent_value, 3.0);
  EXPECT_EQ(
      EvaluatePerformanceDrift("rmse", std::numeric_limits<double>::infinity(), 3.0, 1000).status,
      "no_training_metric");
}

TEST(PerformanceDriftTest, ZeroTrainingValueCannotGiveRelativeChange) {
  const PerformanceDrift d = EvaluatePerformanceDrift("mae", 0.0, 5.0, 1000);
  EXPECT_EQ(d.status, "training_metric_zero");
  EXPECT_FALSE(d.drift_detected);
  EXPECT_FALSE(d.degradation.has_value());
}

TEST(PerformanceDriftTest, UnknownMetricComesFirst) {
  const PerformanceDrift d = EvaluatePerformanceDrift("latency", std::nullopt, std::nullopt, 0);
  EXPECT_EQ(d.status, "unknown_metric");
  EXPECT_EQ(d.metric, "latency");
}

TEST(PerformanceDriftTest, StatusPrecedence) {
  // No training value outranks too few samples; a zero training value outranks them too.
  EXPECT_EQ(EvaluatePerformanceDrift("auc", std::nullopt, 0.5, 1).status, "no_training_metric");
  EXPECT_EQ(EvaluatePerformanceDrift("auc", 0.0, 0.5, 1).status, "training_metric_zero");
}

TEST(PerformanceDriftTest, NanThresholdNeverDetectsDrift) {
  const PerformanceDrift d =
      EvaluatePerformanceDrift("auc", 0.9, 0.1, 100, std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
}

}  // namespace
}  // namespace mw::stats
