// The bytes of the server's answers on one raw keep-alive connection, as any HTTP/1.1 client (not
// only Beast's parser) reads them: status line, headers, Content-Length framing, HEAD, close.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"
#include "integration/raw_connection.h"

namespace mw::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

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

// A request with a body whose bytes are themselves a request: if the server mistakes the framing,
// it answers the smuggled GET as a second request.
std::string SmugglingAttempt(const std::string& framing_headers) {
  return "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         framing_headers + "\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n";
}

// The problem+json answer of a refused request that closes the connection.
void ExpectRefusedAndClosed(RawConnection& conn, const std::string& status_line,
                            const std::string& detail_mentions) {
  RawResponse r = conn.Read();
  EXPECT_EQ(r.status_line, status_line) << r.body;
  EXPECT_EQ(r.fields["Content-Type"], "application/problem+json");
  EXPECT_EQ(r.fields["Connection"], "close");
  ASSERT_TRUE(nlohmann::json::accept(r.body)) << r.body;
  const auto problem = nlohmann::json::parse(r.body);
  EXPECT_EQ(problem["status"], std::stoi(status_line.substr(9, 3)));
  EXPECT_NE(problem.value("detail", "").find(detail_mentions), std::string::npos) << r.body;
  EXPECT_TRUE(conn.ClosedByServer()) << "the smuggled request must not be read";
}

TEST(HttpFramingTest, TransferEncodingOtherThanChunkedIsRefusedAndClosed) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const std::string smuggled = "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string headers;
    std::string status_line;
  };
  const std::vector<Case> cases = {
      {"Transfer-Encoding: xchunked", "HTTP/1.1 501 Not Implemented"},
      {"Transfer-Encoding: identity", "HTTP/1.1 501 Not Implemented"},
      {"Transfer-Encoding: gzip, chunked", "HTTP/1.1 501 Not Implemented"},
      {"Transfer-Encoding: chunked, chunked", "HTTP/1.1 400 Bad Request"},
      {"Transfer-Encoding: chunked,", "HTTP/1.1 400 Bad Request"},
      {"Transfer-Encoding: gzip\r\nContent-Length: " + std::to_string(smuggled.size()),
       "HTTP/1.1 400 Bad Request"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", "HTTP/1.1 400 Bad Request"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.headers);
    RawConnection conn(server.port());
    conn.Write(SmugglingAttempt(c.headers));
    ExpectRefusedAndClosed(conn, c.status_line, "Transfer-Encoding");
  }

  // Exactly one coding, "chunked" in any case, is the chunked framing it always was.
  RawConnection conn(server.port());
  const std::string body = R"({"id":"te-1","actual":1})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  conn.Write(
      "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: Chunked\r\n\r\n" +
      std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  RawResponse accepted = conn.Read();
  EXPECT_EQ(accepted.status_line, "HTTP/1.1 202 Accepted") << accepted.body;
  EXPECT_EQ(accepted.fields.count("Connection"), 0u);
}

TEST(HttpFramingTest, Http11RequestNeedsExactlyOneHost) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  {
    RawConnection conn(server.port());
    conn.Write("GET /livez HTTP/1.1\r\n\r\n");
    ExpectRefusedAndClosed(conn, "HTTP/1.1 400 Bad Request", "Host");
  }
  {
    RawConnection conn(server.port());
    conn.Write("GET /livez HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    ExpectRefusedAndClosed(conn, "HTTP/1.1 400 Bad Request", "Host");
  }
}

TEST(HttpFramingTest, TwoAuthorizationHeadersAreRefused) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  RawConnection conn(server.port());
  conn.Write(
      "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer one\r\n"
      "Authorization: Bearer two\r\n\r\n");
  ExpectRefusedAndClosed(conn, "HTTP/1.1 400 Bad Request", "Authorization");
}

TEST(HttpFramingTest, ExpectContinueIsAnsweredBeforeTheBody) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const std::string body = R"({"id":"continue-1","actual":1})";
  const std::string headers =
      "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  RawConnection conn(server.port());
  conn.Write(headers);
  // The interim answer comes before any body byte is sent (curl waits 1 s for it otherwise).
  RawResponse interim = conn.Read(/*head=*/true, std::chrono::seconds(5));
  EXPECT_EQ(interim.status_line, "HTTP/1.1 100 Continue");
  EXPECT_TRUE(interim.header_lines.empty());
  conn.Write(body);
  RawResponse done = conn.Read();
  EXPECT_EQ(done.status_line, "HTTP/1.1 202 Accepted") << done.body;

  // Refused at the header stage: the final answer without the body, then close.
  conn.Write(
      "POST /no/such/route HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Length: 100\r\n\r\n");
  RawResponse missing = conn.Read(false, std::chrono::seconds(5));
  EXPECT_EQ(missing.status_line, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(missing.fields["Connection"], "close");
  EXPECT_TRUE(conn.ClosedByServer());

  RawConnection big(server.port());
  big.Write(
      "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n");
  RawResponse too_large = big.Read(false, std::chrono::seconds(5));
  EXPECT_EQ(too_large.status_line, "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(too_large.fields["Connection"], "close");
  EXPECT_TRUE(big.ClosedByServer());

  RawConnection odd(server.port());
  odd.Write(
      "POST /v1/actuals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 200-ok\r\nContent-Length: 2\r\n\r\n");
  ExpectRefusedAndClosed(odd, "HTTP/1.1 417 Expectation Failed", "Expect");
}

TEST(HttpFramingTest, EncodedSlashStaysInsideOnePathParameter) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  RawConnection conn(server.port());
  conn.WriteJson("PUT", "/v1/models/x", R"({"task":"regression"})");
  RawResponse created = conn.Read();
  ASSERT_EQ(created.status_line, "HTTP/1.1 201 Created") << created.body;

  // Routed on the raw path, this is PUT /v1/models/{model} with model "x/versions/y" (whatever
  // the handler makes of that name), never version "y" of model "x".
  conn.WriteJson("PUT", "/v1/models/x%2Fversions%2Fy", "{}");
  RawResponse put = conn.Read();
  EXPECT_FALSE(put.status_line.empty());
  conn.Write("GET /v1/models/x HTTP/1.1\r\nHost: x\r\n\r\n");
  RawResponse model = conn.Read();
  ASSERT_EQ(model.status_line, "HTTP/1.1 200 OK") << model.body;
  const auto doc = nlohmann::json::parse(model.body);
  EXPECT_TRUE(doc["versions"].empty()) << model.body;

  // Escapes that decode to NUL, and invalid ones, are answered, not crashed on.
  for (const std::string target : {"/v1/models/a%00b", "/v1/models/%zz", "/v1/models/%",
                                   "/v1/models/%f", "/v1/model%73/%ff%fe"}) {
    SCOPED_TRACE(target);
    conn.Write("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse r = conn.Read();
    EXPECT_EQ(r.status_line.substr(0, 9), "HTTP/1.1 ");
  }
  conn.Write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(conn.Read().status_line, "HTTP/1.1 200 OK");
}

// /proc/PID/stat: user + system CPU time in seconds.
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Polls `predicate` until it holds or `timeout` passes.
template <typename Predicate>
bool WaitFor(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, bounded
  }
  return predicate();
}

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

// The value of the first sample line of /metrics that starts with `series`, or -1.
double Sample(const std::string& metrics, const std::string& series) {
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(HttpConnectionLimitTest, AcceptBacksOffWhenFileDescriptorsRunOut) {
  ServerOptions options;
  options.nofile_soft = 128;  // soft = hard: serve cannot raise it
  options.nofile_hard = 128;
  ModelwatchProcess server(options);
  ASSERT_TRUE(server.Start()) << server.output();

  // More idle connections than the process has descriptors for: the rest wait in the backlog.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawConnection>(server.port()));
  // The condition is logged (once, not per failed accept).
  EXPECT_TRUE(WaitFor([&] { return server.output().find("cannot accept") != std::string::npos; },
                      std::chrono::seconds(10)))
      << server.output();

  // With the accept loop backing off, the process is nearly idle; a spinning one uses a core.
  const double cpu_before = CpuSeconds(server.pid());
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the measuring window, not a wait
  const double cpu = CpuSeconds(server.pid()) - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  EXPECT_LT(cpu / wall, 0.15) << cpu << " s of CPU in " << wall << " s";

  // Once the connections close, the server accepts again and /health answers.
  for (auto& c : idle) c->Close();
  idle.clear();
  HttpClient client = server.Client();
  HttpResult health;
  EXPECT_TRUE(WaitFor(
      [&] {
        health = client.Get("/health");
        return health.status == 200;
      },
      std::chrono::seconds(20)))
      << health.error << " " << server.output();
  const HttpResult metrics = client.Get("/metrics");
  EXPECT_GT(Sample(metrics.body, "modelwatch_http_accept_errors_total"), 0) << metrics.body;
  EXPECT_LE(CountOccurrences(server.output(), "cannot accept"), 2u) << server.output();
}

TEST(HttpConnectionLimitTest, ConnectionsAboveMaxConnectionsGet503AndClose) {
  ModelwatchProcess server(ServerOptions{{"--set", "server.max_connections=2"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto first = std::make_unique<RawConnection>(server.port());
  RawConnection second(server.port());
  for (RawConnection* c : {first.get(), &second}) {
    c->Write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c->Read().status_line, "HTTP/1.1 200 OK");
  }

  // The third gets its answer without sending anything, and is closed.
  RawConnection third(server.port());
  RawResponse refused = third.Read();
  EXPECT_EQ(refused.status_line, "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(refused.fields["Content-Type"], "application/problem+json");
  EXPECT_EQ(refused.fields["Connection"], "close");
  EXPECT_FALSE(refused.fields["Retry-After"].empty());
  ASSERT_TRUE(nlohmann::json::accept(refused.body)) << refused.body;
  EXPECT_NE(refused.body.find("server.max_connections"), std::string::npos) << refused.body;
  EXPECT_TRUE(third.ClosedByServer());

  // One that sends a request first reads the same answer (no reset from unread bytes).
  RawConnection fourth(server.port());
  fourth.Write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(fourth.Read().status_line, "HTTP/1.1 503 Service Unavailable");

  // A slot frees when a connection closes.
  first->Close();
  first.reset();
  HttpClient client = server.Client();
  HttpResult livez;
  EXPECT_TRUE(WaitFor(
      [&] {
        livez = client.Get("/livez");
        return livez.status == 200;
      },
      std::chrono::seconds(10)))
      << livez.status << " " << livez.error;
  const HttpResult metrics = client.Get("/metrics");
  EXPECT_GE(Sample(metrics.body,
                   "modelwatch_http_connections_rejected_total{reason=\"max_connections\"}"),
            2)
      << metrics.body;
  EXPECT_EQ(Sample(metrics.body, "modelwatch_http_connections_open"), 2) << metrics.body;
}

TEST(HttpConnectionLimitTest, ServeRaisesTheSoftDescriptorLimitToTheHardLimit) {
  ServerOptions options;
  options.nofile_soft = 256;
  options.nofile_hard = 2048;
  ModelwatchProcess server(options);
  ASSERT_TRUE(server.Start()) << server.output();
  std::ifstream in("/proc/" + std::to_string(server.pid()) + "/limits");
  std::string line, limits;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) == 0) limits = line;
  }
  std::istringstream fields(limits.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, "2048") << limits;
  EXPECT_EQ(hard, "2048") << limits;
  EXPECT_NE(server.output().find("\"process.nofile.previous\":256"), std::string::npos)
      << server.output();
}

}  // namespace
}  // namespace mw::testing
