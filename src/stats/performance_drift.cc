#include "stats/performance_drift.h"

#include <array>
#include <cmath>

namespace mw::stats {

std::optional<MetricDirection> DirectionOf(std::string_view metric) {
  static constexpr std::array<std::string_view, 5> kLower = {"mae", "rmse", "mape", "log_loss",
                                                             "brier"};
  static constexpr std::array<std::string_view, 8> kHigher = {
      "auc", "roc_auc", "r2", "accuracy", "precision", "recall", "f1", "average_precision"};
  for (std::string_view name : kLower) {
    if (name == metric) return MetricDirection::kLowerIsBetter;
  }
  for (std::string_view name : kHigher) {
    if (name == metric) return MetricDirection::kHigherIsBetter;
  }
  return std::nullopt;
}

PerformanceDrift EvaluatePerformanceDrift(std::string_view metric,
                                          std::optional<double> training_value,
                                          std::optional<double> recent_value, int64_t sample_size,
                                          double threshold, int64_t min_samples) {
  PerformanceDrift drift;
  drift.metric = std::string(metric);
  drift.training_value = training_value;
  drift.recent_value = recent_value;
  drift.threshold = threshold;
  drift.sample_size = sample_size;

  const std::optional<MetricDirection> direction = DirectionOf(metric);
  if (!direction.has_value()) {
    drift.status = "unknown_metric";
  } else if (!training_value.has_value() || !std::isfinite(*training_value)) {
    drift.status = "no_training_metric";
  } else if (*training_value == 0) {
    drift.status = "training_metric_zero";
  } else if (sample_size < min_samples || !recent_value.has_value() ||
             !std::isfinite(*recent_value)) {
    drift.status = "insufficient_data";
  } else {
    const double change = *direction == MetricDirection::kLowerIsBetter
                              ? *recent_value - *training_value
                              : *training_value - *recent_value;
    drift.degradation = change / std::abs(*training_value);
    drift.drift_detected = *drift.degradation > threshold;
    drift.status = drift.drift_detected ? "drift" : "ok";
  }
  return drift;
}

}  // namespace mw::stats
