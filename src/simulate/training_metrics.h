// The training metrics the simulator registers with each model version, computed from its
// simulated training sample with the same definitions the performance API uses, so served
// accuracy matches the registered training accuracy until drift is injected.
// Pure functions; thread-safe.
#pragma once

#include <span>

namespace mw::simulate {

struct RegressionMetrics {
  double mae = 0;   // mean |actual - predicted|
  double rmse = 0;  // sqrt(mean (actual - predicted)^2)
  // mean |actual - predicted| / |actual| over the rows whose actual is not 0, as a fraction
  // (sklearn's mean_absolute_percentage_error on those rows); NaN when every actual is 0.
  double mape = 0;
  double r2 = 0;  // sklearn r2_score; NaN when the actuals are constant
};

// `predicted` and `actual` have the same non-zero length.
RegressionMetrics ComputeRegressionMetrics(std::span<const double> predicted,
                                           std::span<const double> actual);

struct BinaryMetrics {
  // sklearn roc_auc_score: the Mann–Whitney statistic with tied scores counted as half; NaN when
  // only one class is present.
  double auc = 0;
  // sklearn 1.2 log_loss: probabilities clipped to [eps, 1 - eps] with eps the double epsilon.
  double log_loss = 0;
  double brier = 0;  // sklearn brier_score_loss: mean (probability - label)^2
};

// `probability` in [0,1] and `label` in {0,1}, same non-zero length.
BinaryMetrics ComputeBinaryMetrics(std::span<const double> probability,
                                   std::span<const double> label);

}  // namespace mw::simulate
