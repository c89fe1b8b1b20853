// The stored form of a reference profile: a fixed header followed by one zstd frame.
//
//   offset  size  field
//   0       8     magic "MWREFPRF"
//   8       4     format version (little-endian), currently 1
//   12      4     flags, 0
//   16      8     payload size before compression
//   24      8     checksum of bytes 0-23 and of the frame (64-bit, see serialize.cc)
//   32      ...   the payload as exactly one zstd frame, and nothing after it
//
// The payload lists rows, then per feature its name, type and column, then the prediction and
// actual columns when present. Sorted numeric columns are stored as the differences of their
// order-preserving 64-bit keys with the bytes of each key grouped by position, so that the
// nearly constant high bytes of neighbouring values compress to almost nothing.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "profile/profile.h"

namespace mw::profile {

inline constexpr int kProfileFormatVersion = 1;

// The code DeserializeProfile returns for a blob that is damaged, truncated or not a profile.
// mw::StatusCode has no kDataLoss; kInternal ("an invariant broke; not retryable") is the
// closest, and the message always starts with "damaged reference profile: ".
inline constexpr StatusCode kDamagedProfile = StatusCode::kInternal;

// The blob for `profile`. `profile` must satisfy the ReferenceProfile invariant (the builders'
// output always does); DeserializeProfile refuses blobs of profiles that do not.
std::string SerializeProfile(const ReferenceProfile& profile);

// The profile stored in `blob`. Everything is checked (header, frame, checksum, every length and
// count, sort order, finiteness, the row invariant) before a value is trusted, so a damaged or
// hostile blob yields kDamagedProfile and never reads out of bounds or allocates more than the
// data it actually holds. An unknown format version also yields kDamagedProfile.
Result<ReferenceProfile> DeserializeProfile(std::string_view blob);

}  // namespace mw::profile
