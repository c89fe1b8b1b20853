// The bytes of the server's answers on one raw keep-alive connection, as any HTTP/1.1 client (not
// only Beast's parser) reads them: status line, headers, Content-Length framing, HEAD, close.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct RawResponse {
  std::string status_line;
  std::vector<std::string> header_lines;      // as sent, without CRLF
  std::map<std::string, std::string> fields;  // name as sent -> value
  std::string body;
};

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void Write(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  // One HTTP/1.1 request with a JSON body on this connection.
  void WriteJson(const std::string& method, const std::string& target, const std::string& body) {
    Write(method + " " + target +
          " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  // Reads one response; with `head`, no body follows whatever Content-Length says.
  RawResponse Read(bool head = false) {
    RawResponse r;
    const size_t header_end = net::read_until(socket_, buffer_, "\r\n\r\n");
    std::string header(net::buffers_begin(buffer_.data()),
                       net::buffers_begin(buffer_.data()) + static_cast<long>(header_end));
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
    if (buffer_.size() < n) net::read(socket_, buffer_, net::transfer_exactly(n - buffer_.size()));
    r.body.assign(net::buffers_begin(buffer_.data()),
                  net::buffers_begin(buffer_.data()) + static_cast<long>(n));
    buffer_.consume(n);
    return r;
  }

  // True when the server closed the connection (nothing more arrives).
  bool ClosedByServer() {
    boost::system::error_code ec;
    char byte;
    const size_t n = socket_.read_some(net::buffer(&byte, 1), ec);
    return n == 0 && ec == net::error::eof && buffer_.size() == 0;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  net::streambuf buffer_;
};

TEST(HttpFramingTest, KeepAliveAnswersHeadAndClose) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  RawConnection conn(server.port());

  conn.Write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  RawResponse health = conn.Read();
  EXPECT_EQ(health.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(health.fields["Server"], "modelwatch");
  EXPECT_EQ(health.fields["Content-Type"], "application/json");
  EXPECT_EQ(health.fields["Cache-Control"], "no-store");
  EXPECT_EQ(health.fields["Content-Length"], std::to_string(health.body.size()));
  EXPECT_EQ(health.fields.count("Connection"), 0u) << "keep-alive is HTTP/1.1's default";
  EXPECT_TRUE(nlohmann::json::accept(health.body)) << health.body;

  conn.Write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
  RawResponse get = conn.Read();
  EXPECT_EQ(get.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(get.fields["Content-Length"], std::to_string(get.body.size()));
  ASSERT_FALSE(get.body.empty());

  // HEAD: a GET's headers, Content-Length included, and no body: the next answer on the same
  // connection starts right after the blank line.
  conn.Write("HEAD /livez HTTP/1.1\r\nHost: x\r\n\r\n");
  RawResponse head = conn.Read(/*head=*/true);
  EXPECT_EQ(head.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head.fields["Content-Length"], std::to_string(get.body.size()));

  conn.Write("GET /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n");
  RawResponse missing = conn.Read();
  EXPECT_EQ(missing.status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(missing.fields["Content-Type"], "application/problem+json");
  const auto problem = nlohmann::json::parse(missing.body);
  EXPECT_EQ(problem["status"], 404);

  // Extra headers a handler sets (Location on a created model) come through as sent.
  conn.WriteJson("PUT", "/v1/models/framing", R"({"task":"regression"})");
  RawResponse created = conn.Read();
  EXPECT_EQ(created.status_line, "HTTP/1.1 201 Created") << created.body;
  EXPECT_EQ(created.fields["Location"], "/v1/models/framing");

  // An ingest answer, rendered on the I/O thread after the group commit.
  conn.WriteJson("POST", "/v1/predictions",
                 R"({"id":"framing-1","model":"framing","prediction":1.5})");
  RawResponse accepted = conn.Read();
  EXPECT_EQ(accepted.status_line, "HTTP/1.1 202 Accepted") << accepted.body;
  EXPECT_EQ(accepted.fields["Content-Length"], std::to_string(accepted.body.size()));
  const auto ids = nlohmann::json::parse(accepted.body);
  EXPECT_EQ(ids["ids"], nlohmann::json::array({"framing-1"})) << accepted.body;

  // The client asks to close: the answer says so and the server closes.
  conn.Write("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  RawResponse last = conn.Read();
  EXPECT_EQ(last.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(last.fields["Connection"], "close");
  EXPECT_FALSE(last.body.empty());
  EXPECT_TRUE(conn.ClosedByServer());

  // An HTTP/1.0 request without keep-alive is answered once, then closed.
  RawConnection old(server.port());
  old.Write("GET /livez HTTP/1.0\r\n\r\n");
  RawResponse once = old.Read();
  EXPECT_EQ(once.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(once.fields["Connection"], "close");
  EXPECT_TRUE(old.ClosedByServer());
}

}  // namespace
}  // namespace mw::testing
