#include "simulate/random.h"

#include <algorithm>
#include <cmath>
#include <numbers>

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
  uint64_t hash = 14695981039346656037ull;  // FNV-1a 64
  for (const char c : stream) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  uint64_t z = seed ^ hash;  // SplitMix64 finaliser
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace mw::simulate
