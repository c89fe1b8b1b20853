// GenerateUlid (common/ulid.h).
//
// ULID layout: 48-bit big-endian millisecond timestamp, then 80 random bits, as 26 Crockford
// base32 characters, so that byte order is time order. Within one millisecond (or when the clock
// steps back) the previous 80 bits are incremented instead of redrawn, which keeps the ids of one
// process strictly increasing in generation order.
//
// The generator state is process-wide by contract (monotonic within a process); it is the one
// piece of global mutable state in this subsystem, guarded by a mutex.
#include "common/ulid.h"

#include <algorithm>
#include <mutex>
#include <random>

namespace mw {
namespace {

using Uint128 = unsigned __int128;

constexpr int64_t kMaxTimestamp = (int64_t{1} << 48) - 1;
constexpr Uint128 kRandomMask = (Uint128{1} << 80) - 1;
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

class UlidState {
 public:
  UlidState() {
    std::random_device device;
    rng_.seed((uint64_t{device()} << 32) ^ device() ^ (uint64_t{device()} << 16));
  }

  // Returns the 128-bit value of the next id.
  Uint128 Next(int64_t now_ms) {
    now_ms = std::clamp<int64_t>(now_ms, 0, kMaxTimestamp);
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || now_ms > last_ms_) {
      last_ms_ = now_ms;
      random_ = Draw();
      started_ = true;
    } else if (random_ == kRandomMask) {
      // 2^80 ids in one millisecond cannot happen in practice; move to the next millisecond
      // rather than wrap around.
      last_ms_ = std::min(last_ms_ + 1, kMaxTimestamp);
      random_ = Draw();
    } else {
      ++random_;
    }
    return (static_cast<Uint128>(last_ms_) << 80) | random_;
  }

 private:
  // Draws 80 random bits, leaving headroom below the maximum for the increments of the ms.
  Uint128 Draw() {
    const Uint128 bits = (static_cast<Uint128>(rng_()) << 64) | rng_();
    return (bits & kRandomMask) >> 1;  // top bit clear: 2^79 increments before overflow
  }

  std::mutex mu_;
  std::mt19937_64 rng_;
  bool started_ = false;
  int64_t last_ms_ = 0;
  Uint128 random_ = 0;
};

}  // namespace

std::string GenerateUlid(int64_t now_ms) {
  static UlidState state;
  const Uint128 value = state.Next(now_ms);
  std::string id(26, '0');
  for (int i = 0; i < 26; ++i) {
    const int shift = (25 - i) * 5;  // 26 * 5 = 130 bits; the top two are always zero
    id[i] = kCrockford[static_cast<unsigned>(value >> shift) & 0x1F];
  }
  return id;
}

}  // namespace mw
