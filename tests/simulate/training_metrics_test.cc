#include "simulate/training_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "simulate/random.h"
#include "testing/python_oracle.h"

namespace mw::simulate {
namespace {

// Randomised cases against scikit-learn, all in one Python run.
TEST(TrainingMetricsTest, MatchScikitLearn) {
  Random rng(7);
  nlohmann::json cases = nlohmann::json::array();
  for (int c = 0; c < 40; ++c) {
    const int n = 5 + static_cast<int>(rng.Index(400));
    nlohmann::json regression, binary;
    for (int i = 0; i < n; ++i) {
      // Some zero actuals (excluded from MAPE) and, for classifiers, tied scores.
      const double y = rng.Bernoulli(0.1) ? 0.0 : std::round(rng.Normal(50, 20));
      regression["actual"].push_back(y);
      regression["predicted"].push_back(y + rng.Normal(0, 5));
      const double p = c % 2 == 0 ? rng.Uniform() : std::round(rng.Uniform() * 10) / 10;
      binary["probability"].push_back(p);
      binary["label"].push_back(rng.Bernoulli(0.3 + 0.4 * p) ? 1.0 : 0.0);
    }
    binary["label"][0] = 0.0;  // both classes present
    binary["label"][1] = 1.0;
    binary["probability"][2] = c % 3 == 0 ? 0.0 : binary["probability"][2].get<double>();
    cases.push_back({{"regression", regression}, {"binary", binary}});
  }
  const std::string out = mw::testing::RunPython(R"(
import json, sys
import numpy as np
from sklearn import metrics
result = []
for c in json.load(sys.stdin):
    r, b = c["regression"], c["binary"]
    y, p = np.array(r["actual"]), np.array(r["predicted"])
    nz = y != 0
    result.append({
        "mae": metrics.mean_absolute_error(y, p),
        "rmse": metrics.mean_squared_error(y, p, squared=False),
        "mape": metrics.mean_absolute_percentage_error(y[nz], p[nz]),
        "r2": metrics.r2_score(y, p),
        "auc": metrics.roc_auc_score(b["label"], b["probability"]),
        "log_loss": metrics.log_loss(b["label"], b["probability"]),
        "brier": metrics.brier_score_loss(b["label"], b["probability"]),
    })
print(json.dumps(result))
)",
                                                 cases.dump());
  const auto expected = nlohmann::json::parse(out);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto& r = cases[c]["regression"];
    const auto& b = cases[c]["binary"];
    const auto rm = ComputeRegressionMetrics(r["predicted"].get<std::vector<double>>(),
                                             r["actual"].get<std::vector<double>>());
    const auto bm = ComputeBinaryMetrics(b["probability"].get<std::vector<double>>(),
                                         b["label"].get<std::vector<double>>());
    const auto& e = expected[c];
    EXPECT_NEAR(rm.mae, e["mae"].get<double>(), 1e-9 * (1 + std::abs(rm.mae))) << c;
    EXPECT_NEAR(rm.rmse, e["rmse"].get<double>(), 1e-9 * (1 + rm.rmse)) << c;
    EXPECT_NEAR(rm.mape, e["mape"].get<double>(), 1e-9 * (1 + rm.mape)) << c;
    EXPECT_NEAR(rm.r2, e["r2"].get<double>(), 1e-9) << c;
    EXPECT_NEAR(bm.auc, e["auc"].get<double>(), 1e-12) << c;
    EXPECT_NEAR(bm.log_loss, e["log_loss"].get<double>(), 1e-9) << c;
    EXPECT_NEAR(bm.brier, e["brier"].get<double>(), 1e-12) << c;
  }
}

TEST(TrainingMetricsTest, UndefinedValuesAreNaN) {
  const std::vector<double> zeros = {0, 0, 0}, guesses = {1, 2, 3};
  const auto r = ComputeRegressionMetrics(guesses, zeros);
  EXPECT_TRUE(std::isnan(r.mape));  // every actual is 0
  EXPECT_TRUE(std::isnan(r.r2));    // constant actuals
  EXPECT_DOUBLE_EQ(r.mae, 2.0);
  const auto b = ComputeBinaryMetrics(std::vector<double>{0.2, 0.7}, std::vector<double>{1, 1});
  EXPECT_TRUE(std::isnan(b.auc));  // one class only
  EXPECT_TRUE(std::isfinite(b.log_loss));
}

TEST(TrainingMetricsTest, LogLossOfCertainMistakesIsClippedNotInfinite) {
  const auto b = ComputeBinaryMetrics(std::vector<double>{0.0, 1.0}, std::vector<double>{1, 0});
  EXPECT_TRUE(std::isfinite(b.log_loss));
  EXPECT_NEAR(b.log_loss, -std::log(std::numeric_limits<double>::epsilon()), 1e-9);
  EXPECT_DOUBLE_EQ(b.auc, 0.0);
}

}  // namespace
}  // namespace mw::simulate
