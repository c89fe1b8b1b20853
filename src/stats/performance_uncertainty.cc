#include "stats/performance_uncertainty.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>
#include <cmath>
#include <utility>
#include <vector>

#include "stats/sum.h"

namespace mw::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Boost.Math errors through errno, never exceptions (stats is exception-free; arguments are
// validated before they get here).
using UncertaintyPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::errno_on_error>,
    boost::math::policies::pole_error<boost::math::policies::errno_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::errno_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::errno_on_error>>;

// P(T > x) for Student t with `dof` degrees of freedom (normal when dof is infinite).
double UpperTail(double x, double dof) {
  if (std::isinf(x)) return x > 0 ? 0.0 : 1.0;
  if (std::isinf(dof)) {
    return boost::math::cdf(
        boost::math::complement(boost::math::normal_distribution<double, UncertaintyPolicy>(), x));
  }
  return boost::math::cdf(boost::math::complement(
      boost::math::students_t_distribution<double, UncertaintyPolicy>(dof), x));
}

// The quantile q with P(T > q) = tail.
double UpperQuantile(double tail, double dof) {
  if (std::isinf(dof)) {
    return boost::math::quantile(boost::math::complement(
        boost::math::normal_distribution<double, UncertaintyPolicy>(), tail));
  }
  return boost::math::quantile(boost::math::complement(
      boost::math::students_t_distribution<double, UncertaintyPolicy>(dof), tail));
}

double Logit(double p) { return std::log(p) - std::log1p(-p); }
double Expit(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double FromScale(IntervalScale scale, double g) {
  switch (scale) {
    case IntervalScale::kSquare:
      return std::sqrt(std::max(0.0, g));
    case IntervalScale::kLogit:
      return Expit(g);
    case IntervalScale::kIdentity:
      break;
  }
  return g;
}

double ToScale(IntervalScale scale, double v) {
  switch (scale) {
    case IntervalScale::kSquare:
      return v * v;
    case IntervalScale::kLogit:
      return Logit(v);
    case IntervalScale::kIdentity:
      break;
  }
  return v;
}

// Fills low/high from scaled_value +- q * scaled_standard_error, mapped back and clipped to the
// range. A zero scaled standard error gives [value, value] exactly.
void FillInterval(MetricEstimate& e) {
  if (e.scaled_standard_error == 0) {
    e.low = e.high = e.value;
    return;
  }
  const double q = UpperQuantile((1.0 - e.confidence) / 2.0, e.degrees_of_freedom);
  const double half = q * e.scaled_standard_error;
  e.low = std::clamp(FromScale(e.scale, e.scaled_value - half), e.range_low, e.range_high);
  e.high = std::clamp(FromScale(e.scale, e.scaled_value + half), e.range_low, e.range_high);
}

struct MeanAndSe {
  double mean = 0, se = 0;
};

// Mean and its standard error s / sqrt(n) (s with n - 1), two passes with compensated sums.
MeanAndSe MeanWithStandardError(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  NeumaierSum sum;
  for (double v : x) sum.Add(v);
  const double mean = sum.value() / n;
  NeumaierSum squares;
  for (double v : x) squares.Add((v - mean) * (v - mean));
  return {mean, std::sqrt(squares.value() / (n - 1.0) / n)};
}

Status CheckConfidence(double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    return InvalidArgument("metric uncertainty: confidence must be in (0, 1)");
  }
  return Status::Ok();
}

// t interval on the per-row values of a mean metric (mae, mape: identity scale; rmse: the mean
// of squared errors, square-rooted).
Result<MetricEstimate> MeanEstimate(const std::vector<double>& per_row, double confidence,
                                    bool squared, const char* name) {
  if (per_row.size() < 2) {
    return FailedPrecondition(std::string(name) + " uncertainty needs at least 2 rows");
  }
  const MeanAndSe m = MeanWithStandardError(per_row);
  if (!std::isfinite(m.mean) || !std::isfinite(m.se)) {
    return FailedPrecondition(std::string(name) + " uncertainty: the per-row values overflow");
  }
  MetricEstimate e;
  e.confidence = confidence;
  e.n = static_cast<int64_t>(per_row.size());
  e.degrees_of_freedom = static_cast<double>(per_row.size() - 1);
  e.range_low = 0.0;
  e.scaled_value = m.mean;
  e.scaled_standard_error = m.se;
  if (squared) {
    e.method = "t_squared";
    e.scale = IntervalScale::kSquare;
    e.value = std::sqrt(m.mean);
    // Delta method: d sqrt(M) / dM = 1 / (2 sqrt(M)); 0 when every error is 0.
    e.standard_error = e.value > 0 ? m.se / (2.0 * e.value) : 0.0;
  } else {
    e.method = "t";
    e.value = m.mean;
    e.standard_error = m.se;
  }
  FillInterval(e);
  return e;
}

Result<MetricEstimate> R2Estimate(std::span<const double> p, std::span<const double> a,
                                  double confidence) {
  const size_t n = a.size();
  if (n < 2) return FailedPrecondition("r2 uncertainty needs at least 2 rows");
  const double nd = static_cast<double>(n);
  NeumaierSum actual_sum;
  for (double v : a) actual_sum.Add(v);
  const double mean_a = actual_sum.value() / nd;
  NeumaierSum sse, sst;
  for (size_t i = 0; i < n; ++i) {
    const double e = p[i] - a[i], d = a[i] - mean_a;
    sse.Add(e * e);
    sst.Add(d * d);
  }
  const double big_a = sse.value() / nd, big_b = sst.value() / nd;
  if (!(big_b > 0)) return FailedPrecondition("r2 uncertainty: the actuals are constant");
  if (!std::isfinite(big_a) || !std::isfinite(big_b)) {
    return FailedPrecondition("r2 uncertainty: squared values overflow");
  }
  // The influence function's mean is 0 by construction; its sample variance uses n - 1.
  NeumaierSum if_squares;
  for (size_t i = 0; i < n; ++i) {
    const double e = p[i] - a[i], d = a[i] - mean_a;
    const double influence = -(e * e - big_a) / big_b + big_a * (d * d - big_b) / (big_b * big_b);
    if_squares.Add(influence * influence);
  }
  MetricEstimate est;
  est.method = "delta";
  est.confidence = confidence;
  est.n = static_cast<int64_t>(n);
  est.value = 1.0 - big_a / big_b;
  est.standard_error = std::sqrt(if_squares.value() / (nd - 1.0) / nd);
  est.scaled_value = est.value;
  est.scaled_standard_error = est.standard_error;
  est.range_high = 1.0;
  FillInterval(est);
  return est;
}

// F1 as a ratio of per-row means (see the header), delta method.
Result<MetricEstimate> F1Estimate(std::span<const double> scores, std::span<const uint8_t> labels,
                                  double threshold, double confidence) {
  const double n = static_cast<double>(scores.size());
  std::vector<double> x, y;
  NeumaierSum x_sum, y_sum;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool predicted = scores[i] >= threshold, actual = labels[i] != 0;
    x.push_back(predicted && actual ? 2.0 : 0.0);
    y.push_back(predicted && actual ? 2.0 : (predicted || actual ? 1.0 : 0.0));
    x_sum.Add(x.back());
    y_sum.Add(y.back());
  }
  const double mean_y = y_sum.value() / n;
  if (!(mean_y > 0)) {
    return FailedPrecondition("f1 uncertainty: no actual and no predicted positive");
  }
  MetricEstimate e;
  e.method = "delta";
  e.confidence = confidence;
  e.n = static_cast<int64_t>(scores.size());
  e.value = x_sum.value() / y_sum.value();
  NeumaierSum squares;  // the influence function averages to 0
  for (size_t i = 0; i < x.size(); ++i) {
    const double influence = (x[i] - e.value * y[i]) / mean_y;
    squares.Add(influence * influence);
  }
  e.standard_error = std::sqrt(squares.value() / (n - 1.0) / n);
  e.scaled_value = e.value;
  e.scaled_standard_error = e.standard_error;
  e.range_low = 0.0;
  e.range_high = 1.0;
  FillInterval(e);
  return e;
}

// accuracy, log_loss, brier: a t interval on the per-row values (inputs validated).
Result<MetricEstimate> PerRowClassificationEstimate(std::string_view metric,
                                                    std::span<const double> scores,
                                                    std::span<const uint8_t> labels,
                                                    double threshold, double log_loss_eps,
                                                    double confidence) {
  if (metric != "accuracy" && metric != "log_loss" && metric != "brier") {
    return InvalidArgument("metric uncertainty: unknown classification metric '" +
                           std::string(metric) + "'");
  }
  std::vector<double> per_row;
  per_row.reserve(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    const double p = scores[i];
    const bool actual = labels[i] != 0;
    if (metric == "accuracy") {
      per_row.push_back((p >= threshold) == actual ? 1.0 : 0.0);
    } else if (metric == "brier") {
      const double diff = (actual ? 1.0 : 0.0) - p;
      per_row.push_back(diff * diff);
    } else {
      // ComputeClassification's per-row loss (sklearn 1.2.1: clip, renormalise the pair).
      const double clipped = std::clamp(p, log_loss_eps, 1.0 - log_loss_eps);
      const double complement = 1.0 - clipped, total = complement + clipped;
      per_row.push_back(-std::log((actual ? clipped : complement) / total));
    }
  }
  const std::string name(metric);
  Result<MetricEstimate> e = MeanEstimate(per_row, confidence, false, name.c_str());
  if (e.has_value() && metric == "accuracy") {
    e->range_high = 1.0;
    FillInterval(*e);
  }
  return e;
}

}  // namespace

bool HasUncertaintyEstimate(std::string_view metric) {
  return metric == "mae" || metric == "rmse" || metric == "mape" || metric == "r2" ||
         metric == "auc" || metric == "roc_auc" || metric == "accuracy" || metric == "f1" ||
         metric == "log_loss" || metric == "brier";
}

Result<MetricEstimate> EstimateRegressionMetric(std::string_view metric,
                                                std::span<const double> predictions,
                                                std::span<const double> actuals,
                                                double confidence) {
  if (Status s = CheckConfidence(confidence); !s.ok()) return s;
  if (predictions.size() != actuals.size()) {
    return InvalidArgument("metric uncertainty: predictions and actuals differ in length");
  }
  for (size_t i = 0; i < actuals.size(); ++i) {
    if (!std::isfinite(predictions[i]) || !std::isfinite(actuals[i])) {
      return InvalidArgument("metric uncertainty: non-finite value at row " + std::to_string(i));
    }
  }
  if (metric == "r2") return R2Estimate(predictions, actuals, confidence);
  std::vector<double> per_row;
  per_row.reserve(actuals.size());
  for (size_t i = 0; i < actuals.size(); ++i) {
    const double e = predictions[i] - actuals[i];
    if (metric == "mae") {
      per_row.push_back(std::abs(e));
    } else if (metric == "rmse") {
      per_row.push_back(e * e);
    } else if (metric == "mape") {
      if (actuals[i] != 0) per_row.push_back(std::abs(e) / std::abs(actuals[i]));
    } else {
      return InvalidArgument("metric uncertainty: unknown regression metric '" +
                             std::string(metric) + "'");
    }
  }
  const std::string name(metric);
  return MeanEstimate(per_row, confidence, metric == "rmse", name.c_str());
}

Result<MetricEstimate> EstimateAuc(std::span<const double> scores, std::span<const uint8_t> labels,
                                   double confidence) {
  if (Status s = CheckConfidence(confidence); !s.ok()) return s;
  if (scores.size() != labels.size()) {
    return InvalidArgument("auc uncertainty: scores and labels differ in length");
  }
  std::vector<std::pair<double, uint8_t>> rows;
  rows.reserve(scores.size());
  int64_t positives = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i]) || labels[i] > 1) {
      return InvalidArgument("auc uncertainty: invalid score or label at row " + std::to_string(i));
    }
    positives += labels[i];
    rows.emplace_back(scores[i], labels[i]);
  }
  const int64_t negatives = static_cast<int64_t>(rows.size()) - positives;
  if (positives < 2 || negatives < 2) {
    return FailedPrecondition("auc uncertainty needs at least 2 positives and 2 negatives");
  }
  std::sort(rows.begin(), rows.end());
  // Structural components (DeLong; the placement values of Sun & Xu): for a positive,
  // V10 = (negatives scored lower + half the tied negatives) / negatives; for a negative,
  // V01 = (positives scored higher + half the tied positives) / positives. Each tie group shares
  // one value, so the sums and sums of squares are taken per group: O(n log n) for the sort.
  const double m = static_cast<double>(positives), n = static_cast<double>(negatives);
  struct Group {
    double v10, v01;
    int64_t positives, negatives;
  };
  std::vector<Group> groups;
  int64_t twice_u = 0, negatives_below = 0, positives_below = 0;
  for (size_t i = 0; i < rows.size();) {
    int64_t group_pos = 0, group_neg = 0;
    size_t j = i;
    for (; j < rows.size() && rows[j].first == rows[i].first; ++j) {
      (rows[j].second != 0 ? group_pos : group_neg) += 1;
    }
    twice_u += group_pos * (2 * negatives_below + group_neg);
    const int64_t positives_above = positives - positives_below - group_pos;
    groups.push_back(
        {(static_cast<double>(negatives_below) + 0.5 * static_cast<double>(group_neg)) / n,
         (static_cast<double>(positives_above) + 0.5 * static_cast<double>(group_pos)) / m,
         group_pos, group_neg});
    negatives_below += group_neg;
    positives_below += group_pos;
    i = j;
  }
  MetricEstimate e;
  e.method = "delong_logit";
  e.confidence = confidence;
  e.n = static_cast<int64_t>(rows.size());
  e.scale = IntervalScale::kLogit;
  e.range_low = 0.0;
  e.range_high = 1.0;
  // Exactly roc_auc_score's value (and ComputeClassification's): the integer 2U, one division.
  e.value = static_cast<double>(twice_u) / (2.0 * m * n);
  // Both components average to the AUC; their sample variances (n - 1) about it.
  NeumaierSum v10_squares, v01_squares;
  for (const Group& g : groups) {
    v10_squares.Add(static_cast<double>(g.positives) * (g.v10 - e.value) * (g.v10 - e.value));
    v01_squares.Add(static_cast<double>(g.negatives) * (g.v01 - e.value) * (g.v01 - e.value));
  }
  const double variance = v10_squares.value() / (m - 1.0) / m + v01_squares.value() / (n - 1.0) / n;
  e.standard_error = std::sqrt(variance);
  if (e.value <= 0.0 || e.value >= 1.0 || e.standard_error == 0.0) {
    e.scaled_value = ToScale(IntervalScale::kLogit, std::clamp(e.value, 0.0, 1.0));
    e.scaled_standard_error = 0.0;
  } else {
    e.scaled_value = Logit(e.value);
    // Delta method: d logit(A) / dA = 1 / (A (1 - A)).
    e.scaled_standard_error = e.standard_error / (e.value * (1.0 - e.value));
  }
  FillInterval(e);
  return e;
}

Result<MetricEstimate> EstimateClassificationMetric(std::string_view metric,
                                                    std::span<const double> scores,
                                                    std::span<const uint8_t> labels,
                                                    double threshold, double log_loss_eps,
                                                    double confidence) {
  if (Status s = CheckConfidence(confidence); !s.ok()) return s;
  if (scores.size() != labels.size()) {
    return InvalidArgument("metric uncertainty: scores and labels differ in length");
  }
  if (!std::isfinite(threshold) || !(log_loss_eps > 0 && log_loss_eps < 0.5)) {
    return InvalidArgument("metric uncertainty: bad threshold or log_loss_eps");
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0) || labels[i] > 1) {
      return InvalidArgument("metric uncertainty: invalid score or label at row " +
                             std::to_string(i));
    }
  }
  if (scores.size() < 2) {
    return FailedPrecondition(std::string(metric) + " uncertainty needs at least 2 rows");
  }
  Result<MetricEstimate> e = metric == "f1"
                                 ? F1Estimate(scores, labels, threshold, confidence)
                                 : PerRowClassificationEstimate(metric, scores, labels, threshold,
                                                                log_loss_eps, confidence);
  // A proportion at its bound (every row right or wrong; F1 0 or 1) has a zero standard error,
  // which would claim certainty from a handful of rows: no interval rather than a false one.
  if (e.has_value() && (metric == "accuracy" || metric == "f1") && e->standard_error == 0) {
    return FailedPrecondition(std::string(metric) + " uncertainty: zero variance at " +
                              std::to_string(e->value));
  }
  return e;
}

double OneSidedPValue(const MetricEstimate& e, double bound, bool greater) {
  // H0 impossible (the whole range is on the alternative's side) or certain.
  if (bound < e.range_low) return greater ? 0.0 : 1.0;
  if (bound > e.range_high) return greater ? 1.0 : 0.0;
  if (e.scaled_standard_error == 0 || !std::isfinite(e.scaled_value)) {
    if (e.value == bound) return 0.5;
    return (e.value > bound) == greater ? 0.0 : 1.0;
  }
  const double g = ToScale(e.scale, bound);
  const double stat = (greater ? e.scaled_value - g : g - e.scaled_value) / e.scaled_standard_error;
  return UpperTail(stat, e.degrees_of_freedom);
}

}  // namespace mw::stats
