// Performance drift: has a quality metric degraded, relative to its value at training time, by
// more than a threshold fraction? The classic check of issue 4 (e.g. "AUC fell more than 20%").
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  double threshold = 0.2;       // fraction
  bool drift_detected = false;  // degradation > threshold
  // The first that applies, in this order:
  //   "unknown_metric"        DirectionOf(metric) is nullopt
  //   "no_training_metric"    training value missing or not finite
  //   "training_metric_zero"  training value is 0: no relative change can be measured
  //   "insufficient_data"     sample_size < min_samples, or recent value missing or not finite
  //   "drift"                 degradation > threshold
  //   "ok"                    otherwise
  std::string status;
  int64_t sample_size = 0;
};

// Evaluates one metric. training_value and recent_value are copied into the result as given
// (also when not finite), so a report can show what was compared. A NaN threshold never detects
// drift.
PerformanceDrift EvaluatePerformanceDrift(std::string_view metric,
                                          std::optional<double> training_value,
                                          std::optional<double> recent_value, int64_t sample_size,
                                          double threshold = 0.2, int64_t min_samples = 10);

}  // namespace mw::stats
