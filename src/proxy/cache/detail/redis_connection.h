// One blocking connection to Redis through hiredis 0.14 (Debian 12's libhiredis-dev: the old API,
// no redisOptions, no TLS, RESP2 only), for the response cache's workers (redis_cache.h).
//
// Open connects with the timeout (redisConnectWithTimeout / redisConnectUnixWithTimeout), applies
// the same timeout to every later read and write (redisSetTimeout), turns TCP keep-alive on,
// then AUTHs and SELECTs as the URL says and PINGs, so an open connection is known to answer.
// A failed command (hiredis returns no reply: I/O error, timeout, the server hung up) leaves the
// connection dead: every later Command fails at once; the owner opens a new one.
//
// Thread-safety: one thread at a time per connection (hiredis contexts are not shared).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proxy/cache/redis_url.h"

struct redisContext;
struct redisReply;

namespace mw::proxy::detail {

struct RedisReplyFree {
  void operator()(redisReply* reply) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyFree>;

class RedisConnection {
 public:
  // Unavailable with a short reason ("redis 127.0.0.1:6379: Connection refused", "... AUTH:
  // WRONGPASS ...") when no usable connection could be made.
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisUrl& url,
                                                       std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command (binary-safe arguments) and reads its reply. nullptr when the connection
  // failed (it is then dead); an error reply (-ERR, -OOM, ...) is a reply, not a failure.
  RedisReplyPtr Command(const std::vector<std::string_view>& args);

  // After a failed Command: the server had closed the connection (EOF, reset, broken pipe), as
  // an idle connection kept across a Redis restart finds out on its first use; not a timeout.
  bool closed_by_peer() const { return closed_by_peer_; }
  bool dead() const { return dead_; }
  // After a failure: hiredis' text for it.
  const std::string& error() const { return error_; }

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}

  redisContext* context_;  // owned
  bool dead_ = false;
  bool closed_by_peer_ = false;
  std::string error_;
};

}  // namespace mw::proxy::detail
