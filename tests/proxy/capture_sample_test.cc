// proxy/capture/sample.h: which events a sampling route keeps. The decision is persisted in
// effect (a late actual must find its prediction), so the values are pinned.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "common/ulid.h"
#include "proxy/capture/sample.h"

namespace mw::proxy {
namespace {

// The hash fraction of each id, computed independently (Python: FNV-1a 64, SplitMix64's
// finaliser, top 53 bits / 2^53). An id is kept exactly when the rate is above its fraction.
struct PinnedFraction {
  std::string_view id;
  double fraction;
};
constexpr PinnedFraction kPinnedFractions[] = {
    {"", 0.9576734252420561},        {"a", 0.010753497314070604},
    {"req-1", 0.039680585998704165}, {"01J9ZQ3X5V8M2K7T4R6P0N1B2C", 0.6413381267986428},
    {"p-17-0", 0.4014757335008097},
};

TEST(Sampled, PinnedValues) {
  for (const PinnedFraction& p : kPinnedFractions) {
    EXPECT_FALSE(Sampled(p.id, p.fraction)) << p.id;
    EXPECT_TRUE(Sampled(p.id, std::nextafter(p.fraction, 1.0))) << p.id;
  }
}

TEST(Sampled, RateOneOrMoreKeepsEverything) {
  for (const PinnedFraction& p : kPinnedFractions) {
    EXPECT_TRUE(Sampled(p.id, 1.0));
    EXPECT_TRUE(Sampled(p.id, 7.5));
  }
}

TEST(Sampled, RateZeroOrLessOrNaNKeepsNothing) {
  for (const PinnedFraction& p : kPinnedFractions) {
    EXPECT_FALSE(Sampled(p.id, 0.0));
    EXPECT_FALSE(Sampled(p.id, -1.0));
    EXPECT_FALSE(Sampled(p.id, std::nan("")));
  }
}

TEST(Sampled, SameIdSameAnswer) {
  const std::string id = GenerateUlid(1'735'725'600'000);
  const bool first = Sampled(id, 0.5);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Sampled(std::string(id), 0.5), first);
}

double KeptFraction(double rate, bool ulids) {
  constexpr int kIds = 100'000;
  int kept = 0;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = ulids ? GenerateUlid(1'735'725'600'000 + i) : "req-" + std::to_string(i);
    kept += Sampled(id, rate) ? 1 : 0;
  }
  return static_cast<double>(kept) / kIds;
}

// Within one percentage point over 100 000 ids (6 standard deviations at 0.5, 10 at 0.1).
TEST(Sampled, KeepsTheRateOfSequentialIds) {
  EXPECT_NEAR(KeptFraction(0.1, false), 0.1, 0.01);
  EXPECT_NEAR(KeptFraction(0.5, false), 0.5, 0.01);
}

TEST(Sampled, KeepsTheRateOfUlids) {
  EXPECT_NEAR(KeptFraction(0.1, true), 0.1, 0.01);
  EXPECT_NEAR(KeptFraction(0.5, true), 0.5, 0.01);
}

}  // namespace
}  // namespace mw::proxy
