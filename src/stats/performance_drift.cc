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

namespace {

// The interval, p-value and significance of a degradation vs the training value `t`.
void AddUncertainty(const MetricEstimate& e, double t, MetricDirection direction,
                    PerformanceDrift& drift) {
  const double scale = std::abs(t);
  const bool lower_is_better = direction == MetricDirection::kLowerIsBetter;
  // The degradation is increasing in the metric when lower is better, decreasing otherwise.
  drift.degradation_low = lower_is_better ? (e.low - t) / scale : (t - e.high) / scale;
  drift.degradation_high = lower_is_better ? (e.high - t) / scale : (t - e.low) / scale;
  drift.pvalue = OneSidedPValue(e, t, /*greater=*/lower_is_better);
  // Compared on the metric's scale (the sign of low - t is exact; the division could underflow).
  drift.significant = lower_is_better ? e.low > t : e.high < t;
}

}  // namespace

PerformanceDrift EvaluatePerformanceDrift(std::string_view metric,
                                          std::optional<double> training_value,
                                          std::optional<double> recent_value,
                                          const std::optional<MetricEstimate>& estimate,
                                          int64_t sample_size,
                                          const PerformanceDriftOptions& options) {
  PerformanceDrift drift;
  drift.metric = std::string(metric);
  drift.training_value = training_value;
  drift.recent_value = recent_value;
  drift.threshold = options.threshold;
  drift.sample_size = sample_size;
  drift.confidence = estimate ? estimate->confidence : options.confidence;
  if (estimate) {
    drift.recent_low = estimate->low;
    drift.recent_high = estimate->high;
    drift.interval_method = estimate->method;
  }

  const std::optional<MetricDirection> direction = DirectionOf(metric);
  if (!direction.has_value()) {
    drift.status = "unknown_metric";
  } else if (!training_value.has_value() || !std::isfinite(*training_value)) {
    drift.status = "no_training_metric";
  } else if (*training_value == 0) {
    drift.status = "training_metric_zero";
  } else if (sample_size < options.min_samples || !recent_value.has_value() ||
             !std::isfinite(*recent_value) || (!estimate && HasUncertaintyEstimate(metric))) {
    drift.status = "insufficient_data";
  } else {
    const double t = *training_value;
    const double change =
        *direction == MetricDirection::kLowerIsBetter ? *recent_value - t : t - *recent_value;
    drift.degradation = change / std::abs(t);
    drift.above_threshold = *drift.degradation > options.threshold;
    if (estimate) AddUncertainty(*estimate, t, *direction, drift);
    drift.drift_detected = drift.significant && drift.above_threshold;
    drift.status = drift.drift_detected ? "drift" : "ok";
  }
  return drift;
}

}  // namespace mw::stats
