// proxy/health/prober.h against a loopback upstream that answers /health and /health/db the way
// the users' FastAPI services do (the shapes of shared/seeds/003: "GET /health", "GET /health/db"),
// and against the ways an upstream fails: 5xx with and without a status, refused, too slow,
// garbage. Probes run with ProbeOnce on the test's thread; one test runs the real loop.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "proxy/health/gauges.h"
#include "proxy/health/prober.h"
#include "telemetry/test_util.h"
#include "testing/loopback_server.h"

namespace mw::proxy {
namespace {

using mw::testing::LoopbackServer;
using HealthSteady = std::chrono::steady_clock;

constexpr int64_t kHealthTestNow = 1'700'000'000'000;

// The seed's answers, verbatim.
constexpr const char* kHealthSeed = R"({
  "status": "healthy",
  "timestamp": "2024-01-24T12:00:00Z",
  "database_connected": true,
  "redis_connected": true,
  "model_loaded": true
})";
constexpr const char* kHealthSeedDb = R"({
  "database_status": "healthy",
  "connection_pool": {"total": 10, "active": 2, "idle": 8},
  "table_stats": {"patients": 1500, "predictions": 5000, "observations": 25000}
})";

LoopbackServer::Reply HealthJsonReply(int status, std::string body) {
  return {status, std::move(body), {{"Content-Type", "application/json"}}};
}

// An upstream answering `health` on /health and `db` on /health/db (404 elsewhere).
LoopbackServer::Handler HealthRoutes(LoopbackServer::Reply health, LoopbackServer::Reply db) {
  return [health, db](const LoopbackServer::Received& r) {
    if (r.target == "/health") return health;
    if (r.target == "/health/db") return db;
    return HealthJsonReply(404, R"({"detail":"Not Found"})");
  };
}

HealthProberOptions HealthTestOptions(const std::string& base_url) {
  HealthProberOptions o;
  o.base_url = base_url;
  o.timeout_ms = 200;
  return o;
}

// A port nothing listens on, kept bound (never listening) so that no other test takes it while
// this one runs: connecting to it is refused at once.
class HealthClosedPort {
 public:
  HealthClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot bind a port");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~HealthClosedPort() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Holds a handler until the test opens it (or 5 s pass, so a failed test cannot hang).
class HealthGate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(HealthProberTest, HealthyFastApiAnswerFillsEveryField) {
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(200, kHealthSeed), HealthJsonReply(200, kHealthSeedDb)));
  FakeClock clock(kHealthTestNow);
  HealthProber prober(HealthTestOptions(upstream.url() + "/"), nullptr, clock, nullptr);
  EXPECT_FALSE(prober.Current().probed);

  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_TRUE(h.probed);
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kOk);
  EXPECT_EQ(h.error, "");
  EXPECT_EQ(h.status, "healthy");
  EXPECT_EQ(h.database_connected, true);
  EXPECT_EQ(h.redis_connected, true);
  EXPECT_EQ(h.model_loaded, true);
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->total, 10);
  EXPECT_EQ(h.pool->active, 2);
  EXPECT_EQ(h.pool->idle, 8);
  EXPECT_EQ(h.table_rows, (std::map<std::string, int64_t>{
                              {"observations", 25000}, {"patients", 1500}, {"predictions", 5000}}));
  EXPECT_EQ(h.last_probe_ms, kHealthTestNow);
  EXPECT_GE(h.probe_seconds, 0);
  EXPECT_LT(h.probe_seconds, 1);

  const auto got = upstream.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request_line, "GET /health HTTP/1.1");  // the trailing '/' of the base dropped
  EXPECT_EQ(got[0].headers.at("accept"), "application/json");
  EXPECT_EQ(got[1].request_line, "GET /health/db HTTP/1.1");
  EXPECT_EQ(got[1].connection, got[0].connection);  // one keep-alive connection

  const UpstreamHealth current = prober.Current();
  EXPECT_TRUE(current.probed);
  EXPECT_EQ(current.status, "healthy");
  EXPECT_EQ(current.table_rows.size(), 3u);
}

TEST(HealthProberTest, A503ThatReportsUnhealthyIsUpAndUnhealthy) {
  LoopbackServer upstream(HealthRoutes(
      HealthJsonReply(503, R"({"status":"unhealthy","database_connected":false,)"
                           R"("model_loaded":true})"),
      HealthJsonReply(503, R"({"connection_pool":{"total":10,"active":0,"idle":0}})")));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kHttpError);
  EXPECT_EQ(h.error, "");
  EXPECT_EQ(h.status, "unhealthy");
  EXPECT_EQ(h.database_connected, false);
  EXPECT_EQ(h.model_loaded, true);
  EXPECT_EQ(h.redis_connected, std::nullopt);
  // /health/db is read whatever its status.
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->active, 0);
}

TEST(HealthProberTest, A503WithoutJsonIsDownAndDbIsNotProbed) {
  LoopbackServer upstream(
      HealthRoutes({503, "Service Unavailable", {}}, HealthJsonReply(200, kHealthSeedDb)));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_TRUE(h.probed);
  EXPECT_FALSE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kHttpError);
  EXPECT_EQ(h.error, "HTTP 503 without a JSON \"status\"");
  EXPECT_FALSE(h.pool.has_value());
  EXPECT_TRUE(h.table_rows.empty());
  EXPECT_EQ(upstream.requests().size(), 1u);
}

TEST(HealthProberTest, A5xxWithJsonButNoStringStatusIsDownAndReportsNothing) {
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(500, R"({"detail":"boom","status":500,"model_loaded":false})"),
                   HealthJsonReply(200, kHealthSeedDb)));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_FALSE(h.up);
  EXPECT_EQ(h.error, "HTTP 500 without a JSON \"status\"");
  EXPECT_EQ(h.status, std::nullopt);
  EXPECT_EQ(h.model_loaded, std::nullopt);
}

TEST(HealthProberTest, A404IsUpWithoutFields) {
  // A service without a health path is still answering: up, nothing known about it.
  LoopbackServer upstream([](const auto&) { return HealthJsonReply(404, R"({"detail":"x"})"); });
  FakeClock clock;
  HealthProberOptions options = HealthTestOptions(upstream.url());
  options.db_path = "";
  HealthProber prober(options, nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kHttpError);
  EXPECT_EQ(h.status, std::nullopt);
  EXPECT_EQ(upstream.requests().size(), 1u);  // db_path "": not probed
}

TEST(HealthProberTest, ARefusedPortIsDownAtOnce) {
  HealthClosedPort closed;
  FakeClock clock;
  HealthProberOptions options = HealthTestOptions(closed.url());
  options.timeout_ms = 2000;  // refused well before it
  HealthProber prober(options, nullptr, clock, nullptr);
  const auto start = HealthSteady::now();
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_LT(HealthSteady::now() - start, std::chrono::milliseconds(1000));
  EXPECT_TRUE(h.probed);
  EXPECT_FALSE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kRefused);
  EXPECT_NE(h.error.find("connect"), std::string::npos) << h.error;  // libcurl's own words
  EXPECT_LE(h.error.size(), 260u);
  EXPECT_EQ(h.status, std::nullopt);
}

TEST(HealthProberTest, AnAnswerSlowerThanTheTimeoutIsDown) {
  HealthGate gate;
  LoopbackServer upstream([&gate](const auto&) {
    gate.Wait();
    return HealthJsonReply(200, kHealthSeed);
  });
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const auto start = HealthSteady::now();
  const UpstreamHealth h = prober.ProbeOnce();
  const auto elapsed = HealthSteady::now() - start;
  gate.Open();
  EXPECT_GE(elapsed, std::chrono::milliseconds(190));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_FALSE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kTimeout);
  EXPECT_NE(h.error.find("timed out"), std::string::npos) << h.error;
  EXPECT_GE(h.probe_seconds, 0.19);
  EXPECT_EQ(upstream.requests().size(), 1u);
}

TEST(HealthProberTest, SqlAlchemyPoolSpellingsAndDerivedCounts) {
  std::string db = R"({"connection_pool":{"size":20,"checked_out":3,"checked_in":17}})";
  LoopbackServer upstream([&db](const LoopbackServer::Received& r) {
    return r.target == "/health" ? HealthJsonReply(200, R"({"status":"ok"})")
                                 : HealthJsonReply(200, db);
  });
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  UpstreamHealth h = prober.ProbeOnce();
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->total, 20);
  EXPECT_EQ(h.pool->active, 3);
  EXPECT_EQ(h.pool->idle, 17);

  db = R"({"pool":{"checkedout":4,"checkedin":6}})";  // total = active + idle
  h = prober.ProbeOnce();
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->total, 10);

  db = R"({"connection_pool":{"total":10.0,"active":7}})";  // idle = total - active
  h = prober.ProbeOnce();
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->idle, 3);

  for (const char* bad :
       {R"({"connection_pool":{"total":10}})", R"({"connection_pool":{"total":2,"active":5}})",
        R"({"connection_pool":{"total":-1,"active":1,"idle":1}})",
        R"({"connection_pool":{"total":"10","active":1,"idle":1}})",
        R"({"connection_pool":{"total":1.5,"active":1,"idle":1}})",
        R"({"connection_pool":[10,2,8]})"}) {
    db = bad;
    EXPECT_FALSE(prober.ProbeOnce().pool.has_value()) << bad;
  }
}

TEST(HealthProberTest, TableStatsShapesAndCap) {
  std::string tables;
  for (int i = 0; i < 150; ++i) {
    char name[16];
    snprintf(name, sizeof(name), "t%03d", i);
    tables += std::string(",\"") + name + "\":" + std::to_string(i);
  }
  const std::string db =
      R"({"table_stats":{"a":{"rows":5},"b":{"row_count":6},"c":{"count":7},"d":-1,"e":"9",)"
      R"("f":2.5,"":1,")" +
      std::string(129, 'x') + R"(":1,"g":null)" + tables + "}}";
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(200, R"({"status":"ok"})"), HealthJsonReply(200, db)));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  // Kept, by name: a, b, then t000..t097 (100 in all); skipped: c (unknown key), d, e, f, g, the
  // empty and the 129-byte names.
  ASSERT_EQ(h.table_rows.size(), 100u);
  EXPECT_EQ(h.table_rows.at("a"), 5);
  EXPECT_EQ(h.table_rows.at("b"), 6);
  EXPECT_EQ(h.table_rows.count("c"), 0u);
  EXPECT_EQ(h.table_rows.count("d"), 0u);
  EXPECT_EQ(h.table_rows.at("t000"), 0);
  EXPECT_EQ(h.table_rows.at("t097"), 97);
  EXPECT_EQ(h.table_rows.count("t098"), 0u);
}

TEST(HealthProberTest, DatabaseFieldsInHealthAndDbReplacingThem) {
  // A service that reports everything on /health; /health/db replaces what it also says.
  LoopbackServer upstream(HealthRoutes(
      HealthJsonReply(200, R"({"status":"healthy","database_connected":true,)"
                           R"("connection_pool":{"total":5,"active":1,"idle":4},)"
                           R"("table_stats":{"x":1}})"),
      HealthJsonReply(200, R"({"database_connected":false,"status":"db-status-ignored"})")));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_EQ(h.status, "healthy");
  EXPECT_EQ(h.database_connected, false);
  ASSERT_TRUE(h.pool.has_value());
  EXPECT_EQ(h.pool->total, 5);
  EXPECT_EQ(h.table_rows.at("x"), 1);
}

TEST(HealthProberTest, AFailingDbProbeLeavesTheServiceUp) {
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(200, kHealthSeed), {500, "Internal Server Error", {}}));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.result, ProbeResult::kOk);
  EXPECT_EQ(h.database_connected, true);
  EXPECT_FALSE(h.pool.has_value());
  EXPECT_TRUE(h.table_rows.empty());
}

TEST(HealthProberTest, GarbageAndWrongTypesAreToleratedAsUnknown) {
  std::string body;
  LoopbackServer upstream([&body](const auto&) { return HealthJsonReply(200, body); });
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), nullptr, clock, nullptr);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& b :
       {std::string("{not json"), std::string("OK"), std::string(""), std::string("[1,2]"),
        std::string(R"("healthy")"), std::string("{\"status\":\"\xff\"}"), deep,
        std::string(R"({"status":3,"database_connected":"yes","redis_connected":1,)"
                    R"("model_loaded":null,"connection_pool":"10","table_stats":[1]})")}) {
    body = b;
    const UpstreamHealth h = prober.ProbeOnce();
    EXPECT_TRUE(h.up) << b.substr(0, 40);
    EXPECT_EQ(h.result, ProbeResult::kOk);
    EXPECT_EQ(h.status, std::nullopt);
    EXPECT_EQ(h.database_connected, std::nullopt);
    EXPECT_EQ(h.redis_connected, std::nullopt);
    EXPECT_EQ(h.model_loaded, std::nullopt);
    EXPECT_FALSE(h.pool.has_value());
    EXPECT_TRUE(h.table_rows.empty());
  }
}

TEST(HealthProberTest, AFieldTheServiceStopsSendingIsUnknownAgain) {
  std::string body = kHealthSeed;
  LoopbackServer upstream([&body](const auto&) { return HealthJsonReply(200, body); });
  FakeClock clock;
  HealthProberOptions options = HealthTestOptions(upstream.url());
  options.db_path = "";
  HealthProber prober(options, nullptr, clock, nullptr);
  EXPECT_EQ(prober.ProbeOnce().model_loaded, true);
  body = R"({"status":"healthy"})";
  clock.Advance(10000);
  const UpstreamHealth h = prober.ProbeOnce();
  EXPECT_EQ(h.model_loaded, std::nullopt);
  EXPECT_EQ(h.last_probe_ms, clock.NowMillis());
  EXPECT_EQ(prober.Current().model_loaded, std::nullopt);
}

TEST(HealthProberTest, TheProberFeedsTheGauges) {
  telemetry::MetricsOptions mo;
  mo.prefix = "iit";
  mo.system_metrics = false;
  telemetry::Metrics metrics(mo);
  HealthGauges gauges(metrics);
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(200, kHealthSeed), HealthJsonReply(200, kHealthSeedDb)));
  FakeClock clock;
  HealthProber prober(HealthTestOptions(upstream.url()), &gauges, clock, nullptr);
  (void)prober.ProbeOnce();
  const std::string text = metrics.Serialize();
  using telemetry_test::Sample;
  EXPECT_EQ(Sample(text, "iit_service_up"), 1);
  EXPECT_EQ(Sample(text, "iit_model_loaded"), 1);
  EXPECT_EQ(Sample(text, "iit_db_table_rows{table=\"patients\"}"), 1500);
  EXPECT_EQ(Sample(text, "modelwatch_proxy_health_probes_total{result=\"ok\"}"), 1);
}

// The real thread: a probe at start, Stop wakes the interval wait at once (interval 60 s).
TEST(HealthProberTest, StartProbesAtOnceAndStopWakesTheWait) {
  LoopbackServer upstream(
      HealthRoutes(HealthJsonReply(200, kHealthSeed), HealthJsonReply(200, kHealthSeedDb)));
  FakeClock clock;
  HealthProberOptions options = HealthTestOptions(upstream.url());
  options.interval_ms = 60000;
  HealthProber prober(options, nullptr, clock, nullptr);
  prober.Start();
  prober.Start();  // no-op
  const auto deadline = HealthSteady::now() + std::chrono::seconds(5);
  while (!prober.Current().probed && HealthSteady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(prober.Current().probed);
  EXPECT_TRUE(prober.Current().up);
  const auto start = HealthSteady::now();
  prober.Stop();
  EXPECT_LT(HealthSteady::now() - start, std::chrono::milliseconds(500));
  prober.Stop();                              // idempotent
  EXPECT_EQ(upstream.requests().size(), 2u);  // one probe: /health and /health/db
}

// Stop during a probe's /health request: the request is not cut short, but it is bounded by
// timeout_ms, so Stop returns within it.
TEST(HealthProberTest, StopWhileAProbeWaitsEndsWithinTheTimeout) {
  HealthGate gate;
  LoopbackServer upstream([&gate](const LoopbackServer::Received& r) {
    if (r.target == "/health") gate.Wait();
    return HealthJsonReply(200, kHealthSeed);
  });
  FakeClock clock;
  HealthProberOptions options = HealthTestOptions(upstream.url());
  options.timeout_ms = 300;
  options.interval_ms = 60000;
  HealthProber prober(options, nullptr, clock, nullptr);
  prober.Start();
  const auto deadline = HealthSteady::now() + std::chrono::seconds(5);
  while (upstream.requests().empty() && HealthSteady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(upstream.requests().size(), 1u);
  const auto start = HealthSteady::now();
  prober.Stop();
  EXPECT_LT(HealthSteady::now() - start, std::chrono::milliseconds(1000));
  gate.Open();
  EXPECT_EQ(prober.Current().result, ProbeResult::kTimeout);
  EXPECT_EQ(upstream.requests().size(), 1u);
}

TEST(HealthProberTest, ResultNames) {
  EXPECT_EQ(ProbeResultName(ProbeResult::kOk), "ok");
  EXPECT_EQ(ProbeResultName(ProbeResult::kHttpError), "http_error");
  EXPECT_EQ(ProbeResultName(ProbeResult::kTimeout), "timeout");
  EXPECT_EQ(ProbeResultName(ProbeResult::kRefused), "refused");
  EXPECT_EQ(ProbeResultName(ProbeResult::kError), "error");
}

}  // namespace
}  // namespace mw::proxy
