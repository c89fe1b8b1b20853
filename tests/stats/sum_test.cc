// stats/sum.h: Neumaier's compensated sum.
#include "stats/sum.h"

#include <gtest/gtest.h>

#include <vector>

namespace mw::stats {
namespace {

TEST(NeumaierSum, EmptyIsZero) { EXPECT_EQ(NeumaierSum().value(), 0.0); }

TEST(NeumaierSum, RecoversWhatNaiveSummationLoses) {
  // 1 + 1e100 + 1 - 1e100: naive summation gives 0, the exact answer is 2 (Neumaier's example,
  // which plain Kahan summation also gets wrong).
  NeumaierSum s;
  double naive = 0;
  for (const double x : {1.0, 1e100, 1.0, -1e100}) {
    s.Add(x);
    naive += x;
  }
  EXPECT_EQ(naive, 0.0);
  EXPECT_EQ(s.value(), 2.0);
}

TEST(NeumaierSum, ManySmallTermsSumExactly) {
  // 0.1 is not exact in binary; ten million of them naively drift by ~1e-4 from 1e6.
  NeumaierSum s;
  for (int i = 0; i < 10'000'000; ++i) s.Add(0.1);
  EXPECT_NEAR(s.value(), 1e6, 1e-9);
}

TEST(NeumaierSum, MergingPartialSumsEqualsOneSum) {
  const std::vector<double> xs = {1e16, 1.0, -1e16, 3.5, 1e-3, 2.0, 1e16, -1e16};
  NeumaierSum whole, left, right;
  for (size_t i = 0; i < xs.size(); ++i) {
    whole.Add(xs[i]);
    (i < 4 ? left : right).Add(xs[i]);
  }
  left.Add(right);
  EXPECT_EQ(left.value(), whole.value());
  EXPECT_NEAR(whole.value(), 6.501, 1e-12);  // naive summation gives 6
}

}  // namespace
}  // namespace mw::stats
