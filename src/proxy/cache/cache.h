// The proxy's response cache: what a cached answer is keyed by, which answers may be kept, and the
// contract every backend (memory_cache.h; Redis later) implements. A route with `cache: {ttl}`
// answers a request from the cache when an equal request was answered 2xx within the ttl, without
// calling the upstream (docs/proxy.md, "Cache").
//
// Keys. MakeCacheKey turns a request into a canonical byte string: two requests share a key only
// when their method, target, vary header values and (canonical) body are the same. Backends index
// entries by the key's 64-bit hash but compare the whole canonical string on every hit, so a hash
// collision is a miss, never another request's (or another client's) answer.
//
// Counting (cache_metrics.h). The caller counts Hit() or Miss() from each lookup's outcome, and the
// bypasses it decides before looking up (key_too_large, invalid_body, a request body too large to
// buffer); a backend counts what only it knows: evictions, its size, the answers it refuses to
// keep (body_too_large) and the lookups it bypasses (Redis down or busy) with their reason.
//
// Thread-safety: CacheKey, CachedResponse: values. MakeCacheKey, Cacheable and StorableHeaders are
// pure and reentrant. Every ResponseCache method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace mw::proxy {

using CacheHeaders = std::vector<std::pair<std::string, std::string>>;

struct CacheKey {
  std::string canonical;  // see MakeCacheKey; compared in full on every hit
  uint64_t hash = 0;      // Fnv1a64(canonical): picks the shard, the bucket, the Redis key
};

// The key of one request:
//   method         as sent (case-sensitive, as RFC 9110 says methods are);
//   raw_target     the path and query as sent, percent-encoding untouched: "/p?a=1&b=2" and
//                  "/p?b=2&a=1" are different keys (the upstream may read them differently);
//   vary_values    the values of the configured `proxy.cache.vary_headers`, in configuration
//                  order, repeated fields joined by the caller; an absent header is passed as ""
//                  (the same as an empty one);
//   body           the request body;
//   pointers       RFC 6901 JSON pointers (`cache.key` of the route) whose values in the body are
//                  keyed instead of the whole body; empty = the whole body;
//   max_key_bytes  the largest canonical string accepted.
// The canonical string is a sequence of length-prefixed parts (decimal length, ':', bytes), so no
// two different inputs produce the same string: a version tag, method, target, the number of
// vary values and each value, then the body:
//   - no pointers, JSON body: its canonical JSON: no insignificant whitespace; object members
//     sorted by key (bytewise; repeated keys all kept, in document order); strings by content
//     after unescaping ("\u00e9" == "é"); numbers as the double they denote (1 == 1.0 == 1e0 ==
//     10e-1), except that an integer token of magnitude over 2^53, where doubles skip integers,
//     is keyed by its exact digits (so two different 64-bit ids never share an answer); -0 is not
//     0; NaN, Infinity and numbers too large for a double by their token;
//   - no pointers, body that is not JSON (empty, a syntax error, invalid UTF-8, nested deeper than
//     kMaxJsonDepth): its raw bytes, tagged apart from JSON;
//   - pointers: for each, the pointer text and the canonical JSON of its value, or an "absent"
//     marker when it resolves to nothing (a missing member, an index past the end, a step into a
//     scalar). An empty body has no value at any pointer (every pointer is absent), so GETs on a
//     keyed route are cacheable.
// A leading UTF-8 byte order mark of a JSON body is ignored, as every JSON reader here does.
// Errors:
//   InvalidArgument    pointers given and the body is not empty and not JSON (or too deep); a
//                      pointer that is not RFC 6901 ("must be empty or start with \"/\"", "\"~\"
//                      must be followed by 0 or 1"); a pointer that passes through an object with
//                      that member repeated (upstreams disagree on which one counts, so no value
//                      is safe to key). The caller bypasses the cache (reason invalid_body).
//   ResourceExhausted  the canonical string would exceed max_key_bytes (reason key_too_large).
Result<CacheKey> MakeCacheKey(std::string_view method, std::string_view raw_target,
                              const std::vector<std::string>& vary_values, std::string_view body,
                              const std::vector<std::string>& pointers, size_t max_key_bytes);

struct CachedResponse {
  int status = 0;
  CacheHeaders headers;  // as the upstream sent them, minus StorableHeaders' removals
  std::string body;
};

// True when an answer may be stored: its status is 2xx other than 206 (a partial answer fits only
// the Range it was asked with, and Range is not part of the key), it has no Set-Cookie (one
// client's session must not reach another), and no Cache-Control directive no-store or private
// (names compared case-insensitively, private="field" included). Other Cache-Control directives
// (max-age, no-cache, ...) are not read: the route's ttl is the operator's choice.
bool Cacheable(int status, const CacheHeaders& headers);

// `headers` without the fields a stored answer must not replay: the hop-by-hop fields of RFC 9110
// §7.6.1 (Connection, Keep-Alive, Proxy-* (Proxy-Connection, Proxy-Authenticate, ...), TE,
// Trailer, Transfer-Encoding, Upgrade, and every field named in a Connection field), and Date and
// Content-Length, which the proxy regenerates when it answers a hit. Names are compared
// case-insensitively; the other fields keep their order. Every backend's Store applies it.
CacheHeaders StorableHeaders(CacheHeaders headers);

// How a lookup ended:
//   kHit       `done` receives the stored answer (fresh, same canonical key);
//   kMiss      not stored, expired, or stored under the same hash for another canonical key;
//   kBypassed  the backend could not look (Redis down or its queue full): the request goes
//              upstream and its answer is not stored; counted by the backend with the reason.
enum class LookupOutcome { kHit, kMiss, kBypassed };

class ResponseCache {
 public:
  using LookupDone = std::function<void(std::optional<CachedResponse>, LookupOutcome)>;

  virtual ~ResponseCache();

  // Calls `done` exactly once: with the answer and kHit, or nullopt and kMiss / kBypassed. A
  // backend may call it inline (memory) or later on another thread (Redis); never under a lock of
  // its own, so `done` may call back into the cache.
  virtual void Lookup(const CacheKey& key, LookupDone done) = 0;

  // Keeps `response` under `key` for `ttl` (replacing what the key held), after StorableHeaders.
  // The caller checks Cacheable first. A ttl <= 0 stores nothing. A backend may refuse an entry
  // (too large: counted as bypass body_too_large) or drop it later (eviction, expiry); a Store
  // never fails the request.
  virtual void Store(const CacheKey& key, CachedResponse response,
                     std::chrono::milliseconds ttl) = 0;
};

}  // namespace mw::proxy
