// A tiny HTTP/1.1 server on 127.0.0.1 (any free port) for testing HTTP clients (http::Client,
// the simulator's sender): it records every request exactly as received (request line, headers,
// body, which connection) and answers with what the test's handler returns. One connection at a
// time, keep-alive honoured, Content-Length bodies only (what libcurl sends for a body it knows the
// size of). A handler reply with status 0 closes the connection without answering (a transport
// failure). Header-only so each test file can include it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mw::testing {

class LoopbackServer {
 public:
  struct Received {
    std::string request_line;  // "POST /v1/predictions HTTP/1.1"
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    int connection = 0;  // 1 for the first accepted connection, 2 for the next, ...
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  using Handler = std::function<Reply(const Received&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 8) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        pipe(wake_) != 0) {
      throw std::runtime_error("loopback server: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~LoopbackServer() {
    const char byte = 1;
    (void)!write(wake_[1], &byte, 1);
    thread_.join();
    close(listen_fd_);
    close(wake_[0]);
    close(wake_[1]);
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() const {
    std::lock_guard lock(mu_);
    return connections_;
  }

 private:
  // Waits until `fd` is readable or the server stops; false when stopping.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    while (poll(fds, 2, -1) < 0) {
    }
    return (fds[1].revents & POLLIN) == 0;
  }

  void Serve() {
    while (WaitReadable(listen_fd_)) {
      const int conn = accept(listen_fd_, nullptr, nullptr);
      if (conn < 0) continue;
      int id;
      {
        std::lock_guard lock(mu_);
        id = ++connections_;
      }
      HandleConnection(conn, id);
      close(conn);
    }
  }

  void HandleConnection(int conn, int id) {
    std::string buffer;
    for (;;) {
      size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!Read(conn, buffer)) return;
      }
      Received r;
      r.connection = id;
      const std::string head = buffer.substr(0, header_end);
      size_t line_end = head.find("\r\n");
      r.request_line = head.substr(0, line_end);
      const size_t sp1 = r.request_line.find(' ');
      const size_t sp2 = r.request_line.rfind(' ');
      r.method = r.request_line.substr(0, sp1);
      r.target = r.request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      while (line_end != std::string::npos) {
        const size_t next = head.find("\r\n", line_end + 2);
        const std::string line = head.substr(
            line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
        const size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          size_t v = colon + 1;
          while (v < line.size() && line[v] == ' ') ++v;
          r.headers[name] = line.substr(v);
        }
        line_end = next;
      }
      size_t length = 0;
      if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
        length = std::stoul(it->second);
      }
      buffer.erase(0, header_end + 4);
      while (buffer.size() < length) {
        if (!Read(conn, buffer)) return;
      }
      r.body = buffer.substr(0, length);
      buffer.erase(0, length);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      const Reply reply = handler_(r);
      if (reply.status == 0) return;  // hang up without answering
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Status\r\n";
      for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      for (size_t sent = 0; sent < out.size();) {
        const ssize_t n = send(conn, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
    }
  }

  bool Read(int conn, std::string& buffer) {
    if (!WaitReadable(conn)) return false;
    char chunk[65536];
    const ssize_t n = recv(conn, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  Handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Received> requests_;
  int connections_ = 0;
};

}  // namespace mw::testing
