// Performance drift: has a quality metric degraded, relative to its value at training time, by
// more than a threshold fraction (issue 4, e.g. "AUC fell more than 20%"), beyond the sampling
// noise of the recent window (issue 20)? drift = the degradation interval lies above 0 (the
// degradation is significant at the estimate's confidence) AND the point degradation exceeds the
// threshold.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stats/performance_uncertainty.h"

namespace mw::stats {

enum class MetricDirection { kLowerIsBetter, kHigherIsBetter };

// mae rmse mape log_loss brier -> lower is better; auc roc_auc r2 accuracy precision recall f1
// average_precision -> higher is better; any other name (including mean_error, whose best value
// is 0, and names in another case) -> nullopt.
std::optional<MetricDirection> DirectionOf(std::string_view metric);

struct PerformanceDrift {
  std::string metric;
  std::optional<double> training_value;
  std::optional<double> recent_value;
  // Relative degradation, positive = worse, measured against the training value's magnitude:
  //   lower is better:  (recent - training) / |training|
  //   higher is better: (training - recent) / |training|
  // |training| rather than training keeps the sign meaning "worse" when the training value is
  // negative (R^2 can be): R^2 going from -0.5 to -1.0 is a degradation of +1.0 (100%).
  // Set only when status is "ok" or "drift".
  std::optional<double> degradation;
  // The recent metric's confidence interval (set whenever an estimate was given), and the
  // degradation interval: the metric interval mapped through the degradation formula (which is
  // monotonic in the metric), set with `degradation`.
  std::optional<double> recent_low, recent_high;
  std::optional<double> degradation_low, degradation_high;
  // One-sided p-value of H0 "no degradation" (true metric no worse than training), on the
  // interval's scale and distribution (OneSidedPValue); set with the degradation interval.
  std::optional<double> pvalue;
  double confidence = 0.99;     // of the intervals
  std::string interval_method;  // MetricEstimate::method, empty without an estimate
  // The degradation interval lies entirely above 0 (equivalently pvalue <= (1 - confidence) / 2,
  // up to rounding at the boundary): the metric is worse than training beyond sampling noise.
  bool significant = false;
  bool above_threshold = false;  // degradation > threshold (the point estimate)
  double threshold = 0.2;        // fraction
  bool drift_detected = false;   // significant && above_threshold
  // The first that applies, in this order:
  //   "unknown_metric"        DirectionOf(metric) is nullopt
  //   "no_training_metric"    training value missing or not finite
  //   "training_metric_zero"  training value is 0: no relative change can be measured
  //   "insufficient_data"     sample_size < min_samples, recent value missing or not finite, or
  //                           no estimate for a metric that has one (HasUncertaintyEstimate:
  //                           too few rows or classes, constant actuals)
  //   "drift"                 drift_detected
  //   "ok"                    otherwise (also a degradation above the threshold that is not
  //                           significant: `significant` and `above_threshold` tell them apart)
  std::string status;
  int64_t sample_size = 0;
};

struct PerformanceDriftOptions {
  double threshold = 0.2;    // a NaN threshold never detects drift
  int64_t min_samples = 10;  // sample_size below this -> insufficient_data
  // The intervals' confidence when there is no estimate to take it from (reported only).
  double confidence = 0.99;
};

// Evaluates one metric. training_value and recent_value are copied into the result as given
// (also when not finite), so a report can show what was compared. `estimate` is the recent
// metric's uncertainty (performance_uncertainty.h), computed on the same rows; its confidence is
// the one reported. A metric without an estimator (average_precision, precision, recall) is never
// significant, so it never reports drift; one with an estimator but no estimate is
// insufficient_data.
PerformanceDrift EvaluatePerformanceDrift(std::string_view metric,
                                          std::optional<double> training_value,
                                          std::optional<double> recent_value,
                                          const std::optional<MetricEstimate>& estimate,
                                          int64_t sample_size,
                                          const PerformanceDriftOptions& options = {});

}  // namespace mw::stats
