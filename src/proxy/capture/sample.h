// Which captured events are kept when a route samples (`capture.sample`): a deterministic
// function of the event id, so the decision is the same in every process and at every time: a
// sidecar replica, a retry and the actual posted later all agree on whether an id was kept.
// Pure, header-only.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/hash.h"

namespace mw::proxy {

// True when the event `event_id` is kept at `rate`: always when rate >= 1, never when rate <= 0
// (or NaN), else for the ids whose hash, read as a uniform number in [0, 1), is below `rate` —
// a fraction `rate` of distinct ids. The hash is FNV-1a 64 mixed by the SplitMix64 finaliser
// (FNV's high bits are weak) and its top 53 bits are the fraction. The values are pinned in
// tests/proxy/capture_sample_test.cc: changing them changes which stored predictions late
// actuals find.
inline bool Sampled(std::string_view event_id, double rate) {
  if (rate >= 1) return true;
  if (!(rate > 0)) return false;
  const uint64_t bits = SplitMix64Finalize(Fnv1a64(event_id)) >> 11;
  return static_cast<double>(bits) * 0x1p-53 < rate;
}

}  // namespace mw::proxy
