#include "http/acceptor.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mw::http {
namespace {

int ConnectTo(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Everything the peer sends until it closes (or 3 s pass).
std::string ReadUntilClosed(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 3000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

class AcceptorTest : public ::testing::Test {
 protected:
  void Start(AcceptorOptions options) {
    AcceptorHooks hooks;
    hooks.accepted = [this](boost::asio::ip::tcp::socket socket) {
      std::lock_guard lock(mu_);
      sockets_.push_back(std::move(socket));
      connections_.push_back(std::make_unique<Acceptor::Connection>(*acceptor_));
      connections_.back()->SetIdleCloser([this] { idle_closes_.fetch_add(1); });
    };
    hooks.rejected = [this](std::string_view reason) {
      std::lock_guard lock(mu_);
      rejected_.emplace_back(reason);
    };
    acceptor_.emplace(ioc_, std::move(options), std::move(hooks));
    std::string error;
    ASSERT_TRUE(acceptor_->Listen(&error)) << error;
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (acceptor_) acceptor_->StopAccepting();
    work_guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(mu_);
      connections_.clear();
      sockets_.clear();
    }
    acceptor_.reset();
  }
  size_t accepted() {
    std::lock_guard lock(mu_);
    return sockets_.size();
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_guard_{
      ioc_.get_executor()};
  std::optional<Acceptor> acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<boost::asio::ip::tcp::socket> sockets_;
  std::vector<std::unique_ptr<Acceptor::Connection>> connections_;
  std::vector<std::string> rejected_;
  std::atomic<int> idle_closes_{0};
};

TEST_F(AcceptorTest, RefusesConnectionsAboveTheCapWith503) {
  Start(AcceptorOptions{"127.0.0.1", 0, 1, "proxy.max_connections"});
  const int first = ConnectTo(acceptor_->port());
  for (int i = 0; i < 200 && accepted() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(accepted(), 1u);
  EXPECT_EQ(acceptor_->connections_open(), 1);
  const int second = ConnectTo(acceptor_->port());
  const std::string answer = ReadUntilClosed(second);
  EXPECT_EQ(answer.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(answer.find("Content-Type: application/problem+json\r\n"), std::string::npos);
  EXPECT_NE(answer.find("limit of 1 connections (proxy.max_connections)"), std::string::npos);
  EXPECT_EQ(accepted(), 1u);
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(rejected_, std::vector<std::string>{"max_connections"});
  }
  ::close(first);
  ::close(second);
}

TEST_F(AcceptorTest, ConnectionsCountUntilReleasedAndIdleClosersRunOnStop) {
  Start(AcceptorOptions{"127.0.0.1", 0, 10, "server.max_connections"});
  const int a = ConnectTo(acceptor_->port());
  const int b = ConnectTo(acceptor_->port());
  for (int i = 0; i < 200 && accepted() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(acceptor_->connections_open(), 2);
  {
    std::lock_guard lock(mu_);
    connections_.pop_back();
  }
  EXPECT_EQ(acceptor_->connections_open(), 1);
  acceptor_->StopAccepting();
  EXPECT_TRUE(acceptor_->accepting_stopped());
  EXPECT_EQ(idle_closes_.load(), 1);  // the released connection's closer is gone
  acceptor_->StopAccepting();         // idempotent
  EXPECT_EQ(idle_closes_.load(), 1);
  ::close(a);
  ::close(b);
}

TEST(AcceptorListenTest, ReportsABadAddress) {
  boost::asio::io_context ioc;
  Acceptor acceptor(ioc, AcceptorOptions{"not an address", 0, 1, "k"},
                    AcceptorHooks{[](boost::asio::ip::tcp::socket) {}, nullptr, nullptr, nullptr});
  std::string error;
  EXPECT_FALSE(acceptor.Listen(&error));
  EXPECT_NE(error.find("invalid listen address 'not an address'"), std::string::npos) << error;
}

}  // namespace
}  // namespace mw::http
