// Neumaier's compensated summation (an improved Kahan sum): the running total plus the low-order
// bits that each addition rounded away, so long sums of terms of mixed magnitude (error sums,
// rank products reaching n^3/4, per-row log losses) stay within an ulp or two of the exact sum
// whatever the order. Every accumulating statistic in src/stats uses this one type. A value type,
// header-only so that Add inlines into the per-row loops; not synchronised (one thread at a time
// per object).
#pragma once

#include <cmath>

namespace mw::stats {

class NeumaierSum {
 public:
  void Add(double x) {
    const double t = sum_ + x;
    // Recover the part of the smaller operand that the addition rounded away.
    if (std::abs(sum_) >= std::abs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  // Merges another partial sum (e.g. of another shard): its total is added with compensation,
  // its own compensation carried over as is.
  void Add(const NeumaierSum& other) {
    Add(other.sum_);
    compensation_ += other.compensation_;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

}  // namespace mw::stats
