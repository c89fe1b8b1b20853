// Performance drift: metric directions, the degradation formula (also for negative training
// values), the degradation interval and p-value, the decision (significant AND above the
// threshold) and every status.
#include "stats/performance_drift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace mw::stats {
namespace {

constexpr double kZ995 = 2.5758293035489004;  // the normal quantile of a 0.99 two-sided interval

// A normal (identity-scale) estimate at confidence 0.99, as EstimateRegressionMetric("r2") builds.
MetricEstimate NormalEstimate(double value, double se) {
  MetricEstimate e;
  e.value = e.scaled_value = value;
  e.standard_error = e.scaled_standard_error = se;
  e.confidence = 0.99;
  e.n = 1000;
  e.method = "normal";
  e.low = value - kZ995 * se;
  e.high = value + kZ995 * se;
  return e;
}

// An estimate so precise that any change is significant.
MetricEstimate SureEstimate(double value) { return NormalEstimate(value, 1e-9); }

PerformanceDrift EvaluateSure(std::string_view metric, std::optional<double> training,
                              std::optional<double> recent, int64_t n, double threshold = 0.2,
                              int64_t min_samples = 10) {
  std::optional<MetricEstimate> estimate;
  if (recent && std::isfinite(*recent)) estimate = SureEstimate(*recent);
  return EvaluatePerformanceDrift(metric, training, recent, estimate, n,
                                  {.threshold = threshold, .min_samples = min_samples});
}

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
  const PerformanceDrift d = EvaluateSure("auc", 0.8, 0.6, 500);
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
  const PerformanceDrift higher = EvaluateSure("accuracy", 0.5, 0.75, 100);
  EXPECT_EQ(higher.status, "ok");
  EXPECT_DOUBLE_EQ(*higher.degradation, -0.5);
  const PerformanceDrift lower = EvaluateSure("rmse", 4.0, 3.0, 100);
  EXPECT_EQ(lower.status, "ok");
  EXPECT_DOUBLE_EQ(*lower.degradation, -0.25);
}

TEST(PerformanceDriftTest, LowerIsBetterMetricRisingIsDegradation) {
  // MAE 2 -> 3: +50%.
  const PerformanceDrift d = EvaluateSure("mae", 2.0, 3.0, 100);
  EXPECT_EQ(d.status, "drift");
  EXPECT_DOUBLE_EQ(*d.degradation, 0.5);
}

TEST(PerformanceDriftTest, DegradationEqualToThresholdIsNotDrift) {
  // All values exact in binary: (1.25 - 1) / 1 = 0.25, significant but not above 0.25.
  const PerformanceDrift d = EvaluateSure("mae", 1.0, 1.25, 100, 0.25);
  EXPECT_EQ(*d.degradation, 0.25);
  EXPECT_TRUE(d.significant);
  EXPECT_FALSE(d.above_threshold);
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
  const PerformanceDrift just_over = EvaluateSure("mae", 1.0, 1.26, 100, 0.25);
  EXPECT_TRUE(just_over.above_threshold);
  EXPECT_EQ(just_over.status, "drift");
}

TEST(PerformanceDriftTest, NegativeTrainingR2UsesMagnitudeSoWorseStaysPositive) {
  // -0.5 -> -1.0 is worse: (-0.5 - -1.0) / |-0.5| = +1.0.
  const PerformanceDrift worse = EvaluateSure("r2", -0.5, -1.0, 100);
  EXPECT_EQ(worse.status, "drift");
  EXPECT_DOUBLE_EQ(*worse.degradation, 1.0);
  // -0.5 -> 0.25 is better: (-0.5 - 0.25) / 0.5 = -1.5.
  const PerformanceDrift better = EvaluateSure("r2", -0.5, 0.25, 100);
  EXPECT_EQ(better.status, "ok");
  EXPECT_DOUBLE_EQ(*better.degradation, -1.5);
}

TEST(PerformanceDriftTest, TooFewSamplesIsInsufficientData) {
  const PerformanceDrift d = EvaluateSure("auc", 0.9, 0.1, 9);
  EXPECT_EQ(d.status, "insufficient_data");
  EXPECT_FALSE(d.drift_detected);
  EXPECT_FALSE(d.degradation.has_value());
  EXPECT_EQ(EvaluateSure("auc", 0.9, 0.1, 10).status, "drift");  // min is inclusive
  EXPECT_EQ(EvaluateSure("auc", 0.9, 0.1, 99, 0.2, 100).status, "insufficient_data");
}

TEST(PerformanceDriftTest, MissingOrNonFiniteRecentValueIsInsufficientData) {
  EXPECT_EQ(EvaluateSure("auc", 0.9, std::nullopt, 1000).status, "insufficient_data");
  const PerformanceDrift nan_recent =
      EvaluateSure("auc", 0.9, std::numeric_limits<double>::quiet_NaN(), 1000);
  EXPECT_EQ(nan_recent.status, "insufficient_data");
  EXPECT_FALSE(nan_recent.drift_detected);
}

TEST(PerformanceDriftTest, MissingOrNonFiniteTrainingValueIsNoTrainingMetric) {
  const PerformanceDrift missing = EvaluateSure("rmse", std::nullopt, 3.0, 1000);
  EXPECT_EQ(missing.status, "no_training_metric");
  EXPECT_FALSE(missing.degradation.has_value());
  EXPECT_EQ(missing.recent_value, 3.0);
  EXPECT_EQ(EvaluateSure("rmse", std::numeric_limits<double>::infinity(), 3.0, 1000).status,
            "no_training_metric");
}

TEST(PerformanceDriftTest, ZeroTrainingValueCannotGiveRelativeChange) {
  const PerformanceDrift d = EvaluateSure("mae", 0.0, 5.0, 1000);
  EXPECT_EQ(d.status, "training_metric_zero");
  EXPECT_FALSE(d.drift_detected);
  EXPECT_FALSE(d.degradation.has_value());
}

TEST(PerformanceDriftTest, UnknownMetricComesFirst) {
  const PerformanceDrift d = EvaluateSure("latency", std::nullopt, std::nullopt, 0);
  EXPECT_EQ(d.status, "unknown_metric");
  EXPECT_EQ(d.metric, "latency");
}

TEST(PerformanceDriftTest, StatusPrecedence) {
  // No training value outranks too few samples; a zero training value outranks them too.
  EXPECT_EQ(EvaluateSure("auc", std::nullopt, 0.5, 1).status, "no_training_metric");
  EXPECT_EQ(EvaluateSure("auc", 0.0, 0.5, 1).status, "training_metric_zero");
}

TEST(PerformanceDriftTest, NanThresholdNeverDetectsDrift) {
  const PerformanceDrift d =
      EvaluateSure("auc", 0.9, 0.1, 100, std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
}

TEST(PerformanceDriftTest, SignificantButBelowThresholdIsNotDrift) {
  // MAE 2.0 -> 2.2: +10 %, certain, but the threshold is 20 %.
  const PerformanceDrift d = EvaluateSure("mae", 2.0, 2.2, 1000);
  EXPECT_TRUE(d.significant);
  EXPECT_FALSE(d.above_threshold);
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
  EXPECT_LT(*d.pvalue, 1e-12);
}

TEST(PerformanceDriftTest, AboveThresholdButNotSignificantIsNotDrift) {
  // MAE 2 -> 3 (+50 %) with se 0.5: the interval [1.71, 4.29] still holds the training 2.
  const PerformanceDrift d = EvaluatePerformanceDrift("mae", 2.0, 3.0, NormalEstimate(3.0, 0.5), 12,
                                                      PerformanceDriftOptions{});
  EXPECT_TRUE(d.above_threshold);
  EXPECT_FALSE(d.significant);
  EXPECT_FALSE(d.drift_detected);
  EXPECT_EQ(d.status, "ok");
  EXPECT_DOUBLE_EQ(*d.degradation, 0.5);
  // Degradation interval: (low - 2) / 2, (high - 2) / 2.
  EXPECT_DOUBLE_EQ(*d.degradation_low, (3.0 - kZ995 * 0.5 - 2.0) / 2.0);
  EXPECT_DOUBLE_EQ(*d.degradation_high, (3.0 + kZ995 * 0.5 - 2.0) / 2.0);
  EXPECT_LT(*d.degradation_low, 0.0);
  // z = (3 - 2) / 0.5 = 2: one-sided normal p = 0.02275.
  EXPECT_NEAR(*d.pvalue, 0.022750131948179195, 1e-12);
  EXPECT_EQ(d.confidence, 0.99);
  EXPECT_EQ(d.interval_method, "normal");
  EXPECT_EQ(*d.recent_low, 3.0 - kZ995 * 0.5);
}

TEST(PerformanceDriftTest, HigherIsBetterDegradationIntervalIsFlipped) {
  // AUC 0.8 at training, recent 0.6 in [0.6 - z se, 0.6 + z se]: the degradation interval is
  // [(0.8 - high) / 0.8, (0.8 - low) / 0.8].
  const MetricEstimate e = NormalEstimate(0.6, 0.03);
  const PerformanceDrift d = EvaluatePerformanceDrift("auc", 0.8, 0.6, e, 400, {});
  EXPECT_DOUBLE_EQ(*d.degradation_low, (0.8 - e.high) / 0.8);
  EXPECT_DOUBLE_EQ(*d.degradation_high, (0.8 - e.low) / 0.8);
  EXPECT_TRUE(d.significant);  // high = 0.677 < 0.8
  EXPECT_EQ(d.status, "drift");
  EXPECT_LE(*d.degradation_low, *d.degradation);
  EXPECT_GE(*d.degradation_high, *d.degradation);
}

TEST(PerformanceDriftTest, SignificantIffDegradationIntervalAboveZeroIffPValueAtMostHalfAlpha) {
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int significant = 0;
  for (int i = 0; i < 2000; ++i) {
    const bool lower_is_better = i % 2 == 0;
    const double training = 1.0 + uniform(rng), recent = training * (0.7 + 0.6 * uniform(rng));
    const double se = 0.01 + 0.2 * uniform(rng);
    const PerformanceDrift d = EvaluatePerformanceDrift(
        lower_is_better ? "mae" : "r2", training, recent, NormalEstimate(recent, se), 100, {});
    ASSERT_TRUE(d.pvalue && d.degradation_low);
    EXPECT_EQ(d.significant, *d.degradation_low > 0) << i;
    EXPECT_EQ(d.significant, *d.pvalue <= 0.005) << i << " p=" << *d.pvalue;
    EXPECT_EQ(d.drift_detected, d.significant && *d.degradation > 0.2);
    significant += d.significant;
  }
  EXPECT_GT(significant, 200);  // both outcomes are exercised
  EXPECT_LT(significant, 1800);
}

TEST(PerformanceDriftTest, MissingEstimateIsInsufficientDataWhenTheMetricHasAnEstimator) {
  const PerformanceDrift auc = EvaluatePerformanceDrift("auc", 0.9, 0.1, std::nullopt, 1000, {});
  EXPECT_EQ(auc.status, "insufficient_data");
  EXPECT_FALSE(auc.degradation.has_value());
  EXPECT_EQ(EvaluatePerformanceDrift("f1", 0.9, 0.1, std::nullopt, 1000, {}).status,
            "insufficient_data");
  // average_precision has no estimator: the point degradation is reported, but it is never
  // significant.
  const PerformanceDrift ap =
      EvaluatePerformanceDrift("average_precision", 0.9, 0.1, std::nullopt, 1000, {});
  EXPECT_EQ(ap.status, "ok");
  EXPECT_TRUE(ap.above_threshold);
  EXPECT_FALSE(ap.significant);
  EXPECT_FALSE(ap.drift_detected);
  EXPECT_FALSE(ap.pvalue.has_value());
  EXPECT_FALSE(ap.recent_low.has_value());
  EXPECT_TRUE(ap.interval_method.empty());
}

TEST(PerformanceDriftTest, RecentIntervalIsReportedWithoutATrainingValue) {
  const PerformanceDrift d =
      EvaluatePerformanceDrift("mae", std::nullopt, 2.0, NormalEstimate(2.0, 0.1), 100, {});
  EXPECT_EQ(d.status, "no_training_metric");
  ASSERT_TRUE(d.recent_low.has_value());
  EXPECT_DOUBLE_EQ(*d.recent_high, 2.0 + kZ995 * 0.1);
  EXPECT_FALSE(d.pvalue.has_value());
  EXPECT_FALSE(d.degradation_low.has_value());
}

}  // namespace
}  // namespace mw::stats
