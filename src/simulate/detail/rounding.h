// Rounding used when the simulator writes values as a client would log them.
#pragma once

#include <cmath>

namespace mw::simulate::detail {

// `value` rounded to `decimals` decimal places (half away from zero).
inline double RoundTo(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace mw::simulate::detail
