// Where a Redis server is, from a URL: the one parser for `proxy.cache.redis_url` (the response
// cache's Redis, redis_cache.h) and `redis.url` (api/redis_probe.h, the /health probe).
//
// Accepted forms:
//   redis://[[user]:password@]host[:port][/db]   TCP; host a name, an IPv4 address or a bracketed
//                                                IPv6 address ([::1]); port 1-65535 (default
//                                                6379); db a decimal 0-2147483647 (default 0)
//   unix:///absolute/path                        a Unix-domain socket (db 0, no credentials)
// The user and the password are percent-decoded (RFC 3986: a '@' or ':' inside one is written
// %40, %3A). "user:password@" authenticates with `AUTH user password` (Redis 6 ACL users),
// ":password@" with `AUTH password` (the default user); a userinfo without ':' is refused, because
// clients disagree on whether it is a user or a password.
// Refused: rediss:// (Debian's hiredis 0.14 has no TLS), any other scheme, a query or fragment,
// an empty host, a bad port or db, spaces or control characters anywhere.
//
// Error messages name what is wrong and never repeat the URL's password (they reach logs and
// config errors). Pure and reentrant.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::proxy {

struct RedisUrl {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;         // kTcp: as written, IPv6 without its brackets
  int port = 6379;          // kTcp
  std::string socket_path;  // kUnix: absolute
  std::string user;         // "" = the default user
  std::string password;     // "" with has_password false = no AUTH
  bool has_password = false;
  int db = 0;  // SELECTed after connecting when not 0

  // host:port ([v6]:port) or the socket path: for messages; never the credentials.
  std::string Display() const;
};

// InvalidArgument with one of these messages (tests pin each):
//   "rediss:// is not supported (no TLS in Debian's hiredis 0.14)"
//   "must be redis://[user:pass@]host[:port][/db] or unix:///path"   (other scheme, or empty)
//   "spaces and control characters are not allowed"
//   "a query or fragment is not supported"
//   "the host is empty"
//   "bad IPv6 host (a '[' without its ']')"
//   "an IPv6 host must be in brackets ([::1])"
//   "the port must be a number from 1 to 65535"
//   "the database must be a number from 0 to 2147483647"
//   "the credentials must be user:password@ or :password@"
//   "the socket path must be absolute (unix:///path)"
Result<RedisUrl> ParseRedisUrl(std::string_view url);

}  // namespace mw::proxy
