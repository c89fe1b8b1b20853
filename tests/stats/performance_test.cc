// Regression and classification metrics, cross-checked against scikit-learn 1.2.1 (through Debian's
// python3) on randomised inputs: many sizes, heavy ties, constant and zero actuals, one class,
// perfect and inverted classifiers, actuals around 1e6, and accumulators merged from random splits.
#include "stats/performance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using nlohmann::json;

// 1e-9 relative, or 1e-12 absolute for values near zero.
::testing::AssertionResult Near(double actual, double expected) {
  const double tolerance = std::max(1e-9 * std::max(std::abs(actual), std::abs(expected)), 1e-12);
  if (std::abs(actual - expected) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << actual << ", expected " << expected
                                       << " (difference " << actual - expected << ")";
}

// Compares an optional metric with the oracle's value or null.
::testing::AssertionResult NearOptional(const std::optional<double>& actual, const json& expected) {
  if (expected.is_null() != !actual.has_value()) {
    return ::testing::AssertionFailure() << "got " << (actual ? std::to_string(*actual) : "nullopt")
                                         << ", expected " << expected.dump();
  }
  return actual ? Near(*actual, expected.get<double>()) : ::testing::AssertionSuccess();
}

double RoundTo(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}

// ---------------------------------------------------------------- regression

struct RegressionCase {
  std::string kind;
  std::vector<double> predictions, actuals;
};

std::vector<RegressionCase> MakeRegressionCases() {
  std::mt19937_64 rng(20240611);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<RegressionCase> cases;
  const std::vector<std::string> kinds = {"normal",    "ties",       "constant", "all_zero",
                                          "some_zero", "offset_1e6", "perfect"};
  for (const size_t n : {1, 2, 3, 10, 100, 1000, 10000}) {
    for (const std::string& kind : kinds) {
      RegressionCase c{kind + "/" + std::to_string(n), {}, {}};
      for (size_t i = 0; i < n; ++i) {
        double a = 10.0 + 5.0 * normal(rng), p = a + normal(rng);
        if (kind == "ties") {
          a = RoundTo(a, 0);
          p = RoundTo(p, 0);
        } else if (kind == "constant") {
          a = 3.25;
        } else if (kind == "all_zero") {
          a = 0.0;
        } else if (kind == "some_zero") {
          a = (rng() % 3 == 0) ? 0.0 : RoundTo(a, 1);
        } else if (kind == "offset_1e6") {
          a = 1e6 + normal(rng);
          p = a + 0.01 * normal(rng);
        } else if (kind == "perfect") {
          p = a;
        }
        c.actuals.push_back(a);
        c.predictions.push_back(p);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// Reads {"cases": [{"p": [...], "a": [...]}]}; writes one object of sklearn's answers per case.
constexpr const char* kRegressionOracle = R"PY(
import json, sys, warnings
import numpy as np
from sklearn.metrics import (mean_absolute_error, mean_squared_error,
                             mean_absolute_percentage_error, r2_score)
warnings.simplefilter("ignore")
out = []
for case in json.load(sys.stdin)["cases"]:
    p = np.array(case["p"], dtype=np.float64)
    a = np.array(case["a"], dtype=np.float64)
    nz = a != 0
    out.append({
        "mae": mean_absolute_error(a, p),
        "rmse": mean_squared_error(a, p, squared=False),
        "mean_error": float(np.mean(p - a)),
        "mape": mean_absolute_percentage_error(a[nz], p[nz]) if nz.any() else None,
        "mape_excluded": int((~nz).sum()),
        "r2": None if np.all(a == a[0]) else r2_score(a, p),
    })
print(json.dumps(out))
)PY";

void ExpectRegressionMatches(const RegressionMetrics& m, const json& expected, size_t n,
                             const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_EQ(m.n, static_cast<int64_t>(n));
  EXPECT_TRUE(Near(m.mae, expected["mae"].get<double>()));
  EXPECT_TRUE(Near(m.rmse, expected["rmse"].get<double>()));
  // The bias is a sum with cancellation: sklearn's (pairwise) rounding is relative to the size of
  // the errors, not of their mean, so allow 1e-9 of the MAE as well.
  const double bias = expected["mean_error"].get<double>();
  EXPECT_LE(std::abs(m.mean_error - bias), std::max(1e-9 * m.mae, 1e-12) + 1e-9 * std::abs(bias))
      << m.mean_error << " vs " << bias;
  EXPECT_TRUE(NearOptional(m.mape, expected["mape"]));
  EXPECT_EQ(m.mape_excluded, expected["mape_excluded"].get<int64_t>());
  EXPECT_TRUE(NearOptional(m.r2, expected["r2"]));
}

TEST(RegressionMetricsTest, MatchesSklearnAcrossSizesAndShapes) {
  const std::vector<RegressionCase> cases = MakeRegressionCases();
  json input = {{"cases", json::array()}};
  for (const RegressionCase& c : cases) {
    input["cases"].push_back({{"p", c.predictions}, {"a", c.actuals}});
  }
  const json expected = json::parse(testing::RunPython(kRegressionOracle, input.dump()));
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    Result<RegressionMetrics> m = ComputeRegression(cases[i].predictions, cases[i].actuals);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    ExpectRegressionMatches(*m, expected[i], cases[i].actuals.size(), cases[i].kind);
  }
}

// Splits the rows into `parts` random contiguous or interleaved groups (some empty), accumulates
// each, and merges them in random order.
RegressionAccumulator MergedFromRandomSplit(std::span<const double> p, std::span<const double> a,
                                            size_t parts, std::mt19937_64& rng) {
  std::vector<RegressionAccumulator> pieces(parts);
  const bool contiguous = rng() % 2 == 0;
  std::vector<size_t> cuts;
  for (size_t k = 0; k + 1 < parts; ++k) cuts.push_back(rng() % (p.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  for (size_t i = 0; i < p.size(); ++i) {
    const size_t piece =
        contiguous
            ? static_cast<size_t>(std::upper_bound(cuts.begin(), cuts.end(), i) - cuts.begin())
            : rng() % parts;
    pieces[piece].Add(p[i], a[i]);
  }
  std::shuffle(pieces.begin(), pieces.end(), rng);
  // Pairwise tree merges, as a window combines bucket summaries of different ages.
  while (pieces.size() > 1) {
    std::vector<RegressionAccumulator> next;
    for (size_t k = 0; k + 1 < pieces.size(); k += 2) {
      pieces[k].Merge(pieces[k + 1]);
      next.push_back(pieces[k]);
    }
    if (pieces.size() % 2 == 1) next.push_back(pieces.back());
    pieces = std::move(next);
  }
  return pieces.front();
}

// Agreement between two of our own results: 1e-12 relative (rounding only), or 1e-14 absolute.
::testing::AssertionResult Same(double x, double y) {
  if (std::abs(x - y) <= std::max(1e-12 * std::max(std::abs(x), std::abs(y)), 1e-14)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << x << " vs " << y;
}

TEST(RegressionAccumulatorTest, MergeOfRandomSplitsEqualsOnePass) {
  std::mt19937_64 rng(7);
  for (const RegressionCase& c : MakeRegressionCases()) {
    SCOPED_TRACE(c.kind);
    RegressionAccumulator one_pass;
    for (size_t i = 0; i < c.actuals.size(); ++i) one_pass.Add(c.predictions[i], c.actuals[i]);
    const RegressionMetrics expected = one_pass.Finish();
    for (const size_t parts : {1, 2, 5, 17}) {
      const RegressionMetrics merged =
          MergedFromRandomSplit(c.predictions, c.actuals, parts, rng).Finish();
      EXPECT_EQ(merged.n, expected.n);
      EXPECT_EQ(merged.mape_excluded, expected.mape_excluded);
      EXPECT_TRUE(Same(merged.mae, expected.mae));
      EXPECT_TRUE(Same(merged.rmse, expected.rmse));
      EXPECT_TRUE(Same(merged.mean_error, expected.mean_error));
      ASSERT_EQ(merged.mape.has_value(), expected.mape.has_value());
      if (merged.mape) {
        EXPECT_TRUE(Same(*merged.mape, *expected.mape));
      }
      ASSERT_EQ(merged.r2.has_value(), expected.r2.has_value());
      if (merged.r2) {
        EXPECT_TRUE(Same(*merged.r2, *expected.r2));
      }
    }
  }
}

// A million rows with actuals around 1e6 (and 1e9) spread over ~1: the actuals' variance is
// 1e-12 (1e-18) of their square, so a naive sum(a^2) - n mean^2 would lose every digit, and a
// plain Welford mean rounds to an ulp of the offset per row (~2e-9 relative error in R^2 at 1e9
// after merging). The rows are generated by integer hashing that numpy reproduces bit for bit, so
// only the formula crosses to Python.
constexpr const char* kLargeOffsetOracle = R"PY(
import json, sys
import numpy as np
from sklearn.metrics import (mean_absolute_error, mean_squared_error,
                             mean_absolute_percentage_error, r2_score)
spec = json.load(sys.stdin)
n = spec["n"]
i = np.arange(n, dtype=np.int64)
u = ((i * 2654435761) % 4294967296).astype(np.float64) / 4294967296.0
v = ((i * 40503 + 12345) % 65536).astype(np.float64) / 65536.0
out = []
for offset in spec["offsets"]:
    a = offset + 3.0 * (u - 0.5)
    p = a + (v - 0.5)
    out.append({
        "mae": mean_absolute_error(a, p),
        "rmse": mean_squared_error(a, p, squared=False),
        "mean_error": float(np.mean(p - a)),
        "mape": mean_absolute_percentage_error(a, p),
        "mape_excluded": 0,
        "r2": r2_score(a, p),
    })
print(json.dumps(out))
)PY";

TEST(RegressionAccumulatorTest, MillionRowsFarFromZeroMatchSklearnWholeAndMerged) {
  constexpr int64_t kRows = 1'000'000;
  const std::vector<double> offsets = {1e6, 1e9};
  const json expected = json::parse(
      testing::RunPython(kLargeOffsetOracle, json{{"n", kRows}, {"offsets", offsets}}.dump()));
  ASSERT_EQ(expected.size(), offsets.size());
  std::vector<double> p(kRows), a(kRows);
  std::mt19937_64 rng(11);
  for (size_t k = 0; k < offsets.size(); ++k) {
    for (int64_t i = 0; i < kRows; ++i) {
      const double u = static_cast<double>((i * 2654435761LL) % 4294967296LL) / 4294967296.0;
      const double v = static_cast<double>((i * 40503 + 12345) % 65536) / 65536.0;
      a[i] = offsets[k] + 3.0 * (u - 0.5);
      p[i] = a[i] + (v - 0.5);
    }
    const std::string label = "offset " + std::to_string(offsets[k]);
    Result<RegressionMetrics> whole = ComputeRegression(p, a);
    ASSERT_TRUE(whole.has_value());
    ExpectRegressionMatches(*whole, expected[k], kRows, label + ", one pass");
    ExpectRegressionMatches(MergedFromRandomSplit(p, a, 24, rng).Finish(), expected[k], kRows,
                            label + ", 24 merged buckets");
  }
}

TEST(RegressionMetricsTest, HandComputedExample) {
  // errors p - a: 1, -2, 0, 1 -> MAE 1, RMSE sqrt(6/4), bias 0; a has a zero (excluded from MAPE):
  // |1|/2 + |-2|/4 + |1|/1 over 3 rows = 2/3; mean(a) = 7/4, SStot = 8.75, R^2 = 1 - 6/8.75.
  const std::vector<double> a = {2, 4, 0, 1}, p = {3, 2, 0, 2};
  Result<RegressionMetrics> m = ComputeRegression(p, a);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->n, 4);
  EXPECT_DOUBLE_EQ(m->mae, 1.0);
  EXPECT_DOUBLE_EQ(m->rmse, std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(m->mean_error, 0.0);
  ASSERT_TRUE(m->mape.has_value());
  EXPECT_DOUBLE_EQ(*m->mape, 2.0 / 3.0);
  EXPECT_EQ(m->mape_excluded, 1);
  ASSERT_TRUE(m->r2.has_value());
  EXPECT_DOUBLE_EQ(*m->r2, 1.0 - 6.0 / 8.75);
}

TEST(RegressionMetricsTest, BiasSignMeansOverForecast) {
  const std::vector<double> a = {1, 2, 3}, p = {2, 3, 4};
  Result<RegressionMetrics> m = ComputeRegression(p, a);
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->mean_error, 1.0);
}

TEST(RegressionMetricsTest, EmptyInputGivesZeroRowsAndNoOptionalMetrics) {
  Result<RegressionMetrics> m = ComputeRegression({}, {});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->n, 0);
  EXPECT_EQ(m->mae, 0);
  EXPECT_EQ(m->rmse, 0);
  EXPECT_EQ(m->mean_error, 0);
  EXPECT_FALSE(m->mape.has_value());
  EXPECT_EQ(m->mape_excluded, 0);
  EXPECT_FALSE(m->r2.has_value());
}

TEST(RegressionMetricsTest, SingleRowHasNoR2) {
  const std::vector<double> a = {5}, p = {4};
  Result<RegressionMetrics> m = ComputeRegression(p, a);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->r2.has_value());
  EXPECT_DOUBLE_EQ(m->mae, 1.0);
  EXPECT_DOUBLE_EQ(*m->mape, 0.2);
}

TEST(RegressionMetricsTest, AllZeroActualsHaveNoMapeAndCountEveryRowExcluded) {
  const std::vector<double> a = {0, 0, 0}, p = {1, -1, 0};
  Result<RegressionMetrics> m = ComputeRegression(p, a);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->mape.has_value());
  EXPECT_EQ(m->mape_excluded, 3);
  EXPECT_FALSE(m->r2.has_value());
}

TEST(RegressionMetricsTest, RejectsDifferentLengths) {
  const std::vector<double> a = {1, 2}, p = {1};
  Result<RegressionMetrics> m = ComputeRegression(p, a);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
}

TEST(RegressionMetricsTest, RejectsNonFiniteValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double bad : {nan, inf, -inf}) {
    const std::vector<double> good = {1, 2, 3}, with_bad = {1, bad, 3};
    Result<RegressionMetrics> bad_prediction = ComputeRegression(with_bad, good);
    Result<RegressionMetrics> bad_actual = ComputeRegression(good, with_bad);
    ASSERT_FALSE(bad_prediction.has_value());
    ASSERT_FALSE(bad_actual.has_value());
    EXPECT_EQ(bad_prediction.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bad_actual.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST(RegressionAccumulatorTest, EmptyAccumulatorsMergeToEmpty) {
  RegressionAccumulator a, b;
  a.Merge(b);
  EXPECT_EQ(a.count(), 0);
  EXPECT_FALSE(a.Finish().r2.has_value());
  RegressionAccumulator c;
  c.Add(1, 2);
  a.Merge(c);
  EXPECT_EQ(a.count(), 1);
  c.Merge(b);
  EXPECT_EQ(c.count(), 1);
  EXPECT_DOUBLE_EQ(a.Finish().mae, 1.0);
}

TEST(RegressionAccumulatorTest, MergingConstantHalvesWithDifferentLevelsGivesR2) {
  // Each half alone has constant actuals (no R^2); together the actuals vary.
  RegressionAccumulator low, high;
  low.Add(1, 1);
  low.Add(1, 1);
  high.Add(3, 3);
  high.Add(2, 3);
  EXPECT_FALSE(low.Finish().r2.has_value());
  EXPECT_FALSE(high.Finish().r2.has_value());
  low.Merge(high);
  // SStot = 4 * 1^2 = 4, SSres = 1 -> 0.75.
  ASSERT_TRUE(low.Finish().r2.has_value());
  EXPECT_DOUBLE_EQ(*low.Finish().r2, 0.75);
}

// ---------------------------------------------------------------- classification

struct ClassificationCase {
  std::string kind;
  std::vector<double> scores;
  std::vector<uint8_t> labels;
  ClassificationOptions options;
};

std::vector<ClassificationCase> MakeClassificationCases() {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const std::vector<std::string> kinds = {"random",  "round2",     "round1",    "all_equal",
                                          "all_neg", "all_pos",    "perfect",   "inverted",
                                          "extreme", "threshold0", "threshold1"};
  const std::vector<double> eps_values = {1e-15, 2.220446049250313e-16, 1e-7};
  std::vector<ClassificationCase> cases;
  size_t serial = 0;
  for (const size_t n : {1, 2, 3, 10, 100, 1000, 10000}) {
    for (const std::string& kind : kinds) {
      ClassificationCase c;
      c.kind = kind + "/" + std::to_string(n);
      c.options.threshold = kind == "threshold0" ? 0.0 : kind == "threshold1" ? 1.0 : 0.5;
      if (kind == "random" && n >= 100) c.options.threshold = 0.3;
      c.options.log_loss_eps = eps_values[serial++ % eps_values.size()];
      const double shared = RoundTo(uniform(rng), 2);
      for (size_t i = 0; i < n; ++i) {
        double s = uniform(rng);
        // Labels follow the score loosely, so AUC is neither 0.5 nor 1.
        uint8_t y = uniform(rng) < 0.2 + 0.6 * s ? 1 : 0;
        if (kind == "round2" || kind == "threshold0" || kind == "threshold1") s = RoundTo(s, 2);
        if (kind == "round1") s = RoundTo(s, 1);
        if (kind == "all_equal") s = shared;
        if (kind == "all_neg") y = 0;
        if (kind == "all_pos") y = 1;
        if (kind == "perfect" || kind == "inverted") {
          y = static_cast<uint8_t>(i % 2);
          s = y == 1 ? 0.6 + 0.4 * uniform(rng) : 0.4 * uniform(rng);
          if (kind == "inverted") s = 1.0 - s;
        }
        if (kind == "extreme") s = static_cast<double>(rng() % 3) / 2.0;  // 0, 0.5 or 1
        c.scores.push_back(s);
        c.labels.push_back(y);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

constexpr const char* kClassificationOracle = R"PY(
import json, sys, warnings
import numpy as np
from sklearn.metrics import (roc_auc_score, average_precision_score, accuracy_score,
                             precision_score, recall_score, f1_score, log_loss,
                             brier_score_loss, confusion_matrix)
warnings.simplefilter("ignore")
out = []
for case in json.load(sys.stdin)["cases"]:
    s = np.array(case["s"], dtype=np.float64)
    y = np.array(case["y"], dtype=np.int64)
    pred = (s >= case["t"]).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    out.append({
        "roc_auc": roc_auc_score(y, s) if len(np.unique(y)) == 2 else None,
        "average_precision": average_precision_score(y, s) if y.sum() > 0 else None,
        "accuracy": accuracy_score(y, pred),
        "precision": precision_score(y, pred, zero_division=0),
        "recall": recall_score(y, pred, zero_division=0),
        "f1": f1_score(y, pred, zero_division=0),
        "log_loss": log_loss(y, s, eps=case["eps"], labels=[0, 1]),
        "brier": brier_score_loss(y, s),
        "positives": int(y.sum()),
        "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn),
    })
print(json.dumps(out))
)PY";

TEST(ClassificationMetricsTest, MatchesSklearnAcrossSizesTiesAndDegenerateCases) {
  const std::vector<ClassificationCase> cases = MakeClassificationCases();
  json input = {{"cases", json::array()}};
  for (const ClassificationCase& c : cases) {
    input["cases"].push_back({{"s", c.scores},
                              {"y", c.labels},
                              {"t", c.options.threshold},
                              {"eps", c.options.log_loss_eps}});
  }
  const json expected = json::parse(testing::RunPython(kClassificationOracle, input.dump()));
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const ClassificationCase& c = cases[i];
    const json& e = expected[i];
    SCOPED_TRACE(c.kind);
    Result<ClassificationMetrics> m = ComputeClassification(c.scores, c.labels, c.options);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    const int64_t n = static_cast<int64_t>(c.scores.size());
    EXPECT_EQ(m->n, n);
    EXPECT_EQ(m->positives, e["positives"].get<int64_t>());
    EXPECT_EQ(m->threshold, c.options.threshold);
    EXPECT_TRUE(NearOptional(m->roc_auc, e["roc_auc"]));
    EXPECT_TRUE(NearOptional(m->average_precision, e["average_precision"]));
    EXPECT_TRUE(Near(m->accuracy, e["accuracy"].get<double>()));
    EXPECT_TRUE(Near(m->precision, e["precision"].get<double>()));
    EXPECT_TRUE(Near(m->recall, e["recall"].get<double>()));
    EXPECT_TRUE(Near(m->f1, e["f1"].get<double>()));
    EXPECT_TRUE(Near(m->log_loss, e["log_loss"].get<double>()));
    EXPECT_TRUE(Near(m->brier, e["brier"].get<double>()));
    EXPECT_EQ(m->true_positives, e["tp"].get<int64_t>());
    EXPECT_EQ(m->false_positives, e["fp"].get<int64_t>());
    EXPECT_EQ(m->true_negatives, e["tn"].get<int64_t>());
    EXPECT_EQ(m->false_negatives, e["fn"].get<int64_t>());
    EXPECT_DOUBLE_EQ(m->actual_positive_rate,
                     static_cast<double>(e["positives"].get<int64_t>()) / static_cast<double>(n));
    EXPECT_DOUBLE_EQ(m->predicted_positive_rate,
                     static_cast<double>(e["tp"].get<int64_t>() + e["fp"].get<int64_t>()) /
                         static_cast<double>(n));
  }
}

TEST(ClassificationMetricsTest, SklearnDocumentationExample) {
  // precision_recall_curve's docstring example: AUC 0.75, AP 0.8333...
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8};
  const std::vector<uint8_t> y = {0, 0, 1, 1};
  Result<ClassificationMetrics> m = ComputeClassification(s, y);
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(*m->roc_auc, 0.75);
  EXPECT_DOUBLE_EQ(*m->average_precision, 5.0 / 6.0);
  // Only 0.8 reaches 0.5: TP 1, FP 0, FN 1, TN 2.
  EXPECT_EQ(m->true_positives, 1);
  EXPECT_EQ(m->true_negatives, 2);
  EXPECT_DOUBLE_EQ(m->precision, 1.0);
  EXPECT_DOUBLE_EQ(m->recall, 0.5);
  EXPECT_DOUBLE_EQ(m->f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m->accuracy, 0.75);
}

TEST(ClassificationMetricsTest, PerfectAndInvertedRankings) {
  const std::vector<double> s = {0.1, 0.2, 0.8, 0.9};
  const std::vector<uint8_t> perfect = {0, 0, 1, 1}, inverted = {1, 1, 0, 0};
  Result<ClassificationMetrics> good = ComputeClassification(s, perfect);
  Result<ClassificationMetrics> bad = ComputeClassification(s, inverted);
  ASSERT_TRUE(good.has_value() && bad.has_value());
  EXPECT_EQ(*good->roc_auc, 1.0);
  EXPECT_EQ(*good->average_precision, 1.0);
  EXPECT_EQ(*bad->roc_auc, 0.0);
  EXPECT_EQ(bad->precision, 0.0);
  EXPECT_EQ(bad->f1, 0.0);
}

TEST(ClassificationMetricsTest, AllTiedScoresGiveHalfAucAndPrevalenceAp) {
  const std::vector<double> s(8, 0.3);
  const std::vector<uint8_t> y = {1, 0, 0, 1, 0, 0, 0, 1};
  Result<ClassificationMetrics> m = ComputeClassification(s, y);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m->roc_auc, 0.5);
  EXPECT_DOUBLE_EQ(*m->average_precision, 3.0 / 8.0);
}

TEST(ClassificationMetricsTest, OneClassHasNoAucAndNoPositivesHasNoAp) {
  const std::vector<double> s = {0.2, 0.7, 0.9};
  const std::vector<uint8_t> negatives = {0, 0, 0}, positives = {1, 1, 1};
  Result<ClassificationMetrics> neg = ComputeClassification(s, negatives);
  Result<ClassificationMetrics> pos = ComputeClassification(s, positives);
  ASSERT_TRUE(neg.has_value() && pos.has_value());
  EXPECT_FALSE(neg->roc_auc.has_value());
  EXPECT_FALSE(neg->average_precision.has_value());
  EXPECT_EQ(neg->recall, 0.0);  // no positives: zero_division = 0
  EXPECT_EQ(neg->precision, 0.0);
  EXPECT_FALSE(pos->roc_auc.has_value());
  EXPECT_EQ(*pos->average_precision, 1.0);
}

TEST(ClassificationMetricsTest, ScoreEqualToThresholdIsPredictedPositive) {
  const std::vector<double> s = {0.5, 0.49999999999999994};
  const std::vector<uint8_t> y = {1, 0};
  Result<ClassificationMetrics> m = ComputeClassification(s, y);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->true_positives, 1);
  EXPECT_EQ(m->true_negatives, 1);
}

TEST(ClassificationMetricsTest, LogLossClipsCertainWrongAnswersAtEps) {
  const std::vector<double> s = {0.0};
  const std::vector<uint8_t> y = {1};
  ClassificationOptions options;
  options.log_loss_eps = 1e-7;
  Result<ClassificationMetrics> m = ComputeClassification(s, y, options);
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->log_loss, -std::log(1e-7), 1e-9);
  EXPECT_TRUE(std::isfinite(m->log_loss));
}

TEST(ClassificationMetricsTest, RejectsBadInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<uint8_t> y2 = {0, 1};
  const auto rejected = [](std::span<const double> s, std::span<const uint8_t> y,
                           ClassificationOptions options = {}) {
    Result<ClassificationMetrics> m = ComputeClassification(s, y, options);
    return !m.has_value() && m.error().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(rejected(std::vector<double>{0.5}, y2));         // lengths differ
  EXPECT_TRUE(rejected({}, {}));                               // empty
  EXPECT_TRUE(rejected(std::vector<double>{0.5, -0.01}, y2));  // below 0
  EXPECT_TRUE(rejected(std::vector<double>{1.01, 0.5}, y2));   // above 1
  EXPECT_TRUE(rejected(std::vector<double>{nan, 0.5}, y2));    // NaN
  EXPECT_TRUE(rejected(std::vector<double>{0.1, 0.5}, std::vector<uint8_t>{0, 2}));  // label
  ClassificationOptions nan_threshold;
  nan_threshold.threshold = nan;
  EXPECT_TRUE(rejected(std::vector<double>{0.1, 0.5}, y2, nan_threshold));
  for (const double eps : {0.0, 0.5, -1e-15, nan}) {
    ClassificationOptions options;
    options.log_loss_eps = eps;
    EXPECT_TRUE(rejected(std::vector<double>{0.1, 0.5}, y2, options)) << eps;
  }
  EXPECT_FALSE(rejected(std::vector<double>{0.0, 1.0}, y2));  // the bounds are valid
}

}  // namespace
}  // namespace mw::stats
