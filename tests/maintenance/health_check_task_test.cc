// health-check: real loopback listeners and a closed port; results as metrics.
#include "maintenance/health_check_task.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "housekeeping_test_util.h"
#include "testing/loopback_server.h"

namespace mw::maintenance {
namespace {

double Gauge(prometheus::Registry& registry, const std::string& name, const std::string& check) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      if (check.empty() || (!m.label.empty() && m.label[0].value == check)) return m.gauge.value;
    }
  }
  return -1;
}

// A port that was free a moment ago: bound, then closed.
int ClosedPort() {
  auto server = std::make_unique<::mw::testing::LoopbackServer>(
      [](const ::mw::testing::LoopbackServer::Received&) {
        return ::mw::testing::LoopbackServer::Reply{};
      });
  const int port = server->port();
  server.reset();
  return port;
}

TEST(HealthUrlTest, HostAndPortOfEveryKindOfUrl) {
  EXPECT_EQ(UrlHostPort("https://hooks.slack.com/services/T/B/x")->port, 443);
  EXPECT_EQ(UrlHostPort("https://hooks.slack.com/services/T/B/x")->host, "hooks.slack.com");
  EXPECT_EQ(UrlHostPort("http://127.0.0.1:9093/api")->port, 9093);
  EXPECT_EQ(UrlHostPort("smtp://mail:2525")->host, "mail");
  EXPECT_EQ(UrlHostPort("smtps://mail")->port, 465);
  EXPECT_EQ(UrlHostPort("redis://user:pw@cache:6380/2")->host, "cache");
  EXPECT_EQ(UrlHostPort("redis://user:pw@cache:6380/2")->port, 6380);
  EXPECT_EQ(UrlHostPort("http://[::1]:8080/x")->host, "::1");
  EXPECT_EQ(UrlHostPort("unix:///run/redis.sock")->port, 0);
  EXPECT_FALSE(UrlHostPort("ftp://x").has_value());
  EXPECT_FALSE(UrlHostPort("http://host:99999").has_value());
}

TEST_F(HousekeepingTest, HealthCheckReportsAClosedPortAsFailingAndTheRestOk) {
  ::mw::testing::LoopbackServer receiver([](const ::mw::testing::LoopbackServer::Received&) {
    return ::mw::testing::LoopbackServer::Reply{};
  });
  prometheus::Registry registry;
  HealthCheckOptions o;
  o.data_dir = dir_.string();
  o.endpoints = {{"channel:ops", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"},
                 {"channel:mail", "smtp://127.0.0.1:" + std::to_string(ClosedPort())}};
  o.connect_timeout_ms = 1000;
  HealthCheckTask task(*store_, registry, o);
  auto ctx = Context(false);
  auto run = task.Run(ctx);
  ASSERT_FALSE(run.has_value());
  EXPECT_NE(run.error().message().find("1 of 5 checks failing: channel:mail"), std::string::npos)
      << run.error().message();
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_status", "channel:ops"), 1);
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_status", "channel:mail"), 0);
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_status", "store"), 1);
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_status", "disk"), 1);
  EXPECT_GT(Gauge(registry, "modelwatch_health_check_disk_free_bytes", ""), 0);
  EXPECT_GT(Gauge(registry, "modelwatch_health_check_memory_rss_bytes", ""), 0);
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_last_run_timestamp_seconds", ""),
            clock_.NowMillis() / 1000.0);
  EXPECT_TRUE(receiver.requests().empty());  // connected, never sent anything
}

TEST_F(HousekeepingTest, HealthCheckFailsTheDiskUnderItsMinimum) {
  prometheus::Registry registry;
  HealthCheckOptions o;
  o.data_dir = dir_.string();
  o.min_free_bytes = int64_t{1} << 62;
  HealthCheckTask task(*store_, registry, o);
  auto ctx = Context(false);
  auto run = task.Run(ctx);
  ASSERT_FALSE(run.has_value());
  EXPECT_NE(run.error().message().find("disk"), std::string::npos);
  EXPECT_EQ(Gauge(registry, "modelwatch_health_check_status", "disk"), 0);
}

}  // namespace
}  // namespace mw::maintenance
