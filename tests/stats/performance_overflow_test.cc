// RegressionAccumulator at the edge of the double range: a sum of squared errors that overflows.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "stats/performance.h"

namespace mw::stats {
namespace {

// Errors whose squares overflow give RMSE +infinity (and R^2 -infinity), never NaN: a NaN would
// be reported as null, hiding the worst possible model. MAE and MAPE stay finite here.
TEST(RegressionAccumulatorTest, OverflowingSquaredErrorsGiveInfiniteRmse) {
  const std::vector<double> predictions = {1e200, 0.0, 1.0}, actuals = {0.0, 1.0, 3.0};
  Result<RegressionMetrics> m = ComputeRegression(predictions, actuals);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->rmse, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(m->mae));
  ASSERT_TRUE(m->r2.has_value());
  EXPECT_EQ(*m->r2, -std::numeric_limits<double>::infinity());
  // A sum that overflows only once several finite squares are added, and through Merge.
  RegressionAccumulator a, b;
  a.Add(1e154, 0.0);
  a.Add(1.3e154, 0.0);
  b.Add(-1.3e154, 0.0);
  a.Merge(b);
  EXPECT_EQ(a.Finish().rmse, std::numeric_limits<double>::infinity());
  // |p - a| itself overflowing makes MAE infinite as well.
  RegressionAccumulator c;
  c.Add(1.5e308, -1.5e308);
  c.Add(1.0, 2.0);
  EXPECT_EQ(c.Finish().mae, std::numeric_limits<double>::infinity());
  EXPECT_EQ(c.Finish().rmse, std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace mw::stats
