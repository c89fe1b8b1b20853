// Deterministic random variates for the simulator.
//
// std::mt19937_64's output sequence is fixed by the C++ standard, but the standard library's
// distributions (normal, bernoulli, ...) are implementation-defined, so the variates are written
// out here: the same seed gives the same traffic with any standard library (up to the last bits
// of libm's log/cos, which glibc computes correctly rounded).
//
// Every variate consumes a fixed number of engine draws. Callers that always draw the same
// variates per event, used or not, keep all later events unchanged when a switch (such as drift)
// changes how one event uses its draws; the simulator relies on this to leave untouched segments
// bit-for-bit identical to a run without drift.
// Thread-safety: none; one Random per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

namespace mw::simulate {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1) with 53 random bits. One draw.
  double Uniform();
  // Normal(mean, sd) by Box–Muller, without keeping the spare variate. Two draws.
  double Normal(double mean, double sd);
  // True with probability p (p outside [0,1] is clamped). One draw.
  bool Bernoulli(double p);
  // Uniform in {0, ..., n-1}; n must be > 0. One draw.
  size_t Index(size_t n);
  // Exponential with the given mean (> 0). One draw.
  double Exponential(double mean);

 private:
  std::mt19937_64 engine_;
};

// The seed of an independent stream called `stream` derived from `seed` (SplitMix64 of the seed
// mixed with the FNV-1a hash of the name), so adding a stream never shifts another one.
uint64_t StreamSeed(uint64_t seed, std::string_view stream);

}  // namespace mw::simulate
