#include "profile/detail/float_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace mw::profile::detail {
namespace {

TEST(FloatKeysTest, KeysPreserveOrderAndRoundTrip) {
  const double max = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::vector<double> ascending = {-max, -1e10, -1, -tiny, -0.0, 0.0, tiny, 1, 1e10, max};
  for (size_t i = 0; i < ascending.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(FromOrderedKey(OrderedKey(ascending[i]))),
              std::bit_cast<uint64_t>(ascending[i]));
    if (i > 0) {
      EXPECT_LT(OrderedKey(ascending[i - 1]), OrderedKey(ascending[i])) << i;
    }
  }
}

TEST(FloatKeysTest, SortValuesMatchesStdSortOnMixedSigns) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0, 1e3);
  std::uniform_int_distribution<int> exponent(-300, 300);
  for (int round = 0; round < 20; ++round) {
    std::vector<double> values(1 + rng() % 20'000);
    for (double& v : values) {
      switch (rng() % 4) {
        case 0:
          v = normal(rng);
          break;
        case 1:
          v = std::ldexp(normal(rng), exponent(rng));
          break;
        case 2:
          v = std::round(normal(rng) / 100);  // many ties, both zeros
          if (v == 0 && rng() % 2) v = -0.0;
          break;
        default:
          v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000);
      }
    }
    std::vector<double> expected = values;
    std::sort(expected.begin(), expected.end());
    SortValues(&values);
    EXPECT_EQ(values, expected) << "round " << round;  // == treats -0.0 and 0.0 alike
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));
  }
}

}  // namespace
}  // namespace mw::profile::detail
