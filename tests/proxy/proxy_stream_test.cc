// The proxy's streaming and framing: bodies past max_capture_bytes, chunked bodies, responses
// without a body, 100-continue, pipelining, a client that goes away, and the refusals.
#include <gtest/gtest.h>

#include <thread>

#include "proxy/proxy.h"
#include "proxy/proxy_test_util.h"

namespace mw::proxy {
namespace {

using testing::Conn;
using testing::RawUpstream;
using testing::RecordingObserver;

struct StreamProxy {
  explicit StreamProxy(ProxyOptions options) : proxy(std::move(options)) {
    std::string error;
    if (!proxy.Start(&error)) throw std::runtime_error(error);
  }
  Proxy proxy;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

constexpr size_t kBig = 5 << 20;

TEST(ProxyStreamTest, LargeBodiesPassIntactAndUncaptured) {
  const std::string big_response = Pattern(kBig);
  RawUpstream upstream([&](Conn& c, int, RawUpstream& self) {
    while (auto m = c.Read(true)) {
      self.Record(std::move(*m));
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big_response.size()) +
             "\r\n\r\n" + big_response);
    }
  });
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.max_capture_bytes = 1 << 20;
  StreamProxy running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  const std::string big_request = Pattern(kBig + 3);
  ASSERT_TRUE(client->Send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                           std::to_string(big_request.size()) + "\r\n\r\n" + big_request));
  auto response = client->Read(false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Get("content-length"), std::to_string(kBig));
  EXPECT_TRUE(response->body == big_response);
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Get("content-length"), std::to_string(big_request.size()));
  EXPECT_FALSE(requests[0].Has("transfer-encoding"));
  EXPECT_TRUE(requests[0].body == big_request);
  ASSERT_TRUE(observer.WaitDone(1));
  auto uncaptured = observer.uncaptured();
  std::sort(uncaptured.begin(), uncaptured.end());
  EXPECT_EQ(uncaptured, (std::vector<std::string>{"request_too_large", "response_too_large"}));
  EXPECT_EQ(observer.done()[0].bytes, kBig);
  // The connection is still good for the next request.
  ASSERT_TRUE(client->Send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto next = client->Read(false);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(ProxyStreamTest, AResponseOfUnknownLengthIsRechunked) {
  const std::string body = Pattern(3 << 20);
  RawUpstream upstream([&](Conn& c, int, RawUpstream&) {
    if (!c.Read(true)) return;
    // HTTP/1.0-style: the body ends when the upstream closes.
    c.Send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    for (size_t at = 0; at < body.size(); at += 100000) c.Send(body.substr(at, 100000));
  });
  auto options = testing::TestProxyOptions(upstream.url(), nullptr);
  options.max_capture_bytes = 1 << 20;
  StreamProxy running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto response = client->Read(false);
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->chunked);
  EXPECT_FALSE(response->Has("content-length"));
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST(ProxyStreamTest, ChunkedRequestsAreReframed) {
  RawUpstream upstream;
  auto options = testing::TestProxyOptions(upstream.url(), nullptr);
  options.max_capture_bytes = 1 << 20;
  StreamProxy running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  // Small: kept, sent with Content-Length. The chunk data spells a request: it stays body.
  const std::string smuggled = "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n";
  char size_line[16];
  std::snprintf(size_line, sizeof size_line, "%zx", smuggled.size());
  ASSERT_TRUE(
      client->Send("POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "1\r\na\r\n" +
                   std::string(size_line) + "\r\n" + smuggled + "\r\n0\r\n\r\n"));
  ASSERT_EQ(client->Read(false)->status, 200);
  // Large: streamed, re-chunked.
  const std::string big = Pattern(2 << 20);
  std::string chunked = "POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < big.size(); at += 300000) {
    const std::string part = big.substr(at, 300000);
    std::snprintf(size_line, sizeof size_line, "%zx", part.size());
    chunked += std::string(size_line) + "\r\n" + part + "\r\n";
  }
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(client->Send(chunked));
  ASSERT_EQ(client->Read(false)->status, 200);
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);  // /admin never became a request
  EXPECT_EQ(requests[0].target, "/small");
  EXPECT_EQ(requests[0].Get("content-length"), std::to_string(1 + smuggled.size()));
  EXPECT_FALSE(requests[0].Has("transfer-encoding"));
  EXPECT_EQ(requests[0].body, "a" + smuggled);
  EXPECT_EQ(requests[1].target, "/big");
  EXPECT_TRUE(requests[1].chunked);
  EXPECT_FALSE(requests[1].Has("content-length"));
  EXPECT_TRUE(requests[1].body == big);
}

TEST(ProxyStreamTest, HeadAnd204And304CarryNoBody) {
  RawUpstream upstream([](Conn& c, int, RawUpstream&) {
    while (auto m = c.Read(true)) {
      if (m->method == "HEAD") {
        c.Send("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
      } else if (m->target == "/204") {
        c.Send("HTTP/1.1 204 No Content\r\n\r\n");
      } else if (m->target == "/304") {
        c.Send("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
      } else {
        c.Send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    }
  });
  StreamProxy running(testing::TestProxyOptions(upstream.url(), nullptr));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = client->Read(false, /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Get("content-length"), "1234");
  ASSERT_TRUE(client->Send("GET /204 HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto no_content = client->Read(false);
  ASSERT_TRUE(no_content);
  EXPECT_EQ(no_content->status, 204);
  EXPECT_FALSE(no_content->Has("content-length"));
  ASSERT_TRUE(client->Send("GET /304 HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto not_modified = client->Read(false);
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_EQ(not_modified->Get("etag"), "\"x\"");
  // Nothing stray between the answers: the next one parses.
  ASSERT_TRUE(client->Send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto last = client->Read(false);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "ok");
  EXPECT_TRUE(client->buffer().empty());
}

TEST(ProxyStreamTest, ExpectContinueIsAnsweredByTheProxy) {
  RawUpstream upstream;
  StreamProxy running(testing::TestProxyOptions(upstream.url(), nullptr));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send(
      "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = client->Read(false);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  EXPECT_TRUE(upstream.requests().empty());
  ASSERT_TRUE(client->Send("hello"));
  auto response = client->Read(false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].Has("expect"));
  EXPECT_EQ(requests[0].body, "hello");
}

TEST(ProxyStreamTest, PipelinedRequestsAreAnsweredInOrder) {
  RawUpstream upstream;
  StreamProxy running(testing::TestProxyOptions(upstream.url(), nullptr));
  auto client = Conn::Connect(running.proxy.port());
  std::string three;
  for (const char* p : {"/1", "/2", "/3"}) {
    three += "GET " + std::string(p) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  ASSERT_TRUE(client->Send(three));
  for (const char* p : {"/1", "/2", "/3"}) {
    auto response = client->Read(false);
    ASSERT_TRUE(response) << p;
    EXPECT_EQ(response->body, "{\"ok\":true,\"path\":\"" + std::string(p) + "\"}");
  }
}

TEST(ProxyStreamTest, AClientThatLeavesCancelsTheUpstreamCall) {
  RawUpstream upstream([](Conn& c, int, RawUpstream& self) {
    auto m = c.Read(true);
    if (!m) return;
    self.Record(std::move(*m));
    if (c.WaitClosed(std::chrono::seconds(5))) self.NoteClosedByPeer();
  });
  RecordingObserver observer;
  StreamProxy running(testing::TestProxyOptions(upstream.url(), &observer));
  {
    auto client = Conn::Connect(running.proxy.port());
    ASSERT_TRUE(client->Send("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"));
    for (int i = 0; i < 200 && upstream.requests().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }  // closed
  ASSERT_TRUE(observer.WaitDone(1));
  EXPECT_EQ(observer.done()[0].status, 499);
  EXPECT_EQ(observer.disconnects(), 1);
  for (int i = 0; i < 200 && upstream.closed_by_peer() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(upstream.closed_by_peer(), 1);
  EXPECT_EQ(running.proxy.pool_stats().idle, 0u);
}

struct Refusal {
  const char* name;
  std::string bytes;
  int status;
};

TEST(ProxyStreamTest, RefusedRequestsNeverReachTheUpstream) {
  RawUpstream upstream;
  RecordingObserver observer;
  StreamProxy running(testing::TestProxyOptions(upstream.url(), &observer));
  const std::vector<Refusal> cases = {
      {"CL+TE",
       "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       400},
      {"TE+CL",
       "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
       "0\r\n\r\n",
       400},
      {"unknown coding", "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 501},
      {"chunked, identity",
       "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 501},
      {"two lengths",
       "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"space before colon", "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\nhello", 400},
      {"obs-fold", "GET /a HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", 400},
      {"no host", "GET /a HTTP/1.1\r\n\r\n", 400},
      {"absolute form", "GET http://evil/a HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"connect", "CONNECT evil:443 HTTP/1.1\r\nHost: evil:443\r\n\r\n", 405},
  };
  for (const Refusal& c : cases) {
    auto client = Conn::Connect(running.proxy.port());
    ASSERT_TRUE(client->Send(c.bytes)) << c.name;
    auto response = client->Read(false);
    ASSERT_TRUE(response) << c.name;
    EXPECT_EQ(response->status, c.status) << c.name << "\n" << response->body;
    EXPECT_EQ(response->Get("content-type"), "application/problem+json") << c.name;
    EXPECT_EQ(response->Get("connection"), "close") << c.name;
    EXPECT_TRUE(client->WaitClosed(std::chrono::seconds(3))) << c.name;
  }
  EXPECT_TRUE(upstream.requests().empty());
  EXPECT_EQ(upstream.connections(), 0);
  ASSERT_TRUE(observer.WaitDone(cases.size()));
}

TEST(ProxyStreamTest, BodiesAboveTheLimitAre413) {
  RawUpstream upstream;
  auto options = testing::TestProxyOptions(upstream.url(), nullptr);
  options.max_body_bytes = 4096;
  options.max_capture_bytes = 1024;
  StreamProxy running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n"));
  auto response = client->Read(false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("proxy.max_body_bytes"), std::string::npos);
  EXPECT_TRUE(upstream.requests().empty());
}

TEST(ProxyStreamTest, StopAcceptingClosesIdleConnections) {
  RawUpstream upstream;
  RecordingObserver observer;
  StreamProxy running(testing::TestProxyOptions(upstream.url(), &observer));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(client->Read(false));
  running.proxy.StopAccepting();
  EXPECT_TRUE(client->WaitClosed(std::chrono::seconds(3)));
  EXPECT_TRUE(running.proxy.WaitIdle(std::chrono::seconds(3)));
  EXPECT_EQ(observer.open(), 0);
}

TEST(ProxyStreamTest, IdleClientsAreClosedAfterTheClientTimeout) {
  RawUpstream upstream;
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.client_timeout = std::chrono::milliseconds(300);
  StreamProxy running(std::move(options));
  // Silent from the start.
  auto silent = Conn::Connect(running.proxy.port());
  // Idle after one answer (the wait for its next request).
  auto idle = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(idle->Send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(idle->Read(false));
  // Busy: a request every 100 ms stays open past the timeout.
  auto busy = Conn::Connect(running.proxy.port());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(busy->Send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE(busy->Read(false)) << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(silent->WaitClosed(std::chrono::seconds(2)));
  EXPECT_TRUE(idle->WaitClosed(std::chrono::seconds(2)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  ASSERT_TRUE(busy->Send("GET /c HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto last = busy->Read(false);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->status, 200);
}

TEST(ProxyStreamTest, AStalledStreamedResponseIsCutAfterTheResponseTimeout) {
  const std::string part = Pattern(2 << 20);
  RawUpstream upstream([&](Conn& c, int, RawUpstream& self) {
    if (!c.Read(true)) return;
    c.Send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(part.size() + 10) + "\r\n\r\n" +
           part);  // 10 bytes short, then silence
    if (c.WaitClosed(std::chrono::seconds(5))) self.NoteClosedByPeer();
  });
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.max_capture_bytes = 1 << 20;
  options.response_timeout = std::chrono::milliseconds(300);
  StreamProxy running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("GET /stall HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_FALSE(client->Read(false, false, std::chrono::seconds(3)));  // cut short: no whole answer
  EXPECT_TRUE(client->WaitClosed(std::chrono::seconds(3)));
  ASSERT_TRUE(observer.WaitDone(1));
  EXPECT_EQ(observer.upstream_errors(), std::vector<std::string>{"reset_mid_body"});
  for (int i = 0; i < 200 && upstream.closed_by_peer() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(upstream.closed_by_peer(), 1);
}

}  // namespace
}  // namespace mw::proxy
