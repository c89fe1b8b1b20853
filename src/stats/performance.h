// Model performance metrics from predictions and ground truth, matching scikit-learn 1.2.1:
// regression (MAE, RMSE, bias, MAPE, R^2) and binary classification (ROC AUC, average precision,
// threshold metrics, log loss, Brier score). docs/metrics-performance.md gives every formula and
// edge-case answer.
//
// Where sklearn answers an undefined metric with a made-up number (r2_score of constant actuals
// is 0 or 1, roc_auc_score of one class raises, average_precision_score without positives is 0),
// these return nullopt instead, so a monitor never reports a number that means nothing.
//
// All functions are pure; the accumulator is a value type (not synchronised: one thread at a
// time per object, independent objects freely in parallel).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "common/status.h"
#include "stats/sum.h"

namespace mw::stats {

struct RegressionMetrics {
  int64_t n = 0;  // rows used
  double mae = 0;
  double rmse = 0;
  double mean_error = 0;  // mean(prediction - actual): bias, + = over-forecast
  // Mean of |prediction - actual| / |actual| as a FRACTION (0.12 = 12%), over the rows with
  // actual != 0; nullopt when there are none. Equals sklearn's mean_absolute_percentage_error on
  // those rows (sklearn divides by max(|actual|, 2.2e-16); for |actual| below that this divides
  // by |actual| itself).
  std::optional<double> mape;
  int64_t mape_excluded = 0;  // rows with actual == 0, excluded from MAPE (never divided by)
  // 1 - sum((p - a)^2) / sum((a - mean(a))^2); nullopt when the actuals are constant (including
  // n == 1), where sklearn would report 1.0 or 0.0.
  std::optional<double> r2;
};

// Mergeable sufficient statistics of (prediction, actual) pairs, so per-time-bucket accumulators
// combine into any window without keeping the rows. Sums are compensated (Neumaier) and the
// actuals' spread is kept as a Welford mean (of the actuals shifted by the first one) and sum of
// squared deviations, combined by Chan's formula on Merge, so Finish agrees with sklearn to
// ~1e-12 relative even for a million rows with actuals around 1e6 (or 1e9) spread over ~1.
// Merge(a, b) equals adding b's rows to a, up to rounding.
class RegressionAccumulator {
 public:
  // Precondition: both values finite (ComputeRegression checks this; direct callers must). Errors
  // whose squares overflow (|p - a| > ~1.3e154, or their sum beyond ~1.8e308) give RMSE +infinity
  // (and R^2 -infinity when the actuals' spread is finite), never NaN; likewise MAE and MAPE when
  // their sums overflow.
  void Add(double prediction, double actual);
  void Merge(const RegressionAccumulator& other);
  int64_t count() const { return n_; }
  // n == 0 -> n 0, all optionals null, all other fields 0.
  RegressionMetrics Finish() const;

 private:
  using Sum = NeumaierSum;  // compensated (stats/sum.h)

  int64_t n_ = 0;
  Sum abs_error_;      // sum |p - a|
  Sum squared_error_;  // sum (p - a)^2
  Sum error_;          // sum (p - a)
  Sum abs_pct_error_;  // sum |p - a| / |a| over a != 0
  int64_t pct_count_ = 0;
  double actual_shift_ = 0;  // the first actual added; the Welford mean is of a - shift
  double actual_mean_ = 0;   // Welford running mean of a - actual_shift_
  Sum actual_sq_deviation_;  // sum (a - mean(a))^2 (Welford's M2)
};

// One pass over paired rows. kInvalidArgument when the spans differ in length or a value is NaN
// or infinite. Empty input is valid and gives RegressionAccumulator{}.Finish().
Result<RegressionMetrics> ComputeRegression(std::span<const double> predictions,
                                            std::span<const double> actuals);

struct ClassificationOptions {
  // Predicted positive iff score >= threshold. Must be finite (any value: <= 0 predicts all
  // positive, > 1 none).
  double threshold = 0.5;
  // Log-loss clipping of scores to [eps, 1 - eps]; must be in (0, 0.5). The default is sklearn
  // 1.2.1's eps="auto" for float64 scores, np.finfo(np.float64).eps (1e-15 before sklearn 1.2).
  double log_loss_eps = 2.220446049250313e-16;
};

struct ClassificationMetrics {
  int64_t n = 0;
  int64_t positives = 0;  // actual positives
  // sklearn roc_auc_score: the probability that a random positive scores above a random negative,
  // ties counting one half. nullopt when only one class is present.
  std::optional<double> roc_auc;
  // sklearn average_precision_score: sum over distinct score thresholds t (descending) of
  // (recall(t) - recall(previous t)) * precision(t). nullopt when there are no positives.
  std::optional<double> average_precision;
  double threshold = 0.5;  // predicted positive iff score >= threshold
  // sklearn accuracy/precision/recall/f1 on (score >= threshold) with zero_division=0: a metric
  // whose denominator is zero is 0.
  double accuracy = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  // sklearn log_loss(labels, scores, eps=log_loss_eps, labels=[0, 1]): scores clipped to
  // [eps, 1 - eps], natural log, mean over rows.
  double log_loss = 0;
  double brier = 0;  // mean (score - label)^2
  double actual_positive_rate = 0;
  double predicted_positive_rate = 0;
  int64_t true_positives = 0;
  int64_t false_positives = 0;
  int64_t true_negatives = 0;
  int64_t false_negatives = 0;
};

// `scores` are positive-class probabilities in [0, 1]; `labels` are 0 or 1. kInvalidArgument for
// spans of different lengths, empty input, a score outside [0, 1] or NaN, a label other than 0/1,
// or options outside their documented ranges. O(n log n) time, O(n) extra memory.
Result<ClassificationMetrics> ComputeClassification(std::span<const double> scores,
                                                    std::span<const uint8_t> labels,
                                                    const ClassificationOptions& options = {});

}  // namespace mw::stats
