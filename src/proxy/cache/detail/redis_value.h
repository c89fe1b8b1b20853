// How the Redis backend (redis_cache.h) writes one cached answer into a Redis string value, and
// reads it back.
//
// Layout (version 1; integers unsigned little-endian):
//   u8   version (1)
//   32   SHA-256 of the canonical key
//   u16  status
//   u32  header count, then per header: u32 name length, name, u32 value length, value
//   u32  body length, body
// and nothing after. The canonical key itself is NOT stored: it holds the raw values of the vary
// headers (by default Authorization: a client's bearer token), and Redis is often shared,
// unencrypted, and readable by anyone who can run KEYS/GET. Its SHA-256 is enough to tell a hit
// from a 64-bit hash collision (the Redis key is only the FNV-1a hash) and reveals nothing usable
// about a high-entropy token. A cryptographic digest, not a second fast hash: FNV-style hashes
// can be made to collide on purpose, which would let one request be answered with another's
// (cached) answer; SHA-256 collisions cannot be made. (A keyed hash would not help: sidecars
// sharing one Redis share no secret.)
//
// Pure and reentrant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/cache/cache.h"

namespace mw::proxy::detail {

inline constexpr uint8_t kRedisValueVersion = 1;
using RedisKeyDigest = std::array<unsigned char, 32>;

// SHA-256 of `canonical` (OpenSSL's libcrypto).
RedisKeyDigest RedisCanonicalDigest(std::string_view canonical);

// The size of EncodeRedisValue's result for `response` (without encoding it).
size_t RedisValueSize(const CachedResponse& response);

// The value stored for `response` under the key whose digest is `digest`.
std::string EncodeRedisValue(const RedisKeyDigest& digest, const CachedResponse& response);

enum class RedisValueMatch {
  kMatch,      // the value is an answer for this canonical key
  kOtherKey,   // well-formed, for another canonical key with the same 64-bit hash: a miss
  kMalformed,  // not a value this version wrote (another version, truncated, foreign data)
};

// Decodes `value` into `response` when it was stored for `digest` (kMatch); `response` is left
// unspecified otherwise.
RedisValueMatch DecodeRedisValue(std::string_view value, const RedisKeyDigest& digest,
                                 CachedResponse& response);

}  // namespace mw::proxy::detail
