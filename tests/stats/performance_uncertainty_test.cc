// The recent metric's uncertainty (stats/performance_uncertainty.h), cross-checked against Debian's
// python3: the t intervals against scipy.stats.t, R^2's delta-method standard error against numpy
// on the same formula and against a bootstrap, AUC against sklearn's roc_auc_score and DeLong's
// variance against a numpy fast DeLong (Sun & Xu 2014, midranks), on datasets with and without
// ties; then the agreement of the p-value with the interval, and every error.
#include "stats/performance_uncertainty.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "testing/python_oracle.h"

namespace mw::stats {
namespace {

using nlohmann::json;
using testing::RelNear;

// 1e-9 relative, or 1e-12 absolute near zero.
::testing::AssertionResult CloseToOracle(double actual, double expected) {
  if (std::abs(actual - expected) <= std::max(1e-9 * std::abs(expected), 1e-12)) {
    return ::testing::AssertionSuccess();
  }
  return RelNear(actual, expected, 1e-9);
}

// Reads {"reg": [{"p", "a", "conf", "bound"}], "auc": [{"s", "l", "conf", "bound"}]}; answers per
// case and metric: value, se, low, high, p_greater, p_less (p of H0 metric <= / >= bound).
constexpr const char* kUncertaintyOracle = R"PY(
import json, sys
import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

def pvals(scaled, se_scaled, gb, dof):
    dist = stats.norm if dof is None else stats.t(dof)
    if se_scaled == 0:
        return None, None
    return float(dist.sf((scaled - gb) / se_scaled)), float(dist.sf((gb - scaled) / se_scaled))

def mean_t(x, conf, bound, squared):
    n = len(x); m = x.mean(); se = x.std(ddof=1) / np.sqrt(n)
    q = stats.t.ppf(1 - (1 - conf) / 2, n - 1)
    lo, hi = m - q * se, m + q * se
    gb = bound * bound if squared else bound
    pg, pl = pvals(m, se, gb, n - 1)
    if squared:
        v = np.sqrt(m)
        return dict(value=v, se=se / (2 * v) if v > 0 else 0.0, low=np.sqrt(max(lo, 0.0)),
                    high=np.sqrt(max(hi, 0.0)), pg=pg, pl=pl)
    return dict(value=m, se=se, low=max(lo, 0.0), high=hi, pg=pg, pl=pl)

def r2_delta(p, a, conf, bound):
    e = p - a; d = a - a.mean(); A = np.mean(e * e); B = np.mean(d * d)
    inf = -(e * e - A) / B + A * (d * d - B) / B**2
    se = inf.std(ddof=1) / np.sqrt(len(a)); v = 1 - A / B
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    pg, pl = pvals(v, se, bound, None)
    return dict(value=v, se=se, low=v - q * se, high=min(v + q * se, 1.0), pg=pg, pl=pl)

def midrank(x):
    j = np.argsort(x, kind="mergesort"); z = x[j]; n = len(x)
    t = np.zeros(n); i = 0
    while i < n:
        k = i
        while k < n and z[k] == z[i]:
            k += 1
        t[i:k] = 0.5 * (i + k - 1) + 1
        i = k
    out = np.empty(n); out[j] = t
    return out

def fast_delong(s, l):
    pos = s[l == 1]; neg = s[l == 0]; m = len(pos); n = len(neg)
    tx = midrank(pos); ty = midrank(neg); tz = midrank(np.concatenate([pos, neg]))
    auc = tz[:m].sum() / m / n - (m + 1.0) / 2.0 / n
    v01 = (tz[:m] - tx) / n
    v10 = 1.0 - (tz[m:] - ty) / m
    return auc, np.var(v01, ddof=1) / m + np.var(v10, ddof=1) / n

def auc_case(s, l, conf, bound):
    auc, var = fast_delong(s, l); se = np.sqrt(var)
    q = stats.norm.ppf(1 - (1 - conf) / 2)
    out = dict(value=auc, sklearn=roc_auc_score(l, s), se=se)
    if auc <= 0 or auc >= 1 or se == 0:
        out.update(low=auc, high=auc, pg=None, pl=None)
        return out
    lg = np.log(auc / (1 - auc)); sl = se / (auc * (1 - auc))
    expit = lambda x: 1 / (1 + np.exp(-x))
    gb = np.log(bound / (1 - bound))
    pg, pl = pvals(lg, sl, gb, None)
    out.update(low=expit(lg - q * sl), high=expit(lg + q * sl), pg=pg, pl=pl)
    return out

inp = json.load(sys.stdin)
reg = []
for c in inp["reg"]:
    p = np.array(c["p"]); a = np.array(c["a"]); e = p - a; nz = a != 0
    reg.append(dict(
        mae=mean_t(np.abs(e), c["conf"], c["bound"]["mae"], False),
        mape=mean_t(np.abs(e[nz]) / np.abs(a[nz]), c["conf"], c["bound"]["mape"], False),
        rmse=mean_t(e * e, c["conf"], c["bound"]["rmse"], True),
        r2=r2_delta(p, a, c["conf"], c["bound"]["r2"])))
aucs = [auc_case(np.array(c["s"]), np.array(c["l"]), c["conf"], c["bound"]) for c in inp["auc"]]
print(json.dumps({"reg": reg, "auc": aucs}, default=float))
)PY";

void ExpectMatches(const MetricEstimate& e, const json& x, const std::string& label, double bound) {
  SCOPED_TRACE(label);
  EXPECT_TRUE(CloseToOracle(e.value, x["value"].get<double>()));
  EXPECT_TRUE(CloseToOracle(e.standard_error, x["se"].get<double>()));
  // An interval end is a difference (value - q se), so its rounding is relative to the value and
  // the half-width, not to the end itself (a low end near 0 cancels most digits).
  const double scale = std::abs(e.value) + (e.high - e.low);
  EXPECT_NEAR(e.low, x["low"].get<double>(), 1e-9 * scale);
  EXPECT_NEAR(e.high, x["high"].get<double>(), 1e-9 * scale);
  if (x.contains("pg") && !x["pg"].is_null()) {
    EXPECT_TRUE(CloseToOracle(OneSidedPValue(e, bound, true), x["pg"].get<double>()));
    EXPECT_TRUE(CloseToOracle(OneSidedPValue(e, bound, false), x["pl"].get<double>()));
  }
}

struct UncertaintyRegCase {
  std::string kind;
  std::vector<double> p, a;
  double conf;
};

std::vector<UncertaintyRegCase> RegressionCases() {
  std::mt19937_64 rng(2026);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<UncertaintyRegCase> cases;
  for (size_t n : {3, 10, 50, 1000}) {
    for (const char* kind : {"normal", "ties", "skewed", "offset"}) {
      UncertaintyRegCase c{
          std::string(kind) + "/" + std::to_string(n), {}, {}, n % 2 ? 0.99 : 0.95};
      for (size_t i = 0; i < n; ++i) {
        double a = 20.0 + 4.0 * normal(rng), p = a + 2.0 * normal(rng);
        if (std::string(kind) == "ties") {
          a = std::round(a);
          p = std::round(p);
        } else if (std::string(kind) == "skewed") {
          p = a + std::exp(normal(rng));
        } else if (std::string(kind) == "offset") {
          a = 1e6 + normal(rng);
          p = a + 0.1 * normal(rng);
        }
        c.a.push_back(a);
        c.p.push_back(p);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

struct UncertaintyAucCase {
  std::string kind;
  std::vector<double> s;
  std::vector<uint8_t> l;
  double conf;
};

std::vector<UncertaintyAucCase> AucCases() {
  std::mt19937_64 rng(85);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<UncertaintyAucCase> cases;
  for (size_t n : {8, 30, 200, 3000}) {
    for (const char* kind : {"separated", "ties", "weak", "unbalanced"}) {
      UncertaintyAucCase c{std::string(kind) + "/" + std::to_string(n), {}, {}, n % 3 ? 0.99 : 0.9};
      for (size_t i = 0; i < n; ++i) {
        const std::string k(kind);
        uint8_t label = (k == "unbalanced" ? rng() % 10 == 0 : rng() % 2 == 0) ? 1 : 0;
        if (i < 2) label = 1;  // at least 2 of each class
        if (i >= 2 && i < 4) label = 0;
        double score = normal(rng) + (k == "weak" ? 0.2 : 1.5) * label;
        if (k == "ties") score = std::round(score * 2.0) / 2.0;  // few distinct scores
        c.s.push_back(score);
        c.l.push_back(label);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

TEST(MetricUncertaintyTest, MatchesScipyNumpyAndSklearn) {
  const std::vector<UncertaintyRegCase> reg = RegressionCases();
  const std::vector<UncertaintyAucCase> auc = AucCases();
  // The p-values are checked against a bound near each metric, so they are neither 0 nor 1.
  const json bounds = {{"mae", 1.7}, {"mape", 0.08}, {"rmse", 2.1}, {"r2", 0.75}};
  json input = {{"reg", json::array()}, {"auc", json::array()}};
  for (const UncertaintyRegCase& c : reg) {
    input["reg"].push_back({{"p", c.p}, {"a", c.a}, {"conf", c.conf}, {"bound", bounds}});
  }
  for (const UncertaintyAucCase& c : auc) {
    input["auc"].push_back({{"s", c.s}, {"l", c.l}, {"conf", c.conf}, {"bound", 0.8}});
  }
  const json out = testing::RunOracle(kUncertaintyOracle, input);
  for (size_t i = 0; i < reg.size(); ++i) {
    for (const char* metric : {"mae", "mape", "rmse", "r2"}) {
      auto e = EstimateRegressionMetric(metric, reg[i].p, reg[i].a, reg[i].conf);
      ASSERT_TRUE(e.has_value()) << reg[i].kind << " " << metric << e.error().ToString();
      EXPECT_EQ(e->n, static_cast<int64_t>(reg[i].a.size()));
      EXPECT_EQ(e->confidence, reg[i].conf);
      ExpectMatches(*e, out["reg"][i][metric], reg[i].kind + " " + metric,
                    bounds[metric].get<double>());
    }
  }
  for (size_t i = 0; i < auc.size(); ++i) {
    auto e = EstimateAuc(auc[i].s, auc[i].l, auc[i].conf);
    ASSERT_TRUE(e.has_value()) << auc[i].kind << e.error().ToString();
    EXPECT_TRUE(CloseToOracle(e->value, out["auc"][i]["sklearn"].get<double>())) << auc[i].kind;
    ExpectMatches(*e, out["auc"][i], auc[i].kind + " auc", 0.8);
    EXPECT_GE(e->low, 0.0);
    EXPECT_LE(e->high, 1.0);
  }
}

// R^2's delta-method standard error against the spread of 4000 bootstrap replicates of R^2
// (numpy, fixed seed): the two estimate the same sampling sd, within 15 %.
TEST(MetricUncertaintyTest, R2StandardErrorAgreesWithBootstrap) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (size_t n : {60, 400}) {
    std::vector<double> p, a;
    for (size_t i = 0; i < n; ++i) {
      const double x = normal(rng);
      a.push_back(3.0 * x + normal(rng));
      p.push_back(2.6 * x + 0.3 * std::abs(normal(rng)));
    }
    const json boot = testing::RunOracle(R"PY(
import json, sys
import numpy as np
d = json.load(sys.stdin); p = np.array(d["p"]); a = np.array(d["a"])
rng = np.random.default_rng(5); r = []
for _ in range(4000):
    i = rng.integers(0, len(a), len(a)); pa = a[i]; pp = p[i]
    r.append(1 - np.sum((pp - pa) ** 2) / np.sum((pa - pa.mean()) ** 2))
print(json.dumps(float(np.std(r, ddof=1))))
)PY",
                                         json{{"p", p}, {"a", a}});
    auto e = EstimateRegressionMetric("r2", p, a, 0.99);
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(RelNear(e->standard_error, boot.get<double>(), 0.15)) << "n=" << n;
    EXPECT_EQ(e->method, "delta");
  }
}

// For every method, the p-value and the interval agree on many bounds across the interval.
TEST(MetricUncertaintyTest, PValueAgreesWithInterval) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> p, a, s;
  std::vector<uint8_t> l;
  for (int i = 0; i < 40; ++i) {
    a.push_back(5.0 + normal(rng));
    p.push_back(a.back() + normal(rng));
    l.push_back(i % 2);
    s.push_back(normal(rng) + l.back());
  }
  std::vector<MetricEstimate> estimates;
  for (const char* metric : {"mae", "mape", "rmse", "r2"}) {
    estimates.push_back(*EstimateRegressionMetric(metric, p, a, 0.99));
  }
  estimates.push_back(*EstimateAuc(s, l, 0.99));
  for (const MetricEstimate& e : estimates) {
    SCOPED_TRACE(e.method);
    const double half_alpha = (1.0 - e.confidence) / 2.0;
    ASSERT_LT(e.low, e.value);
    ASSERT_GT(e.high, e.value);
    const double width = e.high - e.low;
    for (int k = -50; k <= 150; ++k) {
      const double bound = e.low - width + k * (width / 50.0) + width * 1e-7;
      EXPECT_EQ(OneSidedPValue(e, bound, true) < half_alpha, e.low > bound) << bound;
      EXPECT_EQ(OneSidedPValue(e, bound, false) < half_alpha, e.high < bound) << bound;
    }
    // At the interval's ends the p-value is the tail of the quantile.
    EXPECT_NEAR(OneSidedPValue(e, e.low, true), half_alpha, 1e-9);
    EXPECT_NEAR(OneSidedPValue(e, e.high, false), half_alpha, 1e-9);
  }
}

TEST(MetricUncertaintyTest, BoundsOutsideTheRangeAndDegenerateIntervals) {
  const std::vector<double> a = {1, 2, 3, 4}, p = {1, 2, 3, 4};  // perfect: every error 0
  const MetricEstimate mae = *EstimateRegressionMetric("mae", p, a, 0.99);
  EXPECT_EQ(mae.low, 0.0);
  EXPECT_EQ(mae.high, 0.0);
  EXPECT_EQ(OneSidedPValue(mae, 0.5, true), 1.0);  // cannot be worse than 0.5
  EXPECT_EQ(OneSidedPValue(mae, 0.0, true), 0.5);
  EXPECT_EQ(OneSidedPValue(mae, -1.0, true), 0.0);  // H0 "mae <= -1" is impossible
  const MetricEstimate rmse = *EstimateRegressionMetric("rmse", p, a, 0.99);
  EXPECT_EQ(rmse.standard_error, 0.0);
  // AUC of a perfect ranking: DeLong's variance is 0, the interval [1, 1].
  const std::vector<double> s = {0.1, 0.2, 0.3, 0.7, 0.8, 0.9};
  const std::vector<uint8_t> l = {0, 0, 0, 1, 1, 1};
  const MetricEstimate auc = *EstimateAuc(s, l, 0.99);
  EXPECT_EQ(auc.value, 1.0);
  EXPECT_EQ(auc.low, 1.0);
  EXPECT_EQ(auc.high, 1.0);
  EXPECT_EQ(OneSidedPValue(auc, 0.9, false), 1.0);
  EXPECT_EQ(OneSidedPValue(auc, 1.5, false), 0.0);  // H0 "auc >= 1.5" is impossible
  // A constant score: AUC exactly 0.5 with zero variance (the ranking is structural).
  const std::vector<double> flat(6, 0.4);
  const MetricEstimate half = *EstimateAuc(flat, l, 0.99);
  EXPECT_EQ(half.value, 0.5);
  EXPECT_EQ(half.high, 0.5);
  EXPECT_EQ(OneSidedPValue(half, 0.85, false), 0.0);
  // R^2's interval is clipped at 1; near-perfect predictions on a small window get there.
  const std::vector<double> near = {1.001, 1.999, 3.002, 3.999, 5.0};
  const std::vector<double> truth = {1, 2, 3, 4, 5};
  const MetricEstimate r2 = *EstimateRegressionMetric("r2", near, truth, 0.99);
  EXPECT_LE(r2.high, 1.0);
}

TEST(MetricUncertaintyTest, UndefinedOrInvalidInputsAreErrors) {
  const std::vector<double> one = {1.0}, two = {1.0, 2.0}, same = {3.0, 3.0, 3.0};
  EXPECT_EQ(EstimateRegressionMetric("mae", one, one, 0.99).error().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(EstimateRegressionMetric("r2", same, same, 0.99).error().code(),
            StatusCode::kFailedPrecondition);  // constant actuals
  const std::vector<double> zeros = {0.0, 0.0, 5.0}, preds = {1.0, 1.0, 4.0};
  EXPECT_EQ(EstimateRegressionMetric("mape", preds, zeros, 0.99).error().code(),
            StatusCode::kFailedPrecondition);  // one nonzero actual
  EXPECT_EQ(EstimateRegressionMetric("f1", two, two, 0.99).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EstimateRegressionMetric("mae", one, two, 0.99).error().code(),
            StatusCode::kInvalidArgument);
  for (double bad : {0.0, 1.0, std::nan("")}) {
    EXPECT_EQ(EstimateRegressionMetric("mae", two, two, bad).error().code(),
              StatusCode::kInvalidArgument);
  }
  const std::vector<double> huge = {1e200, -1e200}, zero2 = {0.0, 0.0};
  EXPECT_EQ(EstimateRegressionMetric("rmse", huge, zero2, 0.99).error().code(),
            StatusCode::kFailedPrecondition);  // squared errors overflow
  const std::vector<double> s = {0.1, 0.2, 0.3, 0.4};
  const std::vector<uint8_t> one_positive = {0, 0, 0, 1}, bad_label = {0, 1, 2, 1};
  EXPECT_EQ(EstimateAuc(s, one_positive, 0.99).error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(EstimateAuc(s, bad_label, 0.99).error().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasUncertaintyEstimate("roc_auc"));
  EXPECT_TRUE(HasUncertaintyEstimate("f1"));
  EXPECT_FALSE(HasUncertaintyEstimate("average_precision"));
}

// Accuracy, log loss and Brier score (t intervals on the per-row values) and F1 (delta method for
// a ratio of means) against sklearn's metric values and scipy / numpy on the same formulas; F1's
// standard error also against a bootstrap.
constexpr const char* kClassificationUncertaintyOracle = R"PY(
import json, sys
import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, log_loss, brier_score_loss, f1_score

def interval(v, se, q, lo_range, hi_range):
    return max(lo_range, v - q * se), min(hi_range, v + q * se)

out = []
for c in json.load(sys.stdin)["cases"]:
    s = np.array(c["s"]); l = np.array(c["l"]); conf = c["conf"]; n = len(s)
    pred = (s >= 0.5).astype(int)
    eps = np.finfo(np.float64).eps
    cl = np.clip(s, eps, 1 - eps)
    rows = {"accuracy": (pred == l).astype(float), "brier": (l - s) ** 2,
            "log_loss": -np.log(np.where(l == 1, cl, 1 - cl) / ((1 - cl) + cl))}
    sk = {"accuracy": accuracy_score(l, pred), "brier": brier_score_loss(l, s),
          "log_loss": log_loss(l, s, eps=eps, labels=[0, 1])}
    res = {}
    qt = stats.t.ppf(1 - (1 - conf) / 2, n - 1)
    for k, x in rows.items():
        se = x.std(ddof=1) / np.sqrt(n)
        lo, hi = interval(x.mean(), se, qt, 0.0, 1.0 if k == "accuracy" else np.inf)
        res[k] = dict(value=x.mean(), sklearn=sk[k], se=se, low=lo, high=hi)
    tp = (pred == 1) & (l == 1); x = 2.0 * tp; y = 2.0 * tp + ((pred == 1) & (l == 0)) + ((pred == 0) & (l == 1))
    f = x.sum() / y.sum(); inf = (x - f * y) / y.mean(); se = inf.std(ddof=1) / np.sqrt(n)
    lo, hi = interval(f, se, stats.norm.ppf(1 - (1 - conf) / 2), 0.0, 1.0)
    rng = np.random.default_rng(9); boot = []
    for _ in range(3000):
        i = rng.integers(0, n, n); boot.append(x[i].sum() / y[i].sum())
    res["f1"] = dict(value=f, sklearn=f1_score(l, pred), se=se, low=lo, high=hi,
                     boot=float(np.std(boot, ddof=1)))
    out.append(res)
print(json.dumps(out, default=float))
)PY";

TEST(MetricUncertaintyTest, ClassificationMetricsMatchSklearnScipyAndBootstrap) {
  std::mt19937_64 rng(44);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<UncertaintyAucCase> cases;
  for (size_t n : {12, 80, 500}) {
    UncertaintyAucCase c{"n=" + std::to_string(n), {}, {}, n == 80 ? 0.95 : 0.99};
    for (size_t i = 0; i < n; ++i) {
      const uint8_t label = rng() % 3 == 0 ? 1 : 0;
      double score = 1.0 / (1.0 + std::exp(-(normal(rng) + 1.5 * label - 0.5)));
      if (i % 7 == 0) score = label ? 1.0 : 0.0;  // clipped by the log loss
      c.s.push_back(score);
      c.l.push_back(label);
    }
    cases.push_back(std::move(c));
  }
  json input = {{"cases", json::array()}};
  for (const UncertaintyAucCase& c : cases)
    input["cases"].push_back({{"s", c.s}, {"l", c.l}, {"conf", c.conf}});
  const json out = testing::RunOracle(kClassificationUncertaintyOracle, input);
  for (size_t i = 0; i < cases.size(); ++i) {
    for (const char* metric : {"accuracy", "log_loss", "brier", "f1"}) {
      auto e = EstimateClassificationMetric(metric, cases[i].s, cases[i].l, 0.5,
                                            2.220446049250313e-16, cases[i].conf);
      ASSERT_TRUE(e.has_value()) << metric << " " << e.error().ToString();
      const json& x = out[i][metric];
      const std::string label = cases[i].kind + " " + metric;
      EXPECT_TRUE(CloseToOracle(e->value, x["sklearn"].get<double>())) << label;
      ExpectMatches(*e, x, label, e->value);
      if (std::string(metric) == "f1" && cases[i].s.size() >= 80) {
        EXPECT_TRUE(RelNear(e->standard_error, x["boot"].get<double>(), 0.15)) << label;
      }
    }
  }
  // Every row right: accuracy 1 with zero variance is no interval rather than [1, 1].
  const std::vector<double> s = {0.9, 0.8, 0.2, 0.1};
  const std::vector<uint8_t> l = {1, 1, 0, 0};
  EXPECT_EQ(EstimateClassificationMetric("accuracy", s, l, 0.5, 1e-15, 0.99).error().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(EstimateClassificationMetric("f1", s, l, 0.5, 1e-15, 0.99).error().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(EstimateClassificationMetric("brier", s, l, 0.5, 1e-15, 0.99).has_value());
  EXPECT_EQ(
      EstimateClassificationMetric("average_precision", s, l, 0.5, 1e-15, 0.99).error().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw::stats
