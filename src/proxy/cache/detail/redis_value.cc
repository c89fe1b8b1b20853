#include "proxy/cache/detail/redis_value.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace mw::proxy::detail {
namespace {

void RedisValuePutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void RedisValuePutBytes(std::string& out, std::string_view bytes) {
  RedisValuePutU32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads from the front of `in`; every Read* fails (false) instead of reading past the end.
class RedisValueReader {
 public:
  explicit RedisValueReader(std::string_view in) : in_(in) {}

  bool ReadU32(uint32_t& v) {
    if (in_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(4);
    return true;
  }
  bool ReadRaw(size_t n, std::string_view& out) {
    if (in_.size() < n) return false;
    out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool ReadBytes(std::string& out) {
    uint32_t n = 0;
    std::string_view bytes;
    if (!ReadU32(n) || !ReadRaw(n, bytes)) return false;
    out.assign(bytes);
    return true;
  }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

RedisKeyDigest RedisCanonicalDigest(std::string_view canonical) {
  RedisKeyDigest digest{};
  unsigned int size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &size, EVP_sha256(), nullptr) !=
          1 ||
      size != digest.size()) {
    // Only on a broken libcrypto; the worker reports it as a background error.
    throw std::runtime_error("SHA-256 of the cache key failed (libcrypto)");
  }
  return digest;
}

size_t RedisValueSize(const CachedResponse& response) {
  size_t size = 1 + std::tuple_size_v<RedisKeyDigest> + 2 + 4 + 4 + response.body.size();
  for (const auto& [name, value] : response.headers) size += 8 + name.size() + value.size();
  return size;
}

std::string EncodeRedisValue(const RedisKeyDigest& digest, const CachedResponse& response) {
  std::string out;
  out.reserve(RedisValueSize(response));
  out.push_back(static_cast<char>(kRedisValueVersion));
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  const auto status = static_cast<uint16_t>(response.status);
  out.push_back(static_cast<char>(status & 0xff));
  out.push_back(static_cast<char>(status >> 8));
  RedisValuePutU32(out, static_cast<uint32_t>(response.headers.size()));
  for (const auto& [name, value] : response.headers) {
    RedisValuePutBytes(out, name);
    RedisValuePutBytes(out, value);
  }
  RedisValuePutBytes(out, response.body);
  return out;
}

RedisValueMatch DecodeRedisValue(std::string_view value, const RedisKeyDigest& digest,
                                 CachedResponse& response) {
  RedisValueReader in(value);
  std::string_view version, stored_digest, status;
  if (!in.ReadRaw(1, version) || static_cast<uint8_t>(version[0]) != kRedisValueVersion ||
      !in.ReadRaw(digest.size(), stored_digest) || !in.ReadRaw(2, status)) {
    return RedisValueMatch::kMalformed;
  }
  if (std::memcmp(stored_digest.data(), digest.data(), digest.size()) != 0) {
    return RedisValueMatch::kOtherKey;
  }
  response.status = static_cast<uint8_t>(status[0]) | (static_cast<uint8_t>(status[1]) << 8);
  uint32_t count = 0;
  if (!in.ReadU32(count)) return RedisValueMatch::kMalformed;
  response.headers.clear();
  // Each header takes at least 8 bytes: a count larger than the rest allows is malformed (and
  // must not reserve gigabytes).
  if (count > value.size() / 8) return RedisValueMatch::kMalformed;
  response.headers.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::string name, field;
    if (!in.ReadBytes(name) || !in.ReadBytes(field)) return RedisValueMatch::kMalformed;
    response.headers.emplace_back(std::move(name), std::move(field));
  }
  if (!in.ReadBytes(response.body) || !in.empty()) return RedisValueMatch::kMalformed;
  return RedisValueMatch::kMatch;
}

}  // namespace mw::proxy::detail
