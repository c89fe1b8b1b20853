#include "simulate/random.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/hash.h"

namespace mw::simulate {

double Random::Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Random::Normal(double mean, double sd) {
  // 1 - U lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - Uniform();
  const double u2 = Uniform();
  return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

bool Random::Bernoulli(double p) { return Uniform() < std::clamp(p, 0.0, 1.0); }

size_t Random::Index(size_t n) {
  const auto i = static_cast<size_t>(Uniform() * static_cast<double>(n));
  return std::min(i, n - 1);
}

double Random::Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

uint64_t StreamSeed(uint64_t seed, std::string_view stream) {
  // One SplitMix64 step from the seed XOR the stream name's hash.
  return SplitMix64Finalize((seed ^ Fnv1a64(stream)) + 0x9e3779b97f4a7c15ull);
}

}  // namespace mw::simulate
