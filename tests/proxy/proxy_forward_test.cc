// The proxy against a recording raw upstream: framing, fields, request ids, the pool, errors,
// routes, the cache and the capture.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/clock.h"
#include "proxy/cache/memory_cache.h"
#include "proxy/capture/queue.h"
#include "proxy/capture/sample.h"
#include "proxy/proxy.h"
#include "proxy/proxy_metrics.h"
#include "proxy/proxy_test_util.h"
#include "telemetry/metrics.h"

namespace mw::proxy {
namespace {

using testing::Conn;
using testing::RawUpstream;
using testing::RecordingObserver;

struct Running {
  explicit Running(ProxyOptions options) : proxy(std::move(options)) {
    std::string error;
    if (!proxy.Start(&error)) throw std::runtime_error(error);
  }
  Proxy proxy;
};

std::string Post(std::string_view target, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: client.example\r\n" +
         std::string(extra) +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::shared_ptr<RoutingSnapshot> Routes(std::vector<RouteSpec> specs,
                                        std::vector<RouteConfig> configs = {}) {
  auto table = RouteTable::Build(std::move(specs), 100);
  if (!table.has_value()) throw std::runtime_error(table.status().message());
  auto snapshot = std::make_shared<RoutingSnapshot>();
  snapshot->table = std::move(table).value();
  snapshot->configs = std::move(configs);
  return snapshot;
}

TEST(ProxyForwardTest, ForwardsWithItsOwnFramingAndFields) {
  RawUpstream upstream;
  RecordingObserver observer;
  Running running(testing::TestProxyOptions(upstream.url(), &observer));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send(Post("/predict/17?x=1", R"({"features":{"a":1}})",
                                "Connection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
                                "Keep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: h2c\r\n"
                                "Proxy-Connection: keep-alive\r\nX-Request-Id: req-1\r\n"
                                "X-Forwarded-For: 10.0.0.9\r\nX-Keep: yes\r\n")));
  auto response = client->Read(false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Get("x-request-id"), "req-1");
  EXPECT_EQ(response->Get("x-upstream"), "yes");
  EXPECT_FALSE(response->Has("keep-alive")) << response->head;
  EXPECT_FALSE(response->Has("connection")) << response->head;
  EXPECT_EQ(response->body, R"({"ok":true,"path":"/predict/17?x=1"})");

  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.start_line, "POST /predict/17?x=1 HTTP/1.1");
  EXPECT_EQ(r.Get("host"), "127.0.0.1:" + std::to_string(upstream.port()));
  EXPECT_EQ(r.Get("content-length"), "20");
  EXPECT_EQ(r.body, R"({"features":{"a":1}})");
  for (const char* gone : {"x-secret", "keep-alive", "te", "upgrade", "proxy-connection",
                           "connection", "transfer-encoding"}) {
    EXPECT_FALSE(r.Has(gone)) << gone << " in\n" << r.head;
  }
  EXPECT_EQ(r.Get("x-keep"), "yes");
  EXPECT_EQ(r.Get("x-forwarded-for"), "10.0.0.9, 127.0.0.1");
  EXPECT_EQ(r.Get("x-forwarded-proto"), "http");
  EXPECT_EQ(r.Get("x-forwarded-host"), "client.example");
  EXPECT_EQ(r.Get("x-request-id"), "req-1");
  // Exactly one of each regenerated field.
  int hosts = 0, lengths = 0;
  for (const auto& [name, value] : r.fields) {
    hosts += testing::Lower(name) == "host";
    lengths += testing::Lower(name) == "content-length";
  }
  EXPECT_EQ(hosts, 1);
  EXPECT_EQ(lengths, 1);
}

TEST(ProxyForwardTest, MakesARequestIdWhenTheClientsIsMissingOrUnsafe) {
  RawUpstream upstream;
  Running running(testing::TestProxyOptions(upstream.url(), nullptr));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto first = client->Read(false);
  ASSERT_TRUE(client->Send("GET /b HTTP/1.1\r\nHost: h\r\nX-Request-Id: has space\r\n\r\n"));
  auto second = client->Read(false);
  ASSERT_TRUE(first && second);
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(first->Get("x-request-id").size(), 26u);
  EXPECT_EQ(first->Get("x-request-id"), requests[0].Get("x-request-id"));
  EXPECT_EQ(second->Get("x-request-id").size(), 26u);
  EXPECT_EQ(second->Get("x-request-id"), requests[1].Get("x-request-id"));
  EXPECT_NE(first->Get("x-request-id"), second->Get("x-request-id"));
}

TEST(ProxyForwardTest, OneClientConnectionKeepsOneUpstreamConnection) {
  RawUpstream upstream;
  Running running(testing::TestProxyOptions(upstream.url(), nullptr));
  auto client = Conn::Connect(running.proxy.port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client->Send(Post("/p/" + std::to_string(i), "{}")));
    auto response = client->Read(false);
    ASSERT_TRUE(response) << i;
    ASSERT_EQ(response->status, 200);
  }
  EXPECT_EQ(upstream.requests().size(), 100u);
  EXPECT_EQ(upstream.connections(), 1);
}

TEST(ProxyForwardTest, RefusedUpstreamIs502ProblemAtOnce) {
  RecordingObserver observer;
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  Running running(testing::TestProxyOptions(url, &observer));
  auto client = Conn::Connect(running.proxy.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->Send(Post("/predict/1", "{}")));
  auto response = client->Read(false);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 502);
  EXPECT_EQ(response->Get("content-type"), "application/problem+json");
  const auto problem = nlohmann::json::parse(response->body);
  const std::string detail = problem.value("detail", "");
  EXPECT_NE(detail.find("upstream " + url + " unreachable"), std::string::npos) << detail;
  EXPECT_NE(detail.find("refused"), std::string::npos) << detail;
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  EXPECT_FALSE(response->Get("x-request-id").empty());
  ASSERT_TRUE(observer.WaitDone(1));
  EXPECT_EQ(observer.upstream_errors(), std::vector<std::string>{"refused"});
  EXPECT_EQ(observer.done()[0].status, 502);
  // The client connection stays usable.
  ASSERT_TRUE(client->Send(Post("/predict/1", "{}")));
  auto again = client->Read(false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 502);
}

TEST(ProxyForwardTest, SlowUpstreamIs504AfterTheResponseTimeout) {
  RawUpstream upstream([](Conn& c, int, RawUpstream& self) {
    if (auto m = c.Read(true)) self.Record(std::move(*m));
    c.WaitClosed(std::chrono::seconds(5));  // never answers
  });
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.response_timeout = std::chrono::milliseconds(200);
  Running running(std::move(options));
  auto client = Conn::Connect(running.proxy.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->Send(Post("/slow", "{}")));
  auto response = client->Read(false);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 504);
  EXPECT_EQ(response->Get("content-type"), "application/problem+json");
  EXPECT_GE(elapsed, std::chrono::milliseconds(190));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  ASSERT_TRUE(observer.WaitDone(1));
  EXPECT_EQ(observer.upstream_errors(), std::vector<std::string>{"response_timeout"});
}

TEST(ProxyForwardTest, PoolExhaustedIs503WithRetryAfter) {
  RawUpstream upstream;
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.max_upstream_connections = 1;
  options.threads = 1;  // one loop: the whole limit is its share
  options.connect_timeout = std::chrono::milliseconds(200);
  Running running(std::move(options));
  // The first client keeps its upstream connection between its requests (affinity).
  auto first = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(first->Send(Post("/a", "{}")));
  ASSERT_EQ(first->Read(false)->status, 200);
  auto second = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(second->Send(Post("/b", "{}")));
  auto response = second->Read(false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->Get("retry-after"), "1");
  ASSERT_TRUE(observer.WaitDone(2));
  EXPECT_EQ(observer.upstream_errors(), std::vector<std::string>{"pool_exhausted"});
  // Once the first client leaves, its connection serves the second.
  first.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(second->Send(Post("/b", "{}")));
  auto later = second->Read(false);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
  EXPECT_EQ(upstream.connections(), 1);
}

TEST(ProxyForwardTest, EndpointLabelsComeFromTheRoutes) {
  RawUpstream upstream;
  RecordingObserver observer;
  Running running(testing::TestProxyOptions(upstream.url(), &observer));
  running.proxy.SetRoutes(Routes({{"/predict/{restaurant_id}", {"POST"}}}));
  auto client = Conn::Connect(running.proxy.port());
  for (const char* target : {"/predict/5", "/other", "/predict/5/x"}) {
    ASSERT_TRUE(client->Send(Post(target, "{}")));
    ASSERT_TRUE(client->Read(false));
  }
  ASSERT_TRUE(client->Send("GET /predict/5 HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(client->Read(false));
  ASSERT_TRUE(observer.WaitDone(4));
  const auto done = observer.done();
  EXPECT_EQ(done[0].endpoint, "/predict/{restaurant_id}");
  EXPECT_EQ(done[1].endpoint, "unmatched");
  EXPECT_EQ(done[2].endpoint, "unmatched");
  EXPECT_EQ(done[3].endpoint, "unmatched");  // the route accepts POST only
}

telemetry::MetricsOptions ProxyTestMetricsOptions() {
  telemetry::MetricsOptions options;
  options.prefix = "svc";
  options.system_metrics = false;
  return options;
}

TEST(ProxyForwardTest, ACacheHitIsAnsweredWithoutTheUpstream) {
  RawUpstream upstream;
  RecordingObserver observer;
  telemetry::Metrics metrics(ProxyTestMetricsOptions());
  CacheMetrics cache_metrics(metrics);
  FakeClock clock;
  MemoryCache cache(MemoryCacheOptions{1 << 20, 1 << 16, &clock}, &cache_metrics);
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.cache = &cache;
  options.cache_metrics = &cache_metrics;
  Running running(std::move(options));
  RouteConfig cached;
  cached.cache = RouteCacheSpec{std::chrono::seconds(60), {}};
  running.proxy.SetRoutes(Routes({{"/predict/{id}", {"POST"}}}, {cached}));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send(Post("/predict/1", R"({"a": 1})", "X-Request-Id: first\r\n")));
  auto miss = client->Read(false);
  ASSERT_TRUE(client->Send(Post("/predict/1", R"({"a":1.0})", "X-Request-Id: second\r\n")));
  auto hit = client->Read(false);
  ASSERT_TRUE(miss && hit);
  EXPECT_EQ(upstream.requests().size(), 1u);
  EXPECT_EQ(miss->Get("x-modelwatch-cache"), "miss");
  EXPECT_EQ(hit->Get("x-modelwatch-cache"), "hit");
  EXPECT_EQ(hit->Get("x-request-id"), "second");
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, miss->body);
  EXPECT_EQ(hit->Get("content-length"), std::to_string(miss->body.size()));
  EXPECT_EQ(hit->Get("x-upstream"), "yes");
  EXPECT_FALSE(hit->Has("keep-alive"));
  ASSERT_TRUE(observer.WaitDone(2));
  EXPECT_EQ(observer.done()[1].cache, CacheOutcome::kHit);
  const std::string text = metrics.Serialize();
  EXPECT_NE(text.find("svc_cache_hits_total{cache_type=\"response\"} 1"), std::string::npos);
  EXPECT_NE(text.find("svc_cache_misses_total{cache_type=\"response\"} 1"), std::string::npos);
}

TEST(ProxyForwardTest, ProxyMetricsCountTheWatchedApi) {
  RawUpstream upstream;
  telemetry::Metrics metrics(ProxyTestMetricsOptions());
  ProxyMetrics proxy_metrics(metrics);
  Running running(testing::TestProxyOptions(upstream.url(), &proxy_metrics));
  running.proxy.SetRoutes(Routes({{"/predict/{id}", {"POST"}}}));
  auto client = Conn::Connect(running.proxy.port());
  ASSERT_TRUE(client->Send(Post("/predict/1", "{}")));
  ASSERT_TRUE(client->Read(false));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string text = metrics.Serialize();
  EXPECT_NE(
      text.find(R"(svc_api_requests_total{endpoint="/predict/{id}",method="POST",status="200"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("modelwatch_proxy_connections_open 1"), std::string::npos);
  EXPECT_NE(text.find(R"(modelwatch_proxy_upstream_connections{state="active"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(modelwatch_proxy_upstream_errors_total{reason="refused"} 0)"),
            std::string::npos);
}

// Records every item the capture queue delivers; answers stored.
class ProxyTestSink : public CaptureSink {
 public:
  void Deliver(std::vector<CaptureItem> items,
               std::function<void(std::vector<DeliveryOutcome>)> done) override {
    {
      std::lock_guard lock(mu_);
      for (auto& item : items) items_.push_back(std::move(item));
    }
    done(std::vector<DeliveryOutcome>(items.size()));
  }
  std::vector<CaptureItem> items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  bool WaitItems(size_t n) const {
    for (int i = 0; i < 1000 && items().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return items().size() >= n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<CaptureItem> items_;
};

TEST(ProxyForwardTest, Captures2xxExchangesUnlessOptedOut) {
  RawUpstream upstream([](Conn& c, int, RawUpstream& self) {
    while (auto m = c.Read(true)) {
      const bool fail = m->target == "/predict/500";
      self.Record(std::move(*m));
      const std::string body = R"({"prediction":42.5})";
      c.Send(std::string(fail ? "HTTP/1.1 500 Internal Server Error" : "HTTP/1.1 200 OK") +
             "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    }
  });
  telemetry::Metrics metrics(ProxyTestMetricsOptions());
  CaptureMetrics capture_metrics(metrics);
  ProxyTestSink sink;
  SystemClock clock;
  CaptureQueue queue(CaptureQueueOptions{}, sink, &capture_metrics, clock, nullptr);
  queue.Start();
  RecordingObserver observer;
  auto options = testing::TestProxyOptions(upstream.url(), &observer);
  options.capture = &queue;
  options.capture_metrics = &capture_metrics;
  Running running(std::move(options));
  auto spec = std::make_shared<CaptureSpec>();
  spec->model = Source{Source::Kind::kConstant, "demand"};
  spec->segment = Source{Source::Kind::kPath, "id"};
  spec->features = Source{Source::Kind::kRequest, "/features"};
  spec->prediction = Source{Source::Kind::kResponse, "/prediction"};
  RouteConfig captured;
  captured.capture = spec;
  running.proxy.SetRoutes(Routes({{"/predict/{id}", {"POST"}}}, {captured}));
  auto client = Conn::Connect(running.proxy.port());
  const std::string body = R"({"features":{"temp":21.5}})";
  ASSERT_TRUE(client->Send(Post("/predict/17", body, "X-Request-Id: cap-1\r\n")));
  ASSERT_EQ(client->Read(false)->status, 200);
  ASSERT_TRUE(client->Send(
      Post("/predict/17", body, "X-Request-Id: cap-2\r\nX-Modelwatch-Capture: off\r\n")));
  ASSERT_EQ(client->Read(false)->status, 200);
  ASSERT_TRUE(client->Send(Post("/predict/500", body, "X-Request-Id: cap-3\r\n")));
  ASSERT_EQ(client->Read(false)->status, 500);
  ASSERT_TRUE(sink.WaitItems(1));
  ASSERT_TRUE(queue.Drain(5000));
  const auto items = sink.items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].route, "/predict/{id}");
  const auto events = nlohmann::json::parse(items[0].events_json)["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["id"], "cap-1");
  EXPECT_EQ(events[0]["model"], "demand");
  EXPECT_EQ(events[0]["segment"], "17");
  EXPECT_EQ(events[0]["prediction"], 42.5);
  EXPECT_EQ(events[0]["features"]["temp"], 21.5);
  EXPECT_TRUE(events[0].contains("latency_ms"));
  // The opt-out header never reaches the upstream.
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) EXPECT_FALSE(r.Has("x-modelwatch-capture")) << r.head;
  const std::string text = metrics.Serialize();
  EXPECT_NE(text.find(R"(modelwatch_proxy_capture_events_total{result="opted_out"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(modelwatch_proxy_capture_events_total{result="queued"} 1)"),
            std::string::npos);
}

TEST(ProxyForwardTest, SamplesSingleRowRoutesByRequestId) {
  RawUpstream upstream([](Conn& c, int, RawUpstream&) {
    while (auto m = c.Read(true)) {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"prediction\":1}");
    }
  });
  telemetry::Metrics metrics(ProxyTestMetricsOptions());
  CaptureMetrics capture_metrics(metrics);
  ProxyTestSink sink;
  SystemClock clock;
  CaptureQueue queue(CaptureQueueOptions{}, sink, &capture_metrics, clock, nullptr);
  queue.Start();
  auto options = testing::TestProxyOptions(upstream.url(), nullptr);
  options.capture = &queue;
  options.capture_metrics = &capture_metrics;
  Running running(std::move(options));
  auto spec = std::make_shared<CaptureSpec>();
  spec->model = Source{Source::Kind::kConstant, "m"};
  spec->features = Source{Source::Kind::kRequest, "/features"};
  spec->prediction = Source{Source::Kind::kResponse, "/prediction"};
  spec->sample = 0.5;
  RouteConfig captured;
  captured.capture = spec;
  running.proxy.SetRoutes(Routes({{"/p", {}}}, {captured}));
  auto client = Conn::Connect(running.proxy.port());
  size_t kept = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "s-" + std::to_string(i);
    kept += Sampled(id, 0.5) ? 1 : 0;
    ASSERT_TRUE(
        client->Send(Post("/p", R"({"features":{"a":1}})", "X-Request-Id: " + id + "\r\n")));
    ASSERT_EQ(client->Read(false)->status, 200);
  }
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, 40u);
  ASSERT_TRUE(sink.WaitItems(kept));
  ASSERT_TRUE(queue.Drain(5000));
  EXPECT_EQ(sink.items().size(), kept);
  EXPECT_NE(
      metrics.Serialize().find(R"(modelwatch_proxy_capture_events_total{result="sampled_out"} )" +
                               std::to_string(40 - kept)),
      std::string::npos);
}

TEST(ProxyForwardTest, CacheHitsAreCapturedWithoutLatency) {
  RawUpstream upstream([](Conn& c, int, RawUpstream& self) {
    while (auto m = c.Read(true)) {
      self.Record(std::move(*m));
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\n{\"prediction\":7.5}");
    }
  });
  telemetry::Metrics metrics(ProxyTestMetricsOptions());
  CaptureMetrics capture_metrics(metrics);
  ProxyTestSink sink;
  SystemClock clock;
  CaptureQueue queue(CaptureQueueOptions{}, sink, &capture_metrics, clock, nullptr);
  queue.Start();
  MemoryCache cache(MemoryCacheOptions{1 << 20, 1 << 16, &clock}, nullptr);
  auto options = testing::TestProxyOptions(upstream.url(), nullptr);
  options.capture = &queue;
  options.capture_metrics = &capture_metrics;
  options.cache = &cache;
  Running running(std::move(options));
  auto spec = std::make_shared<CaptureSpec>();
  spec->model = Source{Source::Kind::kConstant, "m"};
  spec->features = Source{Source::Kind::kRequest, "/features"};
  spec->prediction = Source{Source::Kind::kResponse, "/prediction"};
  RouteConfig config;
  config.capture = spec;
  config.cache = RouteCacheSpec{std::chrono::seconds(60), {"/features"}};
  running.proxy.SetRoutes(Routes({{"/p", {"POST"}}}, {config}));
  auto client = Conn::Connect(running.proxy.port());
  for (const char* id : {"h-1", "h-2"}) {
    ASSERT_TRUE(client->Send(
        Post("/p", R"({"features":{"a":1}})", "X-Request-Id: " + std::string(id) + "\r\n")));
    ASSERT_EQ(client->Read(false)->status, 200);
  }
  ASSERT_TRUE(sink.WaitItems(2));
  ASSERT_TRUE(queue.Drain(5000));
  EXPECT_EQ(upstream.requests().size(), 1u);
  const auto items = sink.items();
  ASSERT_EQ(items.size(), 2u);
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& item : items) {
    const auto event = nlohmann::json::parse(item.events_json)["events"][0];
    by_id[event["id"]] = event;
  }
  ASSERT_EQ(by_id.count("h-1") + by_id.count("h-2"), 2u);
  EXPECT_TRUE(by_id["h-1"].contains("latency_ms"));
  EXPECT_FALSE(by_id["h-2"].contains("latency_ms"));  // answered from the cache
  EXPECT_EQ(by_id["h-2"]["prediction"], 7.5);
}

TEST(ProxyForwardTest, ConcurrentClientsEachKeepTheirUpstreamConnection) {
  RawUpstream upstream;
  RecordingObserver observer;
  Running running(testing::TestProxyOptions(upstream.url(), &observer));
  constexpr int kClients = 16, kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = Conn::Connect(running.proxy.port());
      for (int i = 0; i < kRequests; ++i) {
        const std::string target = "/c" + std::to_string(c) + "/" + std::to_string(i);
        if (!client->Send(Post(target, "{}"))) return;
        auto response = client->Read(false);
        if (response && response->status == 200 &&
            response->body == "{\"ok\":true,\"path\":\"" + target + "\"}") {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(upstream.requests().size(), static_cast<size_t>(kClients * kRequests));
  EXPECT_LE(upstream.connections(), kClients);
  ASSERT_TRUE(observer.WaitDone(kClients * kRequests));
}

}  // namespace
}  // namespace mw::proxy
