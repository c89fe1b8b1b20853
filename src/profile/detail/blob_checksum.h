// The checksum field of a serialized profile (internal to src/profile; see serialize.h for the
// layout). Exposed so that tests can forge blobs whose frame or payload is wrong but whose
// checksum is right, and so reach the checks behind the checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mw::profile::detail {

inline constexpr size_t kProfileHeaderSize = 32, kProfileChecksumOffset = 24;

// The checksum of `blob` (a complete blob, header included) as stored at kProfileChecksumOffset:
// over bytes [0, 24) and [32, end), so it does not depend on the checksum field itself.
uint64_t ProfileBlobChecksum(std::string_view blob);

}  // namespace mw::profile::detail
