#include "api/redis_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proxy/cache/redis_url.h"

namespace mw::api {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & events);
}

Status PingOn(int fd, std::chrono::steady_clock::time_point deadline) {
  if (!WaitFor(fd, POLLOUT, deadline)) return Unavailable("redis: connect timed out");
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return Unavailable(std::string("redis: ") + std::strerror(err));
  static constexpr char kPing[] = "PING\r\n";
  if (::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) != sizeof kPing - 1) {
    return Unavailable("redis: send failed");
  }
  if (!WaitFor(fd, POLLIN, deadline)) return Unavailable("redis: no answer to PING");
  char buf[64] = {};
  const ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return Unavailable("redis: connection closed");
  const std::string reply(buf, static_cast<size_t>(n));
  if (reply.rfind("+PONG", 0) == 0 || reply.rfind("-NOAUTH", 0) == 0) return Status::Ok();
  return Unavailable("redis: unexpected reply to PING");
}

}  // namespace

Status ProbeRedis(const std::string& url_text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // redis.url may name a TLS Redis, which the cache's parser refuses: reported, not probed.
  if (url_text.rfind("rediss://", 0) == 0) {
    return Unavailable("redis: TLS (rediss://) is not probed");
  }
  // One parser for every Redis URL (the response cache's too).
  Result<proxy::RedisUrl> parsed = proxy::ParseRedisUrl(url_text);
  if (!parsed.has_value()) return InvalidArgument("redis: " + parsed.error().message());
  const proxy::RedisUrl& url = parsed.value();
  if (url.kind == proxy::RedisUrl::Kind::kUnix) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string& path = url.socket_path;
    if (path.size() >= sizeof addr.sun_path) return InvalidArgument("redis: socket path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) return Unavailable("redis: socket failed");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS && errno != EAGAIN) {
      return Unavailable(std::string("redis: ") + std::strerror(errno));
    }
    return PingOn(fd.get(), deadline);
  }
  const std::string& host = url.host;
  const std::string port = std::to_string(url.port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
    return Unavailable("redis: cannot resolve '" + host + "'");
  }
  Status last = Unavailable("redis: no address");
  for (addrinfo* a = found; a; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol));
    if (fd.get() < 0) continue;
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Unavailable(std::string("redis: ") + std::strerror(errno));
      continue;
    }
    last = PingOn(fd.get(), deadline);
    if (last.ok()) break;
  }
  ::freeaddrinfo(found);
  return last;
}

}  // namespace mw::api
