// Sampling uncertainty of a recent performance metric: a confidence interval and a standard error
// from the rows the metric was computed on, so a monitor can tell a real degradation from the
// noise of a small window (issue 20). docs/quality.md states the formulas and their reasoning.
//
//   mae    Student t interval (n - 1 degrees of freedom) on the per-row |e_i|, e = prediction -
//          actual; the low end clipped at 0.
//   mape   the same on |e_i| / |a_i| over the rows with a_i != 0 (a fraction, as the metric).
//   rmse   Student t interval on the per-row e_i^2 (the MSE), then square-rooted; low clipped at 0.
//   r2     delta method: the influence function of R^2 = 1 - A / B (A = mean e^2,
//          B = mean (a - mean a)^2) is IF_i = -(e_i^2 - A) / B + A (d_i^2 - B) / B^2 with
//          d_i = a_i - mean a; se = sd(IF) / sqrt(n) (sd with n - 1), normal quantile; the high
//          end clipped at 1.
//   auc    DeLong's variance (placement values / midrank structural components, Sun & Xu 2014,
//          O(n log n)); the interval is built on the logit scale and mapped back, so it stays
//          inside [0, 1] and is skewed towards 0.5 as AUC's sampling distribution is near the
//          bounds (a symmetric Wald interval on the AUC scale crosses 1 for good classifiers on
//          small windows and under-covers there). An AUC of exactly 0 or 1, or a zero DeLong
//          variance (e.g. one constant score), gives the degenerate interval [AUC, AUC].
//   accuracy, log_loss, brier, f1: see EstimateClassificationMetric.
//
// Every interval is symmetric on its "scale" (identity, square, logit) and clipped to the
// metric's range; OneSidedPValue tests on the same scale with the same distribution, so for any
// bound b: p(greater) < (1 - confidence) / 2  <=>  low > b, and p(less) < (1 - confidence) / 2
// <=>  high < b (up to the rounding of the two computations at the boundary).
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::stats {

// The scale on which an interval is value +- quantile * scaled_standard_error.
enum class IntervalScale { kIdentity, kSquare, kLogit };

struct MetricEstimate {
  double value = 0;           // the metric on these rows
  double standard_error = 0;  // on the metric's own scale (delta method for rmse and auc)
  double low = 0, high = 0;   // the confidence interval, inside [range_low, range_high]
  double confidence = 0;      // e.g. 0.99
  int64_t n = 0;              // rows used (mape: rows with actual != 0)
  std::string method;         // "t" | "t_squared" | "delta" | "delong_logit"

  // How the interval was built (what OneSidedPValue needs to agree with it exactly).
  IntervalScale scale = IntervalScale::kIdentity;
  double scaled_value = 0;           // g(value): value, value^2 or logit(value)
  double scaled_standard_error = 0;  // the standard error of g(value)
  // Student t degrees of freedom; infinity means the normal distribution.
  double degrees_of_freedom = std::numeric_limits<double>::infinity();
  double range_low = -std::numeric_limits<double>::infinity();
  double range_high = std::numeric_limits<double>::infinity();
};

// metric is one of mae, rmse, mape, r2. kInvalidArgument for another name, spans of different
// lengths, a non-finite value, or confidence outside (0, 1); kFailedPrecondition when the
// uncertainty is undefined: fewer than 2 rows (mape: 2 rows with a nonzero actual), constant
// actuals (r2), or squared errors that overflow.
Result<MetricEstimate> EstimateRegressionMetric(std::string_view metric,
                                                std::span<const double> predictions,
                                                std::span<const double> actuals, double confidence);

// ROC AUC of scores (any finite numbers; higher = more positive) against 0/1 labels, with
// DeLong's standard error and the logit interval. kInvalidArgument for different lengths, a
// non-finite score, a label other than 0/1 or confidence outside (0, 1); kFailedPrecondition
// when a class has fewer than 2 members (DeLong's sample variances need 2).
Result<MetricEstimate> EstimateAuc(std::span<const double> scores, std::span<const uint8_t> labels,
                                   double confidence);

// Threshold metrics and per-row losses of a binary classifier (scores in [0, 1], labels 0/1, as
// ComputeClassification validates them; ClassificationOptions' threshold and log_loss_eps):
//   accuracy, log_loss, brier  Student t interval on the per-row values (correct 0/1, the clipped
//                              log loss as ComputeClassification computes it, (score - label)^2);
//                              accuracy clipped to [0, 1], the losses' low end at 0.
//   f1                         delta method for the ratio of means F1 = mean(x) / mean(y) with
//                              x_i = 2 tp_i, y_i = 2 tp_i + fp_i + fn_i: IF_i = (x_i - F1 y_i) /
//                              mean(y), se = sd(IF) / sqrt(n), normal quantile, clipped to [0, 1].
// kInvalidArgument for another metric name, bad input or confidence; kFailedPrecondition for
// fewer than 2 rows or (f1) no actual and no predicted positive.
Result<MetricEstimate> EstimateClassificationMetric(std::string_view metric,
                                                    std::span<const double> scores,
                                                    std::span<const uint8_t> labels,
                                                    double threshold, double log_loss_eps,
                                                    double confidence);

// True for the metric names the functions above estimate (mae rmse mape r2 auc roc_auc accuracy
// f1 log_loss brier; not average_precision, precision, recall).
bool HasUncertaintyEstimate(std::string_view metric);

// One-sided p-value against `bound`: with greater = true, of H0 "true metric <= bound" against
// "true metric > bound"; with greater = false, of H0 ">= bound" against "< bound". Computed on the
// estimate's scale with its distribution (t or normal). A bound outside the metric's range where
// H0 is impossible gives 0, where it is certain 1. A zero scaled standard error gives 0 or 1 by
// the sign of value - bound (0.5 when equal).
double OneSidedPValue(const MetricEstimate& estimate, double bound, bool greater);

}  // namespace mw::stats
