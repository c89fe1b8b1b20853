// The Redis backend's value layout (detail/redis_value.h): round trip, the digest that tells keys
// apart, and values it must not read (truncated, another version, trailing bytes).
#include "proxy/cache/detail/redis_value.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::proxy::detail {
namespace {

CachedResponse RedisValueAnswer() {
  return CachedResponse{
      201, {{"Content-Type", "text/plain"}, {"X-Empty", ""}}, std::string("b\0dy", 4)};
}

TEST(RedisValueTest, RoundTrip) {
  const RedisKeyDigest digest = RedisCanonicalDigest("key");
  const std::string value = EncodeRedisValue(digest, RedisValueAnswer());
  EXPECT_EQ(value.size(), RedisValueSize(RedisValueAnswer()));
  CachedResponse out;
  ASSERT_EQ(DecodeRedisValue(value, digest, out), RedisValueMatch::kMatch);
  EXPECT_EQ(out.status, 201);
  EXPECT_EQ(out.headers, RedisValueAnswer().headers);
  EXPECT_EQ(out.body, RedisValueAnswer().body);
}

TEST(RedisValueTest, DigestIsSha256OfTheCanonicalKey) {
  // FIPS 180-2's "abc" test vector.
  const RedisKeyDigest digest = RedisCanonicalDigest("abc");
  std::string hex;
  for (const unsigned char byte : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RedisValueTest, AnotherKeysValueIsOtherKey) {
  const std::string value = EncodeRedisValue(RedisCanonicalDigest("a"), RedisValueAnswer());
  CachedResponse out;
  EXPECT_EQ(DecodeRedisValue(value, RedisCanonicalDigest("b"), out), RedisValueMatch::kOtherKey);
}

TEST(RedisValueTest, EveryTruncationIsMalformed) {
  const RedisKeyDigest digest = RedisCanonicalDigest("key");
  const std::string value = EncodeRedisValue(digest, RedisValueAnswer());
  for (size_t n = 0; n < value.size(); ++n) {
    CachedResponse out;
    EXPECT_EQ(DecodeRedisValue(value.substr(0, n), digest, out), RedisValueMatch::kMalformed) << n;
  }
  CachedResponse out;
  EXPECT_EQ(DecodeRedisValue(value + "x", digest, out), RedisValueMatch::kMalformed);
  std::string other_version = value;
  other_version[0] = 2;
  EXPECT_EQ(DecodeRedisValue(other_version, digest, out), RedisValueMatch::kMalformed);
}

TEST(RedisValueTest, AHugeHeaderCountIsMalformedNotAnAllocation) {
  const RedisKeyDigest digest = RedisCanonicalDigest("key");
  std::string value = EncodeRedisValue(digest, CachedResponse{200, {}, ""});
  // The header count follows the version, the digest and the status.
  const size_t at = 1 + digest.size() + 2;
  value[at] = value[at + 1] = value[at + 2] = value[at + 3] = '\xff';
  CachedResponse out;
  EXPECT_EQ(DecodeRedisValue(value, digest, out), RedisValueMatch::kMalformed);
}

}  // namespace
}  // namespace mw::proxy::detail
