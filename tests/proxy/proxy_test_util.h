// Test helpers for the proxy's tests: a raw-socket upstream (thread per connection, records every
// request byte for byte, reads Content-Length and chunked bodies) and a raw client that sends
// bytes and reads one response. Header-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proxy/proxy.h"

namespace mw::proxy::testing {

inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One connected socket with a read buffer. Reads wait at most `timeout` each.
class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  static std::unique_ptr<Conn> Connect(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      throw std::runtime_error("connect failed");
    }
    return std::make_unique<Conn>(fd);
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads more bytes into the buffer; false on EOF, error or timeout.
  bool Fill(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char tmp[65536];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  // True when the peer closed (EOF or reset) within `timeout`, reading and dropping any bytes.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Fill(std::chrono::milliseconds(50)) && eof_) return true;
    }
    return false;
  }

  struct Message {
    std::string start_line;
    std::string head;  // the whole head, start line and fields, without the final CRLF CRLF
    std::vector<std::pair<std::string, std::string>> fields;
    std::map<std::string, std::string> headers;  // lower-case names, last value
    std::string body;
    bool chunked = false;
    int status = 0;
    std::string method, target;

    bool Has(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
    std::string Get(const std::string& lower_name) const {
      auto it = headers.find(lower_name);
      return it == headers.end() ? "" : it->second;
    }
  };

  // Reads one message. `request`: a request (body by CL/chunked, none otherwise); else a
  // response (body by CL/chunked, none for HEAD/1xx/204/304, else until EOF).
  std::optional<Message> Read(bool request, bool head_request = false,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout)) return std::nullopt;
    }
    Message m;
    m.head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = m.head.find("\r\n");
    m.start_line = m.head.substr(0, line_end);
    while (line_end != std::string::npos) {
      const size_t next = m.head.find("\r\n", line_end + 2);
      const std::string line = m.head.substr(
          line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      const size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      m.fields.emplace_back(line.substr(0, colon), value);
      m.headers[Lower(line.substr(0, colon))] = value;
      line_end = next;
    }
    const size_t sp1 = m.start_line.find(' ');
    if (request) {
      m.method = m.start_line.substr(0, sp1);
      m.target = m.start_line.substr(sp1 + 1, m.start_line.rfind(' ') - sp1 - 1);
    } else {
      m.status = std::stoi(m.start_line.substr(sp1 + 1, 3));
    }
    const bool no_body =
        !request && (head_request || m.status / 100 == 1 || m.status == 204 || m.status == 304);
    if (no_body) return m;
    if (Lower(m.Get("transfer-encoding")) == "chunked") {
      m.chunked = true;
      for (;;) {
        size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill(timeout)) return std::nullopt;
        }
        const size_t size = std::stoul(buf_.substr(0, le), nullptr, 16);
        buf_.erase(0, le + 2);
        while (buf_.size() < size + 2) {
          if (!Fill(timeout)) return std::nullopt;
        }
        m.body += buf_.substr(0, size);
        buf_.erase(0, size + 2);
        if (size == 0) break;  // no trailers from the proxy
      }
    } else if (m.Has("content-length")) {
      const size_t size = std::stoul(m.Get("content-length"));
      while (buf_.size() < size) {
        if (!Fill(timeout)) return std::nullopt;
      }
      m.body = buf_.substr(0, size);
      buf_.erase(0, size);
    } else if (!request) {
      while (Fill(timeout)) {
      }
      m.body = std::move(buf_);
      buf_.clear();
    }
    return m;
  }

  int fd() const { return fd_; }
  std::string& buffer() { return buf_; }

 private:
  int fd_;
  std::string buf_;
  bool eof_ = false;
};

// A raw upstream on 127.0.0.1: each accepted connection runs `handler` on a thread of its own;
// the default handler answers every request 200 with a small JSON body, keep-alive.
class RawUpstream {
 public:
  using Handler = std::function<void(Conn& conn, int connection_id, RawUpstream& self)>;

  explicit RawUpstream(Handler handler = nullptr) : handler_(std::move(handler)) {
    if (!handler_) handler_ = [](Conn& c, int, RawUpstream& self) { self.ServeJson(c); };
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("raw upstream: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~RawUpstream() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Record(Conn::Message m) {
    std::lock_guard lock(mu_);
    requests_.push_back(std::move(m));
  }
  std::vector<Conn::Message> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() const { return connections_.load(); }
  int closed_by_peer() const { return closed_by_peer_.load(); }

  // Answers every request on `c` with 200 {"ok":true,"n":<index>} until the peer closes.
  void ServeJson(Conn& c) {
    while (auto m = c.Read(true)) {
      const std::string body = "{\"ok\":true,\"path\":\"" + m->target + "\"}";
      Record(std::move(*m));
      c.Send(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
          "Keep-Alive: timeout=5\r\nX-Upstream: yes\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
    }
  }
  void NoteClosedByPeer() { closed_by_peer_.fetch_add(1); }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      const int id = connections_.fetch_add(1) + 1;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd, id] {
        Conn c(fd);
        handler_(c, id, *this);
        std::lock_guard inner(mu_);
        std::erase(open_fds_, fd);
      });
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> closed_by_peer_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<Conn::Message> requests_;
};

// Records what the proxy reports, for assertions.
class RecordingObserver : public ProxyObserver {
 public:
  struct Done {
    std::string method, endpoint, request_id;
    int status = 0;
    size_t bytes = 0;
    CacheOutcome cache = CacheOutcome::kNone;
  };
  void OnRequestDone(const RequestRecord& r) override {
    std::lock_guard lock(mu_);
    done_.push_back(Done{std::string(r.method), std::string(r.endpoint), std::string(r.request_id),
                         r.status, r.response_bytes, r.cache});
  }
  void OnUpstreamError(std::string_view reason) override {
    std::lock_guard lock(mu_);
    upstream_errors_.emplace_back(reason);
  }
  void OnClientDisconnect() override { disconnects_.fetch_add(1); }
  void OnUncaptured(std::string_view reason) override {
    std::lock_guard lock(mu_);
    uncaptured_.emplace_back(reason);
  }
  void OnConnectionOpened() override { open_.fetch_add(1); }
  void OnConnectionClosed() override { open_.fetch_sub(1); }

  std::vector<Done> done() const {
    std::lock_guard lock(mu_);
    return done_;
  }
  std::vector<std::string> upstream_errors() const {
    std::lock_guard lock(mu_);
    return upstream_errors_;
  }
  std::vector<std::string> uncaptured() const {
    std::lock_guard lock(mu_);
    return uncaptured_;
  }
  int disconnects() const { return disconnects_.load(); }
  int open() const { return open_.load(); }

  // Waits until `n` requests were reported done (OnRequestDone runs after the answer is written).
  bool WaitDone(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Done> done_;
  std::vector<std::string> upstream_errors_, uncaptured_;
  std::atomic<int> disconnects_{0};
  std::atomic<int> open_{0};
};

// Options for a proxy on 127.0.0.1:0 in front of `upstream_url`, two threads.
inline ProxyOptions TestProxyOptions(const std::string& upstream_url, ProxyObserver* observer) {
  ProxyOptions o;
  o.listen_host = "127.0.0.1";
  o.listen_port = 0;
  o.upstream = upstream_url;
  o.threads = 2;
  o.observer = observer;
  return o;
}

// A port nothing listens on (bound, then closed).
inline uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace mw::proxy::testing
