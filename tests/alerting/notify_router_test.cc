// Routing, grouping and timing of notifications, with a FakeClock and a recording queue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerting/notify/render.h"
#include "alerting/notify/router.h"

namespace mw::alerting::notify_router_test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;

class RecordingQueue final : public NotificationQueue {
 public:
  struct Item {
    std::string channel, payload, supersede_key;
  };
  Status Enqueue(std::string_view channel, std::string_view payload,
                 std::string_view supersede_key) override {
    items.push_back({std::string(channel), std::string(payload), std::string(supersede_key)});
    return Status::Ok();
  }
  // Returns and forgets what was queued for `channel`.
  std::vector<Item> Take(const std::string& channel) {
    std::vector<Item> out, rest;
    for (Item& i : items) (i.channel == channel ? out : rest).push_back(std::move(i));
    items = std::move(rest);
    return out;
  }
  std::vector<Item> items;
};

config::Config::AlertChannel Channel(std::string name, std::string type) {
  config::Config::AlertChannel c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.url = "http://127.0.0.1:1/";
  if (c.type == "pagerduty") c.routing_key = "key";
  if (c.type == "email") {
    c.smtp_url = "smtp://127.0.0.1:1";
    c.from = "mw@example.com";
    c.to = {"ml@example.com"};
  }
  return c;
}

class RouterTest : public ::testing::Test {
 protected:
  AlertEvent Firing(std::string alertname, std::string severity, std::string model) {
    AlertEvent a;
    a.alertname = alertname;
    a.labels = {{"alertname", alertname}, {"severity", severity}, {"model", model}};
    a.annotations = {{"summary", alertname + " on " + model}};
    a.starts_at_ms = clock_.NowMillis();
    a.value = 1;
    return a;
  }
  AlertEvent Resolve(AlertEvent a) {
    a.state = AlertEvent::State::kResolved;
    a.ends_at_ms = clock_.NowMillis();
    return a;
  }
  // Advances in one-second ticks, as the router's thread would.
  void Run(int64_t ms, NotificationRouter& router) {
    for (int64_t t = 0; t < ms; t += kSecond) {
      clock_.Advance(kSecond);
      router.Tick();
    }
  }

  FakeClock clock_{1735725600000};
  RecordingQueue queue_;
};

TEST_F(RouterTest, WithoutRoutesEveryAlertGoesToEveryChannel) {
  config::Config::Alerting config;
  config.channels = {Channel("slack", "slack"), Channel("pd", "pagerduty")};
  NotificationRouter router(config, queue_, clock_);
  EXPECT_EQ(router.ChannelsFor({{"severity", "info"}}), (std::vector<std::string>{"slack", "pd"}));
}

TEST_F(RouterTest, FirstMatchingRouteWinsUnlessItContinues) {
  config::Config::Alerting config;
  config.channels = {Channel("pd", "pagerduty"), Channel("slack", "slack"),
                     Channel("mail", "email"), Channel("hook", "webhook")};
  config::Config::AlertRoute critical;
  critical.severity = {"critical"};
  critical.channels = {"pd"};
  critical.continue_matching = true;
  config::Config::AlertRoute models;
  models.match_re = {{"model", "churn|risk"}};
  models.channels = {"slack", "mail"};
  config::Config::AlertRoute team;
  team.match = {{"team", "ml"}};
  team.channels = {"hook"};
  config.routes = {critical, models, team};
  NotificationRouter router(config, queue_, clock_);
  EXPECT_EQ(router.ChannelsFor({{"severity", "critical"}, {"model", "churn"}}),
            (std::vector<std::string>{"pd", "slack", "mail"}));
  EXPECT_EQ(router.ChannelsFor({{"severity", "warning"}, {"model", "churn"}, {"team", "ml"}}),
            (std::vector<std::string>{"slack", "mail"}));  // no continue on the model route
  EXPECT_EQ(router.ChannelsFor({{"severity", "warning"}, {"model", "churner"}, {"team", "ml"}}),
            (std::vector<std::string>{"hook"}));  // regexes match the whole value
  EXPECT_TRUE(router.ChannelsFor({{"severity", "info"}}).empty());
}

TEST_F(RouterTest, AGroupIsNotifiedOnceAfterGroupWaitWithAllItsAlerts) {
  config::Config::Alerting config;
  config.channels = {Channel("slack", "slack")};
  NotificationRouter router(config, queue_, clock_);  // defaults: group_wait 30s, by alertname
  router.OnAlert(Firing("ModelDriftHigh", "warning", "churn"));
  Run(10 * kSecond, router);
  router.OnAlert(Firing("ModelDriftHigh", "critical", "risk"));
  router.OnAlert(Firing("LatencyHigh", "warning", "api"));  // another group
  Run(19 * kSecond, router);
  EXPECT_TRUE(queue_.items.empty());  // 29 s: still waiting
  Run(1 * kSecond, router);
  auto sent = queue_.Take("slack");
  ASSERT_EQ(sent.size(), 1u);
  const json body = json::parse(sent[0].payload);
  EXPECT_EQ(body["text"], "[FIRING:2] ModelDriftHigh");
  ASSERT_EQ(body["attachments"].size(), 2u);
  EXPECT_EQ(body["attachments"][0]["color"], "#ff9900");  // churn started first
  EXPECT_EQ(body["attachments"][1]["color"], "#ff0000");
  EXPECT_EQ(sent[0].supersede_key, "");
  Run(10 * kSecond, router);  // the LatencyHigh group started 10 s later
  sent = queue_.Take("slack");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].payload)["text"], "[FIRING] LatencyHigh");
}

TEST_F(RouterTest, NewAlertsAreSentAtTheNextGroupIntervalAndStillFiringAfterRepeatInterval) {
  config::Config::Alerting config;
  config.channels = {Channel("hook", "webhook")};
  config::Config::AlertRoute route;
  route.channels = {"hook"};
  route.group_wait_ms = 0;
  route.group_interval_ms = 5 * kMinute;
  route.repeat_interval_ms = kHour;
  config.routes = {route};
  RouterOptions options;
  options.external_url = "http://mw:8000";
  NotificationRouter router(config, queue_, clock_, options);
  router.OnAlert(Firing("ModelDriftHigh", "warning", "churn"));
  router.Tick();
  auto sent = queue_.Take("hook");
  ASSERT_EQ(sent.size(), 1u);
  json body = json::parse(sent[0].payload);
  EXPECT_EQ(body["groupKey"], "{}/{}:{alertname=\"ModelDriftHigh\"}");
  EXPECT_EQ(body["externalURL"], "http://mw:8000");
  EXPECT_EQ(body["alerts"].size(), 1u);

  Run(1 * kMinute, router);
  router.OnAlert(Firing("ModelDriftHigh", "warning", "risk"));
  router.OnAlert(Firing("ModelDriftHigh", "warning", "churn"));  // re-reported: no change
  Run(3 * kMinute, router);
  EXPECT_TRUE(queue_.Take("hook").empty());  // joined, but the interval has not passed
  Run(1 * kMinute, router);
  sent = queue_.Take("hook");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].payload)["alerts"].size(), 2u);

  Run(50 * kMinute, router);
  EXPECT_TRUE(queue_.Take("hook").empty());  // nothing changed, repeat not reached
  Run(10 * kMinute, router);                 // 60 min after the last one, at an interval boundary
  sent = queue_.Take("hook");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].payload)["status"], "firing");
}

TEST_F(RouterTest, OneResolvedMessageWhenTheWholeGroupResolved) {
  config::Config::Alerting config;
  config.channels = {Channel("slack", "slack"), Channel("quiet", "webhook")};
  config.channels[1].send_resolved = false;
  config::Config::AlertRoute route;
  route.channels = {"slack", "quiet"};
  route.group_wait_ms = 0;
  route.group_interval_ms = kMinute;
  config.routes = {route};
  NotificationRouter router(config, queue_, clock_);
  AlertEvent churn = Firing("ModelDriftHigh", "critical", "churn");
  AlertEvent risk = Firing("ModelDriftHigh", "warning", "risk");
  router.OnAlert(churn);
  router.OnAlert(risk);
  router.Tick();
  ASSERT_EQ(queue_.Take("slack").size(), 1u);
  ASSERT_EQ(queue_.Take("quiet").size(), 1u);
  Run(10 * kSecond, router);
  router.OnAlert(Resolve(churn));
  Run(kMinute, router);
  EXPECT_TRUE(queue_.items.empty());  // risk still fires: nothing to say yet
  router.OnAlert(Resolve(risk));
  Run(kMinute, router);
  auto sent = queue_.Take("slack");
  ASSERT_EQ(sent.size(), 1u);
  const json body = json::parse(sent[0].payload);
  EXPECT_EQ(body["text"], "[RESOLVED:2] ModelDriftHigh");
  EXPECT_EQ(body["attachments"][0]["color"], "#36a64f");
  EXPECT_TRUE(queue_.Take("quiet").empty());  // send_resolved: false
  Run(10 * kMinute, router);
  EXPECT_TRUE(queue_.items.empty());  // the group is gone
}

TEST_F(RouterTest, AlertsResolvedBeforeTheFirstNotificationSendNothing) {
  config::Config::Alerting config;
  config.channels = {Channel("slack", "slack")};
  NotificationRouter router(config, queue_, clock_);
  AlertEvent a = Firing("Flapping", "warning", "churn");
  router.OnAlert(a);
  Run(10 * kSecond, router);
  router.OnAlert(Resolve(a));
  Run(5 * kMinute, router);
  EXPECT_TRUE(queue_.items.empty());
  router.OnAlert(Resolve(Firing("Unknown", "warning", "x")));  // never seen firing
  Run(5 * kMinute, router);
  EXPECT_TRUE(queue_.items.empty());
}

TEST_F(RouterTest, EmailGroupsRenderAsMessages) {
  config::Config::Alerting config;
  config.channels = {Channel("mail", "email")};
  config.external_url = "http://mw";
  RouterOptions options;
  options.external_url = "http://mw";
  NotificationRouter router(config, queue_, clock_, options);
  router.OnAlert(Firing("ModelAucLow", "critical", "risk"));
  Run(30 * kSecond, router);
  auto sent = queue_.Take("mail");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_THAT(sent[0].payload, HasSubstr("Subject: [FIRING] ModelAucLow\r\n"));
  EXPECT_THAT(sent[0].payload, HasSubstr("To: ml@example.com\r\n"));
  EXPECT_THAT(sent[0].payload, HasSubstr("modelwatch http://mw\r\n"));
}

TEST_F(RouterTest, AlertmanagerGetsEveryAlertAtOnceThenEveryResendInterval) {
  config::Config::Alerting config;
  config.channels = {Channel("am", "alertmanager")};
  config.channels[0].resend_interval_ms = kMinute;
  RouterOptions options;
  options.evaluation_interval_ms = 15 * kSecond;
  NotificationRouter router(config, queue_, clock_, options);
  AlertEvent a = Firing("ModelDriftHigh", "critical", "churn");
  router.OnAlert(a);
  router.Tick();
  auto sent = queue_.Take("am");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].supersede_key, "alertmanager-state");
  json body = json::parse(sent[0].payload);
  ASSERT_EQ(body.size(), 1u);
  // endsAt = now + 4 × max(15 s, 1 min)
  EXPECT_EQ(body[0]["endsAt"], FormatAlertTime(clock_.NowMillis() + 4 * kMinute));
  EXPECT_EQ(body[0]["startsAt"], FormatAlertTime(a.starts_at_ms));

  Run(59 * kSecond, router);
  EXPECT_TRUE(queue_.Take("am").empty());
  Run(kSecond, router);
  sent = queue_.Take("am");
  ASSERT_EQ(sent.size(), 1u);  // the resend, with a fresh endsAt
  EXPECT_EQ(json::parse(sent[0].payload)[0]["endsAt"],
            FormatAlertTime(clock_.NowMillis() + 4 * kMinute));

  Run(20 * kSecond, router);
  const AlertEvent resolved = Resolve(a);
  router.OnAlert(resolved);
  router.Tick();
  sent = queue_.Take("am");
  ASSERT_EQ(sent.size(), 1u);  // at once, not at the next resend
  body = json::parse(sent[0].payload);
  EXPECT_EQ(body[0]["endsAt"], FormatAlertTime(resolved.ends_at_ms));  // <= now

  // Re-sent every minute for 15 minutes after resolving, then dropped.
  int resends = 0;
  for (int i = 0; i < 20 * 60; ++i) {
    Run(kSecond, router);
    for (const auto& item : queue_.Take("am")) {
      ++resends;
      EXPECT_EQ(json::parse(item.payload)[0]["endsAt"], FormatAlertTime(resolved.ends_at_ms));
    }
  }
  EXPECT_EQ(resends, 15);
}

TEST_F(RouterTest, PagerDutyTriggersOnceAndResolvesWithTheSameDedupKey) {
  config::Config::Alerting config;
  config.channels = {Channel("pd", "pagerduty")};
  config.channels[0].source = "mw-prod";
  NotificationRouter router(config, queue_, clock_);
  AlertEvent a = Firing("ServiceDown", "critical", "api");
  router.OnAlert(a);
  router.OnAlert(a);  // still firing at the next evaluation
  Run(10 * kMinute, router);
  router.OnAlert(Resolve(a));
  const auto sent = queue_.Take("pd");
  ASSERT_EQ(sent.size(), 2u);
  const json trigger = json::parse(sent[0].payload), resolve = json::parse(sent[1].payload);
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["payload"]["source"], "mw-prod");
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(trigger["dedup_key"], "modelwatch/" + a.Fingerprint());
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);
  router.OnAlert(Resolve(a));  // a second resolve is not sent again
  EXPECT_TRUE(queue_.Take("pd").empty());
}

TEST_F(RouterTest, QueueFailuresAreReported) {
  class FailingQueue final : public NotificationQueue {
   public:
    Status Enqueue(std::string_view, std::string_view, std::string_view) override {
      return Unavailable("disk full");
    }
  } failing;
  config::Config::Alerting config;
  config.channels = {Channel("pd", "pagerduty")};
  std::vector<std::string> errors;
  RouterOptions options;
  options.on_error = [&errors](const Status& s) { errors.push_back(s.message()); };
  NotificationRouter router(config, failing, clock_, options);
  router.OnAlert(Firing("ServiceDown", "critical", "api"));
  EXPECT_EQ(errors, std::vector<std::string>{"disk full"});
}

}  // namespace
}  // namespace mw::alerting::notify_router_test
