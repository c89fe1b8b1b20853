// MakeCacheKey (cache.h): the canonical string of one request and its hash.
#include <string>
#include <utility>

#include "common/hash.h"
#include "common/json.h"
#include "common/json_pointer.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/detail/canonical_json.h"

namespace mw::proxy {
namespace {

using detail::CanonicalJsonDocument;

// The first part of every key. Changing the canonical form changes the tag, so that keys of the
// old form (kept in Redis across an upgrade) are never compared with keys of the new one.
constexpr std::string_view kCacheKeyVersion = "mw-cache-key-1";

// Tags of the body parts, apart from each other and from the decimal pointer count.
constexpr char kCacheTagJson = 'j';
constexpr char kCacheTagRaw = 'r';
constexpr std::string_view kCacheAbsent = "-";

// Appends one part: its length in decimal, ':', its bytes.
void CacheAppendPart(std::string* out, std::string_view part) {
  out->append(std::to_string(part.size()));
  out->push_back(':');
  out->append(part);
}

Status CacheKeyTooLarge(size_t max_key_bytes) {
  return ResourceExhausted("the cache key is longer than " + std::to_string(max_key_bytes) +
                           " bytes");
}

// The body's parts when the route keys pointers: their count, then each pointer and its value.
Status CacheAppendPointerParts(std::string_view body, const std::vector<std::string>& pointers,
                               std::string* out) {
  std::vector<std::vector<std::string>> parsed;
  parsed.reserve(pointers.size());
  for (const std::string& pointer : pointers) {
    Result<std::vector<std::string>> tokens = ParseJsonPointerTokens(pointer);
    if (!tokens) return tokens.error();
    parsed.push_back(std::move(tokens).value());
  }
  // An empty body has no value anywhere: every pointer is absent.
  CanonicalJsonDocument document;
  const bool has_document = !body.empty();
  if (has_document && document.Parse(body) != CanonicalJsonDocument::Outcome::kOk) {
    return InvalidArgument(
        "the body is not JSON (or nested too deep): the cache key's pointers "
        "have no values");
  }
  CacheAppendPart(out, std::to_string(pointers.size()));
  std::string scratch;
  for (size_t i = 0; i < pointers.size(); ++i) {
    CacheAppendPart(out, pointers[i]);
    scratch.assign(1, kCacheTagJson);
    const auto found = has_document ? document.AppendAtPointer(parsed[i], &scratch)
                                    : CanonicalJsonDocument::Found::kAbsent;
    if (found == CanonicalJsonDocument::Found::kAmbiguous) {
      std::string quoted;
      AppendJsonString(&quoted, pointers[i]);
      return InvalidArgument("the cache key's pointer " + quoted +
                             " passes through an object with that member repeated");
    }
    CacheAppendPart(out, found == CanonicalJsonDocument::Found::kValue ? std::string_view(scratch)
                                                                       : kCacheAbsent);
  }
  return Status::Ok();
}

// The body's part when the route keys the whole body: its canonical JSON, else its bytes.
void CacheAppendBodyPart(std::string_view body, std::string* out) {
  CanonicalJsonDocument document;
  std::string part;
  if (!body.empty() && document.Parse(body) == CanonicalJsonDocument::Outcome::kOk) {
    part.push_back(kCacheTagJson);
    document.AppendCanonical(&part);
  } else {
    part.push_back(kCacheTagRaw);
    part.append(body);
  }
  CacheAppendPart(out, part);
}

}  // namespace

Result<CacheKey> MakeCacheKey(std::string_view method, std::string_view raw_target,
                              const std::vector<std::string>& vary_values, std::string_view body,
                              const std::vector<std::string>& pointers, size_t max_key_bytes) {
  CacheKey key;
  std::string& out = key.canonical;
  CacheAppendPart(&out, kCacheKeyVersion);
  CacheAppendPart(&out, method);
  CacheAppendPart(&out, raw_target);
  CacheAppendPart(&out, std::to_string(vary_values.size()));
  for (const std::string& value : vary_values) CacheAppendPart(&out, value);
  // Too long already: the body is not parsed.
  if (out.size() > max_key_bytes) return CacheKeyTooLarge(max_key_bytes);
  if (pointers.empty()) {
    CacheAppendBodyPart(body, &out);
  } else if (Status status = CacheAppendPointerParts(body, pointers, &out); !status.ok()) {
    return status;
  }
  if (out.size() > max_key_bytes) return CacheKeyTooLarge(max_key_bytes);
  key.hash = Fnv1a64(out);
  return key;
}

}  // namespace mw::proxy
