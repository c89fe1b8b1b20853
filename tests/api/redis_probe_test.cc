#include "api/redis_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace mw::api {
namespace {

// A one-shot loopback listener that reads one command and answers `reply`; records what it read.
class OneShotListener {
 public:
  explicit OneShotListener(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buf[64];
      const ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n > 0) received_.assign(buf, static_cast<size_t>(n));
      if (!reply_.empty()) (void)::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(client);
    });
  }
  ~OneShotListener() { Join(); }
  // Stops listening, waits for the serving thread, and returns what the client sent.
  std::string Join() {
    if (thread_.joinable()) {
      ::shutdown(fd_, SHUT_RDWR);
      ::close(fd_);
      thread_.join();
    }
    return received_;
  }
  int port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::string received_;
  std::thread thread_;
};

TEST(RedisProbeTest, PongMeansUp) {
  OneShotListener redis("+PONG\r\n");
  const Status s =
      ProbeRedis("redis://127.0.0.1:" + std::to_string(redis.port()), std::chrono::seconds(2));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(RedisProbeTest, SendsAnInlinePingAndIgnoresCredentialsAndDb) {
  OneShotListener redis("+PONG\r\n");
  const Status s =
      ProbeRedis("redis://user:secret@127.0.0.1:" + std::to_string(redis.port()) + "/0",
                 std::chrono::seconds(2));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(redis.Join(), "PING\r\n");
}

TEST(RedisProbeTest, NoauthStillMeansTheServerIsUp) {
  OneShotListener redis("-NOAUTH Authentication required.\r\n");
  EXPECT_TRUE(
      ProbeRedis("redis://127.0.0.1:" + std::to_string(redis.port()), std::chrono::seconds(2))
          .ok());
}

TEST(RedisProbeTest, OtherReplyIsDown) {
  OneShotListener redis("HTTP/1.1 400 Bad Request\r\n");
  const Status s =
      ProbeRedis("redis://127.0.0.1:" + std::to_string(redis.port()), std::chrono::seconds(2));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(RedisProbeTest, RefusedConnectionIsDown) {
  const Status s = ProbeRedis("redis://127.0.0.1:1", std::chrono::seconds(2));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(RedisProbeTest, SilentServerTimesOut) {
  OneShotListener redis("");
  const auto start = std::chrono::steady_clock::now();
  const Status s = ProbeRedis("redis://127.0.0.1:" + std::to_string(redis.port()),
                              std::chrono::milliseconds(200));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(RedisProbeTest, UnsupportedSchemeIsInvalid) {
  EXPECT_EQ(ProbeRedis("http://127.0.0.1:6379", std::chrono::seconds(1)).code(),
            StatusCode::kInvalidArgument);
}

TEST(RedisProbeTest, UrlIsReadByTheCacheParser) {
  // One parser (proxy/cache/redis_url.h): its message, and no password in it.
  const Status s = ProbeRedis("redis://u:hunter2@127.0.0.1:99999", std::chrono::seconds(1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "redis: the port must be a number from 1 to 65535");
  EXPECT_EQ(ProbeRedis("rediss://127.0.0.1:6379", std::chrono::seconds(1)).code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace mw::api
