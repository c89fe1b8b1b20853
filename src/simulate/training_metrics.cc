#include "simulate/training_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace mw::simulate {

RegressionMetrics ComputeRegressionMetrics(std::span<const double> predicted,
                                           std::span<const double> actual) {
  assert(predicted.size() == actual.size() && !actual.empty());
  const double n = static_cast<double>(actual.size());
  double abs_sum = 0, sq_sum = 0, pct_sum = 0, actual_sum = 0;
  size_t pct_rows = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double e = actual[i] - predicted[i];
    abs_sum += std::abs(e);
    sq_sum += e * e;
    actual_sum += actual[i];
    if (actual[i] != 0) {
      pct_sum += std::abs(e) / std::abs(actual[i]);
      ++pct_rows;
    }
  }
  const double mean = actual_sum / n;
  double total = 0;
  for (const double y : actual) total += (y - mean) * (y - mean);
  RegressionMetrics m;
  m.mae = abs_sum / n;
  m.rmse = std::sqrt(sq_sum / n);
  m.mape = pct_rows > 0 ? pct_sum / static_cast<double>(pct_rows)
                        : std::numeric_limits<double>::quiet_NaN();
  m.r2 = total > 0 ? 1.0 - sq_sum / total : std::numeric_limits<double>::quiet_NaN();
  return m;
}

BinaryMetrics ComputeBinaryMetrics(std::span<const double> probability,
                                   std::span<const double> label) {
  assert(probability.size() == label.size() && !label.empty());
  const size_t n = label.size();
  const double eps = std::numeric_limits<double>::epsilon();
  double loss = 0, brier = 0;
  for (size_t i = 0; i < n; ++i) {
    const double p = std::clamp(probability[i], eps, 1.0 - eps);
    loss -= label[i] != 0 ? std::log(p) : std::log(1.0 - p);
    brier += (probability[i] - label[i]) * (probability[i] - label[i]);
  }
  // AUC from average ranks: (sum of positive ranks - P(P+1)/2) / (P N).
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return probability[a] < probability[b]; });
  double positive_rank_sum = 0, positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && probability[order[j]] == probability[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (label[order[k]] != 0) {
        positive_rank_sum += rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  BinaryMetrics m;
  m.auc = positives > 0 && negatives > 0
              ? (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)
              : std::numeric_limits<double>::quiet_NaN();
  m.log_loss = loss / static_cast<double>(n);
  m.brier = brier / static_cast<double>(n);
  return m;
}

}  // namespace mw::simulate
