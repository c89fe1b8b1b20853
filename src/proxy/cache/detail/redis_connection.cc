#include "proxy/cache/detail/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <utility>

namespace mw::proxy::detail {
namespace {

timeval RedisTimeval(std::chrono::milliseconds timeout) {
  const int64_t ms = timeout.count() > 0 ? timeout.count() : 1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

std::string RedisReplyText(const redisReply* reply) {
  if (reply == nullptr || reply->str == nullptr) return "";
  return std::string(reply->str, reply->len);
}

}  // namespace

void RedisReplyFree::operator()(redisReply* reply) const { freeReplyObject(reply); }

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisUrl& url,
                                                               std::chrono::milliseconds timeout) {
  const timeval tv = RedisTimeval(timeout);
  const std::string where = "redis " + url.Display();
  redisContext* context = url.kind == RedisUrl::Kind::kUnix
                              ? redisConnectUnixWithTimeout(url.socket_path.c_str(), tv)
                              : redisConnectWithTimeout(url.host.c_str(), url.port, tv);
  if (context == nullptr) return Unavailable(where + ": cannot allocate a connection");
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (context->err != 0) return Unavailable(where + ": " + context->errstr);
  if (redisSetTimeout(context, tv) != REDIS_OK) return Unavailable(where + ": " + context->errstr);
  if (url.kind == RedisUrl::Kind::kTcp) (void)redisEnableKeepAlive(context);

  // Each set-up command must answer without an error reply; the password is never in a message.
  auto run = [&](const std::vector<std::string_view>& args, std::string_view what) -> Status {
    const RedisReplyPtr reply = connection->Command(args);
    if (reply == nullptr)
      return Unavailable(where + ": " + std::string(what) + ": " + connection->error());
    if (reply->type == REDIS_REPLY_ERROR) {
      return Unavailable(where + ": " + std::string(what) + ": " + RedisReplyText(reply.get()));
    }
    return Status::Ok();
  };
  if (url.has_password) {
    Status s = url.user.empty() ? run({"AUTH", url.password}, "AUTH")
                                : run({"AUTH", url.user, url.password}, "AUTH");
    if (!s.ok()) return s;
  }
  if (url.db != 0) {
    if (Status s = run({"SELECT", std::to_string(url.db)}, "SELECT"); !s.ok()) return s;
  }
  if (Status s = run({"PING"}, "PING"); !s.ok()) return s;
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

RedisReplyPtr RedisConnection::Command(const std::vector<std::string_view>& args) {
  if (dead_) return nullptr;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  errno = 0;
  void* reply =
      redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data());
  const int saved_errno = errno;
  if (reply != nullptr && context_->err == 0) {
    return RedisReplyPtr(static_cast<redisReply*>(reply));
  }
  if (reply != nullptr) freeReplyObject(reply);
  dead_ = true;
  error_ = context_->errstr;
  closed_by_peer_ =
      context_->err == REDIS_ERR_EOF ||
      (context_->err == REDIS_ERR_IO && (saved_errno == ECONNRESET || saved_errno == EPIPE));
  return nullptr;
}

}  // namespace mw::proxy::detail
