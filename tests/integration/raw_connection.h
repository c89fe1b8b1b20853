// A raw HTTP/1.1 connection for tests that check bytes on the wire (framing, smuggling): writes
// exactly what the test gives and reads answers as any HTTP/1.1 client would (status line,
// headers, Content-Length framing, HEAD, close). One thread; each operation bounded by a timeout.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace mw::testing {

namespace raw_net = boost::asio;

struct RawResponse {
  std::string status_line;
  std::vector<std::string> header_lines;      // as sent, without CRLF
  std::map<std::string, std::string> fields;  // name as sent -> value
  std::string body;
};

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(io_) {
    socket_.connect(raw_net::ip::tcp::endpoint(raw_net::ip::make_address("127.0.0.1"), port));
  }

  void Write(const std::string& bytes) { raw_net::write(socket_, raw_net::buffer(bytes)); }

  // One HTTP/1.1 request with a JSON body on this connection.
  void WriteJson(const std::string& method, const std::string& target, const std::string& body) {
    Write(method + " " + target +
          " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  // Reads one response; with `head`, no body follows whatever Content-Length says. A response
  // that does not arrive within `timeout` fails the test and comes back with an empty status line
  // (the connection is then unusable).
  RawResponse Read(bool head = false,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    RawResponse r;
    size_t header_end = 0;
    if (!ReadUntil("\r\n\r\n", timeout, &header_end)) {
      ADD_FAILURE() << "no complete response header within " << timeout.count() << " ms";
      return r;
    }
    std::string header(raw_net::buffers_begin(buffer_.data()),
                       raw_net::buffers_begin(buffer_.data()) + static_cast<long>(header_end));
    buffer_.consume(header_end);
    std::istringstream lines(header);
    std::string line;
    std::getline(lines, line);
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\r');
    r.status_line = line.substr(0, line.size() - 1);
    while (std::getline(lines, line) && line != "\r") {
      EXPECT_EQ(line.back(), '\r') << line;
      line.pop_back();
      r.header_lines.push_back(line);
      const size_t colon = line.find(": ");
      EXPECT_NE(colon, std::string::npos) << line;
      r.fields[line.substr(0, colon)] = line.substr(colon + 2);
    }
    if (head) return r;
    const auto length = r.fields.find("Content-Length");
    if (length == r.fields.end()) return r;
    const size_t n = std::stoul(length->second);
    if (buffer_.size() < n && !ReadAtLeast(n - buffer_.size(), timeout)) {
      ADD_FAILURE() << "body shorter than Content-Length " << n;
      return r;
    }
    r.body.assign(raw_net::buffers_begin(buffer_.data()),
                  raw_net::buffers_begin(buffer_.data()) + static_cast<long>(n));
    buffer_.consume(n);
    return r;
  }

  // True when the server closed the connection within `timeout` with nothing more to read.
  bool ClosedByServer(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (buffer_.size() != 0) return false;
    boost::system::error_code result = raw_net::error::timed_out;
    size_t n = 0;
    char byte;
    socket_.async_read_some(raw_net::buffer(&byte, 1), [&](boost::system::error_code ec, size_t k) {
      result = ec;
      n = k;
    });
    if (!RunFor(timeout)) return false;
    return n == 0 && result == raw_net::error::eof;
  }

  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  // Runs the pending operation for at most `timeout`; false (operation cancelled) on timeout.
  bool RunFor(std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_for(timeout);
    if (io_.stopped()) return true;
    boost::system::error_code ec;
    socket_.cancel(ec);
    io_.restart();
    io_.run();
    return false;
  }

  bool ReadUntil(const std::string& delimiter, std::chrono::milliseconds timeout, size_t* n) {
    boost::system::error_code result = raw_net::error::timed_out;
    raw_net::async_read_until(socket_, buffer_, delimiter,
                              [&](boost::system::error_code ec, size_t k) {
                                result = ec;
                                *n = k;
                              });
    return RunFor(timeout) && !result;
  }

  bool ReadAtLeast(size_t bytes, std::chrono::milliseconds timeout) {
    boost::system::error_code result = raw_net::error::timed_out;
    raw_net::async_read(socket_, buffer_, raw_net::transfer_at_least(bytes),
                        [&](boost::system::error_code ec, size_t) { result = ec; });
    return RunFor(timeout) && !result;
  }

  raw_net::io_context io_;
  raw_net::ip::tcp::socket socket_;
  raw_net::streambuf buffer_;
};

}  // namespace mw::testing
