#include "proxy/cache/redis_url.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "common/percent_decode.h"

namespace mw::proxy {
namespace {

constexpr std::string_view kRedisScheme = "redis://";
constexpr std::string_view kRedissScheme = "rediss://";
constexpr std::string_view kUnixScheme = "unix://";

bool RedisUrlHasBlankOrControl(std::string_view url) {
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

// A decimal in [min, max] with nothing else (no sign, no blanks), or -1.
int64_t RedisUrlNumber(std::string_view text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 10) return -1;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return -1;
  }
  return value;
}

Status RedisUrlError(std::string message) { return InvalidArgument(std::move(message)); }

// "user:password" or ":password" (percent-encoded) into `url`.
Status ParseRedisUserinfo(std::string_view userinfo, RedisUrl& url) {
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    return RedisUrlError("the credentials must be user:password@ or :password@");
  }
  url.user = PercentDecode(userinfo.substr(0, colon), false);
  url.password = PercentDecode(userinfo.substr(colon + 1), false);
  url.has_password = true;
  return Status::Ok();
}

// host[:port], [v6][:port] into `url`.
Status ParseRedisHostPort(std::string_view hostport, RedisUrl& url) {
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos)
      return RedisUrlError("bad IPv6 host (a '[' without its ']')");
    url.host = std::string(hostport.substr(1, close - 1));
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return RedisUrlError("the port must be a number from 1 to 65535");
      port = after.substr(1);
      if (port.empty()) return RedisUrlError("the port must be a number from 1 to 65535");
    }
  } else {
    const size_t colon = hostport.rfind(':');
    url.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.empty()) return RedisUrlError("the port must be a number from 1 to 65535");
    }
    if (url.host.find(':') != std::string::npos) {
      return RedisUrlError("an IPv6 host must be in brackets ([::1])");
    }
  }
  if (url.host.empty()) return RedisUrlError("the host is empty");
  if (!port.empty()) {
    const int64_t number = RedisUrlNumber(port, 1, 65535);
    if (number < 0) return RedisUrlError("the port must be a number from 1 to 65535");
    url.port = static_cast<int>(number);
  }
  return Status::Ok();
}

Result<RedisUrl> ParseRedisTcpUrl(std::string_view rest) {
  RedisUrl url;
  url.kind = RedisUrl::Kind::kTcp;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (Status s = ParseRedisUserinfo(authority.substr(0, at), url); !s.ok()) return s;
    authority.remove_prefix(at + 1);
  }
  if (Status s = ParseRedisHostPort(authority, url); !s.ok()) return s;
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const int64_t number = RedisUrlNumber(db, 0, std::numeric_limits<int32_t>::max());
      if (number < 0) return RedisUrlError("the database must be a number from 0 to 2147483647");
      url.db = static_cast<int>(number);
    }
  }
  return url;
}

}  // namespace

std::string RedisUrl::Display() const {
  if (kind == Kind::kUnix) return socket_path;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<RedisUrl> ParseRedisUrl(std::string_view text) {
  if (text.starts_with(kRedissScheme)) {
    return RedisUrlError("rediss:// is not supported (no TLS in Debian's hiredis 0.14)");
  }
  const bool tcp = text.starts_with(kRedisScheme);
  if (!tcp && !text.starts_with(kUnixScheme)) {
    return RedisUrlError("must be redis://[user:pass@]host[:port][/db] or unix:///path");
  }
  if (RedisUrlHasBlankOrControl(text)) {
    return RedisUrlError("spaces and control characters are not allowed");
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    return RedisUrlError("a query or fragment is not supported");
  }
  if (tcp) return ParseRedisTcpUrl(text.substr(kRedisScheme.size()));
  RedisUrl url;
  url.kind = RedisUrl::Kind::kUnix;
  url.socket_path = std::string(text.substr(kUnixScheme.size()));
  if (url.socket_path.size() < 2 || url.socket_path.front() != '/') {
    return RedisUrlError("the socket path must be absolute (unix:///path)");
  }
  return url;
}

}  // namespace mw::proxy
