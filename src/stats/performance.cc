#include "stats/performance.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace mw::stats {

void RegressionAccumulator::Add(double prediction, double actual) {
  assert(std::isfinite(prediction) && std::isfinite(actual));
  const double error = prediction - actual;
  ++n_;
  abs_error_.Add(std::abs(error));
  squared_error_.Add(error * error);
  error_.Add(error);
  if (actual != 0) {
    abs_pct_error_.Add(std::abs(error) / std::abs(actual));
    ++pct_count_;
  }
  // Welford on the actuals shifted by the first one: the deviation from the old mean times the
  // deviation from the new one adds exactly this row's share of the sum of squared deviations,
  // without the cancellation of sum(a^2) - n mean^2. The shift keeps the running mean small, so
  // its rounding (an ulp of the mean per row, which Welford's M2 inherits) is an ulp of the
  // spread, not of an offset like 1e9.
  if (n_ == 1) actual_shift_ = actual;
  const double shifted = actual - actual_shift_;
  const double delta = shifted - actual_mean_;
  actual_mean_ += delta / static_cast<double>(n_);
  actual_sq_deviation_.Add(delta * (shifted - actual_mean_));
}

void RegressionAccumulator::Merge(const RegressionAccumulator& other) {
  if (other.n_ == 0) return;
  if (n_ == 0) {
    *this = other;
    return;
  }
  const double n_a = static_cast<double>(n_), n_b = static_cast<double>(other.n_);
  const double n = n_a + n_b;
  // Chan et al.: M2 = M2_a + M2_b + delta^2 n_a n_b / n, with delta the difference of the means.
  // The shifts are actuals of similar size, so their difference is exact or nearly.
  const double delta = (other.actual_shift_ - actual_shift_) + (other.actual_mean_ - actual_mean_);
  actual_mean_ += delta * (n_b / n);
  actual_sq_deviation_.Add(other.actual_sq_deviation_);
  actual_sq_deviation_.Add(delta * delta * (n_a * n_b / n));
  n_ += other.n_;
  abs_error_.Add(other.abs_error_);
  squared_error_.Add(other.squared_error_);
  error_.Add(other.error_);
  abs_pct_error_.Add(other.abs_pct_error_);
  pct_count_ += other.pct_count_;
}

namespace {

// A compensated sum of non-negative finite terms is NaN only when its running total overflowed
// (the compensation then holds inf - inf): the true sum is beyond the double range, so +infinity.
double NonNegativeTotal(const NeumaierSum& sum) {
  const double v = sum.value();
  return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
}

}  // namespace

RegressionMetrics RegressionAccumulator::Finish() const {
  RegressionMetrics m;
  m.n = n_;
  m.mape_excluded = n_ - pct_count_;
  if (n_ == 0) return m;
  const double n = static_cast<double>(n_);
  const double squared_error = NonNegativeTotal(squared_error_);
  m.mae = NonNegativeTotal(abs_error_) / n;
  m.rmse = std::sqrt(squared_error / n);
  m.mean_error = error_.value() / n;
  if (pct_count_ > 0) m.mape = NonNegativeTotal(abs_pct_error_) / static_cast<double>(pct_count_);
  // Constant actuals leave M2 exactly 0: each Welford delta is then 0 (the running mean of equal
  // values is that value), and Chan's delta between equal means is 0.
  const double total = actual_sq_deviation_.value();
  if (total > 0) m.r2 = 1.0 - squared_error / total;
  return m;
}

Result<RegressionMetrics> ComputeRegression(std::span<const double> predictions,
                                            std::span<const double> actuals) {
  if (predictions.size() != actuals.size()) {
    return InvalidArgument("regression metrics: " + std::to_string(predictions.size()) +
                           " predictions but " + std::to_string(actuals.size()) + " actuals");
  }
  RegressionAccumulator acc;
  for (size_t i = 0; i < predictions.size(); ++i) {
    if (!std::isfinite(predictions[i]) || !std::isfinite(actuals[i])) {
      return InvalidArgument("regression metrics: non-finite prediction or actual at row " +
                             std::to_string(i));
    }
    acc.Add(predictions[i], actuals[i]);
  }
  return acc.Finish();
}

namespace {

Status ValidateClassificationInput(std::span<const double> scores, std::span<const uint8_t> labels,
                                   const ClassificationOptions& options) {
  if (scores.size() != labels.size()) {
    return InvalidArgument("classification metrics: " + std::to_string(scores.size()) +
                           " scores but " + std::to_string(labels.size()) + " labels");
  }
  if (scores.empty()) return InvalidArgument("classification metrics: no rows");
  if (!std::isfinite(options.threshold)) {
    return InvalidArgument("classification metrics: threshold must be finite");
  }
  if (!(options.log_loss_eps > 0 && options.log_loss_eps < 0.5)) {
    return InvalidArgument("classification metrics: log_loss_eps must be in (0, 0.5)");
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    // Written so that NaN fails too.
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) {
      return InvalidArgument("classification metrics: score at row " + std::to_string(i) +
                             " is not a probability in [0, 1]");
    }
    if (labels[i] > 1) {
      return InvalidArgument("classification metrics: label at row " + std::to_string(i) + " is " +
                             std::to_string(labels[i]) + ", not 0 or 1");
    }
  }
  return Status::Ok();
}

// ROC AUC and average precision from the rows sorted by score, walking groups of equal scores.
// AUC is the Mann–Whitney count: 2U = sum over groups of positives * (2 * negatives scored lower
// + negatives in the group), exact in integers, divided once at the end. AP walks the groups from
// the highest score down: at each distinct threshold the step in recall times the precision.
void RankMetrics(std::vector<std::pair<double, uint8_t>>& rows, int64_t positives,
                 ClassificationMetrics& m) {
  const int64_t n = static_cast<int64_t>(rows.size()), negatives = n - positives;
  std::sort(rows.begin(), rows.end());
  if (positives > 0 && negatives > 0) {
    int64_t twice_u = 0, negatives_below = 0;
    for (size_t i = 0; i < rows.size();) {
      int64_t group_pos = 0, group_neg = 0;
      size_t j = i;
      for (; j < rows.size() && rows[j].first == rows[i].first; ++j) {
        (rows[j].second != 0 ? group_pos : group_neg) += 1;
      }
      twice_u += group_pos * (2 * negatives_below + group_neg);
      negatives_below += group_neg;
      i = j;
    }
    m.roc_auc = static_cast<double>(twice_u) /
                (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
  }
  if (positives > 0) {
    NeumaierSum ap;
    int64_t tp = 0, fp = 0;
    for (size_t i = rows.size(); i > 0;) {
      const double score = rows[i - 1].first;
      const int64_t tp_before = tp;
      for (; i > 0 && rows[i - 1].first == score; --i) {
        (rows[i - 1].second != 0 ? tp : fp) += 1;
      }
      if (tp > tp_before) {
        ap.Add(static_cast<double>(tp - tp_before) *
               (static_cast<double>(tp) / static_cast<double>(tp + fp)));
      }
    }
    m.average_precision = ap.value() / static_cast<double>(positives);
  }
}

double SafeRatio(int64_t numerator, int64_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

Result<ClassificationMetrics> ComputeClassification(std::span<const double> scores,
                                                    std::span<const uint8_t> labels,
                                                    const ClassificationOptions& options) {
  if (Status s = ValidateClassificationInput(scores, labels, options); !s.ok()) return s;

  ClassificationMetrics m;
  m.n = static_cast<int64_t>(scores.size());
  m.threshold = options.threshold;
  const double eps = options.log_loss_eps, one_minus_eps = 1.0 - eps;
  NeumaierSum log_loss, brier;  // compensated: per-row means
  std::vector<std::pair<double, uint8_t>> rows;
  rows.reserve(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    const double p = scores[i];
    const bool actual = labels[i] != 0, predicted = p >= options.threshold;
    m.positives += actual;
    if (actual) {
      (predicted ? m.true_positives : m.false_negatives) += 1;
    } else {
      (predicted ? m.false_positives : m.true_negatives) += 1;
    }
    // As sklearn 1.2.1: clip, form the pair (1 - p, p), renormalise it by its (rounded) sum, take
    // -log of the entry for the true class. The renormalisation changes the result by ~1 ulp at
    // most, but copying it keeps us on sklearn's side of every rounding.
    const double clipped = std::clamp(p, eps, one_minus_eps);
    const double complement = 1.0 - clipped, total = complement + clipped;
    log_loss.Add(-std::log((actual ? clipped : complement) / total));
    const double diff = (actual ? 1.0 : 0.0) - p;
    brier.Add(diff * diff);
    rows.emplace_back(p, labels[i]);
  }
  const double n = static_cast<double>(m.n);
  m.log_loss = log_loss.value() / n;
  m.brier = brier.value() / n;
  m.accuracy = SafeRatio(m.true_positives + m.true_negatives, m.n);
  m.precision = SafeRatio(m.true_positives, m.true_positives + m.false_positives);
  m.recall = SafeRatio(m.true_positives, m.positives);
  // sklearn's F-score formula on the rounded precision and recall, so ties in rounding match.
  const double pr_sum = m.precision + m.recall;
  m.f1 = pr_sum == 0.0 ? 0.0 : 2.0 * m.precision * m.recall / pr_sum;
  m.actual_positive_rate = SafeRatio(m.positives, m.n);
  m.predicted_positive_rate = SafeRatio(m.true_positives + m.false_positives, m.n);
  RankMetrics(rows, m.positives, m);
  return m;
}

}  // namespace mw::stats
