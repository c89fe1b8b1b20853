// A real redis-server (Debian's /usr/bin/redis-server) for tests: started on a free loopback port
// with no persistence in a temporary directory, killed by its pid (SIGKILL, or stopped and
// continued with SIGSTOP/SIGCONT), restartable on the same port. Header-only.
#pragma once

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proxy/cache/detail/redis_connection.h"
#include "proxy/cache/redis_url.h"

namespace mw::proxy::testing {

inline constexpr const char* kRedisServerPath = "/usr/bin/redis-server";

// A port nothing listens on right now (bound to 0, read, closed).
inline int RedisFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

class RedisTestServer {
 public:
  // `extra`: more redis-server arguments ("--requirepass", "secret").
  explicit RedisTestServer(std::vector<std::string> extra = {}, int port = 0)
      : port_(port != 0 ? port : RedisFreePort()), extra_(std::move(extra)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mw-redis-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    Start();
  }
  ~RedisTestServer() {
    Kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisTestServer(const RedisTestServer&) = delete;
  RedisTestServer& operator=(const RedisTestServer&) = delete;

  // Starts redis-server on port() and waits (up to 10 s) until it answers PING.
  void Start() {
    if (pid_ > 0) return;
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {
        kRedisServerPath,   "--port", port,    "--bind", "127.0.0.1",   "--save", "",
        "--appendonly",     "no",     "--dir", dir_,     "--daemonize", "no",     "--logfile",
        dir_ + "/redis.log"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    // Built before fork: the child of a threaded process must not allocate.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no redis-server behind
      ::execv(kRedisServerPath, argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Answers()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("redis-server did not start on port " + port);
  }

  // SIGKILL (or `sig`) and reap; the port is free again afterwards.
  void Kill(int sig = SIGKILL) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);  // a stopped process must run to die of anything but SIGKILL
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  void Pause() { ::kill(pid_, SIGSTOP); }
  void Resume() { ::kill(pid_, SIGCONT); }

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  // A connection of the test's own (for KEYS, GET, PTTL), with `userinfo` ("user:pass@") as the
  // URL's.
  std::unique_ptr<detail::RedisConnection> Connect(const std::string& userinfo = "",
                                                   int db = 0) const {
    Result<RedisUrl> url = ParseRedisUrl(
        "redis://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db));
    if (!url.has_value()) throw std::runtime_error("bad test URL");
    Result<std::unique_ptr<detail::RedisConnection>> c =
        detail::RedisConnection::Open(url.value(), std::chrono::seconds(2));
    return c.has_value() ? std::move(c).value() : nullptr;
  }

 private:
  bool Answers() const {
    redisContext* c = redisConnect("127.0.0.1", port_);
    if (c == nullptr) return false;
    bool ok = false;
    if (c->err == 0) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
      // -NOAUTH also proves the server runs (a server started with --requirepass).
      ok = reply != nullptr;
      if (reply != nullptr) freeReplyObject(reply);
    }
    redisFree(c);
    return ok;
  }

  int port_;
  std::vector<std::string> extra_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace mw::proxy::testing
