// Loopback receivers for notification tests: an HTTP/1.1 server and an SMTP server that record
// what they receive and answer from a script. Plain POSIX sockets on 127.0.0.1 with a kernel-
// chosen port; one thread each, one connection at a time, "Connection: close" after each answer.
//
// Header-only so unit tests (tests/alerting) and integration tests (tests/integration) can both
// use it without a library.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mw::testing {

namespace listener_detail {

// A listening socket on 127.0.0.1:0.
inline int ListenLoopback(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// Accepts with a 50 ms poll so the loop sees `stop`; -1 when nothing arrived.
inline int AcceptOrTimeout(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  if (::poll(&p, 1, 50) <= 0) return -1;
  return ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
}

// Reads more bytes into `buffer`; false on EOF/error or after 5 s without data.
inline bool ReadMore(int fd, std::string& buffer) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) <= 0) return false;
  char chunk[4096];
  const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

inline void WriteAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace listener_detail

struct RecordedRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct ScriptedResponse {
  int status = 200;
  std::string body = "ok";
  std::map<std::string, std::string> headers;
};

class RecordingHttpServer {
 public:
  RecordingHttpServer() : fd_(listener_detail::ListenLoopback(&port_)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~RecordingHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  RecordingHttpServer(const RecordingHttpServer&) = delete;
  RecordingHttpServer& operator=(const RecordingHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The next requests are answered with these, in order; later ones with the default.
  void Script(std::vector<ScriptedResponse> responses) {
    std::lock_guard lock(mutex_);
    script_.assign(responses.begin(), responses.end());
  }
  void SetDefault(ScriptedResponse response) {
    std::lock_guard lock(mutex_);
    default_ = std::move(response);
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  // True once at least n requests arrived, false after `timeout`.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  void Loop() {
    while (!stop_) {
      const int client = listener_detail::AcceptOrTimeout(fd_);
      if (client < 0) continue;
      Serve(client);
      ::close(client);
    }
  }

  void Serve(int client) {
    std::string buffer;
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!listener_detail::ReadMore(client, buffer)) return;
    }
    RecordedRequest request;
    const std::string head = buffer.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    request.method = request_line.substr(0, sp1);
    request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next - line_end - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[listener_detail::Lower(line.substr(0, colon))] = value;
      }
      line_end = next;
    }
    size_t length = 0;
    if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
      length = std::stoul(it->second);
    }
    buffer.erase(0, header_end + 4);
    while (buffer.size() < length) {
      if (!listener_detail::ReadMore(client, buffer)) return;
    }
    request.body = buffer.substr(0, length);
    ScriptedResponse response;
    {
      std::lock_guard lock(mutex_);
      if (!script_.empty()) {
        response = script_.front();
        script_.pop_front();
      } else {
        response = default_;
      }
    }
    {  // recorded before answering, so a client that got the answer finds its request here
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
    }
    arrived_.notify_all();
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " X\r\n";
    for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + response.body;
    listener_detail::WriteAll(client, out);
  }

  uint16_t port_ = 0;
  int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<ScriptedResponse> script_;
  ScriptedResponse default_;
  std::vector<RecordedRequest> requests_;
  std::thread thread_;
};

// One SMTP session as the fake server saw it.
struct SmtpSession {
  std::vector<std::string> commands;  // every command line, without CRLF
  std::string mail_from;              // MAIL FROM argument, e.g. <a@b>
  std::vector<std::string> rcpt_to;
  std::string auth;  // "AUTH PLAIN <base64 credentials>", if the client authenticated
  std::string data;  // the message as received (dot-stuffing undone), CRLF line ends
};

// A minimal ESMTP server: EHLO, AUTH PLAIN (any credentials), MAIL, RCPT, DATA, RSET, QUIT.
// `rcpt_reply` lets a test make RCPT TO fail (e.g. "550 no such user" or "451 try later").
class FakeSmtpServer {
 public:
  explicit FakeSmtpServer(std::string rcpt_reply = "250 ok")
      : rcpt_reply_(std::move(rcpt_reply)), fd_(listener_detail::ListenLoopback(&port_)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeSmtpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<SmtpSession> sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_;
  }

 private:
  void Loop() {
    while (!stop_) {
      const int client = listener_detail::AcceptOrTimeout(fd_);
      if (client < 0) continue;
      size_t index;
      {
        std::lock_guard lock(mutex_);
        index = sessions_.size();
        sessions_.emplace_back();
      }
      SmtpSession session;
      Serve(client, index, session);
      ::close(client);
    }
  }

  // Makes what the session received visible before the server answers, so a client that got an
  // answer finds its commands in sessions().
  void Publish(size_t index, const SmtpSession& session) {
    std::lock_guard lock(mutex_);
    sessions_[index] = session;
  }

  static bool ReadLine(int fd, std::string& buffer, std::string& line) {
    size_t end;
    while ((end = buffer.find("\r\n")) == std::string::npos) {
      if (!listener_detail::ReadMore(fd, buffer)) return false;
    }
    line = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    return true;
  }

  void Serve(int fd, size_t index, SmtpSession& session) {
    std::string buffer, line;
    listener_detail::WriteAll(fd, "220 fake.test ESMTP\r\n");
    auto reply = [&](const std::string& text) {
      Publish(index, session);
      listener_detail::WriteAll(fd, text);
    };
    while (ReadLine(fd, buffer, line)) {
      session.commands.push_back(line);
      const std::string upper = [&] {
        std::string u = line.substr(0, 10);
        std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return toupper(c); });
        return u;
      }();
      if (upper.starts_with("EHLO") || upper.starts_with("HELO")) {
        reply("250-fake.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n");
      } else if (upper.starts_with("AUTH")) {
        session.auth = line;
        if (line.find(' ', 5) == std::string::npos) {  // no initial response: ask for it
          reply("334 \r\n");
          std::string credentials;
          if (!ReadLine(fd, buffer, credentials)) return;
          session.auth += " " + credentials;
        }
        reply("235 2.7.0 accepted\r\n");
      } else if (upper.starts_with("MAIL FROM:")) {
        session.mail_from = line.substr(10);
        session.mail_from.erase(session.mail_from.find_last_not_of(' ') + 1);
        reply("250 ok\r\n");
      } else if (upper.starts_with("RCPT TO:")) {
        session.rcpt_to.push_back(line.substr(8));
        reply(rcpt_reply_ + "\r\n");
      } else if (upper.starts_with("DATA")) {
        reply("354 go ahead\r\n");
        std::string data_line;
        while (ReadLine(fd, buffer, data_line) && data_line != ".") {
          if (data_line.starts_with("..")) data_line.erase(0, 1);  // undo dot-stuffing
          session.data += data_line + "\r\n";
        }
        reply("250 queued\r\n");
      } else if (upper.starts_with("QUIT")) {
        reply("221 bye\r\n");
        return;
      } else if (upper.starts_with("RSET") || upper.starts_with("NOOP")) {
        reply("250 ok\r\n");
      } else {
        reply("502 not implemented\r\n");
      }
    }
  }

  std::string rcpt_reply_;
  uint16_t port_ = 0;
  int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<SmtpSession> sessions_;
  std::thread thread_;
};

}  // namespace mw::testing
