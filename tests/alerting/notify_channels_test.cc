// How a queued payload reaches each channel type's receiver, over loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerting/notify/channels.h"
#include "alerting/notify/render.h"
#include "alerting/notify_test_listener.h"

namespace mw::alerting {
namespace {

using nlohmann::json;
using Outcome = DeliveryResult::Outcome;
using testing::FakeSmtpServer;
using testing::RecordingHttpServer;

config::Config::AlertChannel Http(std::string name, std::string type, std::string url) {
  config::Config::AlertChannel c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.url = std::move(url);
  c.timeout_ms = 5000;
  return c;
}

AlertEvent Alert() {
  AlertEvent a;
  a.alertname = "ServiceDown";
  a.labels = {{"alertname", "ServiceDown"}, {"severity", "critical"}};
  a.annotations = {{"summary", "modelwatch is down"}};
  a.starts_at_ms = 1735725600000;
  return a;
}

TEST(ChannelsTest, SlackAndWebhookGetThePayloadAsItIs) {
  RecordingHttpServer receiver;
  SystemClock clock;
  Channels channels({Http("slack", "slack", receiver.url("/services/T/B/X")),
                     Http("hook", "webhook", receiver.url("/hook?team=ml"))},
                    clock);
  EXPECT_TRUE(channels.Deliver("slack", "{\"text\":\"a\"}").delivered());
  EXPECT_TRUE(channels.Deliver("hook", "{\"version\":\"4\"}").delivered());
  const auto r = receiver.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].target, "/services/T/B/X");
  EXPECT_EQ(r[0].body, "{\"text\":\"a\"}");
  EXPECT_EQ(r[1].target, "/hook?team=ml");
  EXPECT_EQ(r[1].body, "{\"version\":\"4\"}");
}

TEST(ChannelsTest, AlertmanagerGetsTheAlertsEndpointOfItsBaseUrl) {
  RecordingHttpServer receiver;
  SystemClock clock;
  Channels channels({Http("am", "alertmanager", receiver.url("/prefix/"))}, clock);
  EXPECT_TRUE(channels.Deliver("am", "[]").delivered());
  ASSERT_EQ(receiver.count(), 1u);
  EXPECT_EQ(receiver.requests()[0].method, "POST");
  EXPECT_EQ(receiver.requests()[0].target, "/prefix/api/v2/alerts");
  EXPECT_EQ(AlertmanagerAlertsUrl("http://am:9093"), "http://am:9093/api/v2/alerts");
}

TEST(ChannelsTest, PagerDutyRoutingKeyIsAddedAtDelivery) {
  RecordingHttpServer receiver;
  receiver.SetDefault({202, R"({"status":"success","message":"Event processed"})", {}});
  SystemClock clock;
  config::Config::AlertChannel pd = Http("pd", "pagerduty", receiver.url("/v2/enqueue"));
  pd.routing_key = "0123456789abcdef0123456789abcdef";
  Channels channels({pd}, clock);
  const std::string queued = RenderPagerDuty(Alert(), "modelwatch");
  ASSERT_TRUE(channels.Deliver("pd", queued).delivered());
  const auto r = receiver.requests();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].target, "/v2/enqueue");
  const auto sent = nlohmann::ordered_json::parse(r[0].body);
  EXPECT_EQ(sent.begin().key(), "routing_key");
  EXPECT_EQ(sent["routing_key"], pd.routing_key);
  EXPECT_EQ(sent["event_action"], "trigger");
  EXPECT_EQ(sent["dedup_key"], "modelwatch/" + Alert().Fingerprint());
  EXPECT_EQ(sent["payload"]["summary"], "modelwatch is down");
  EXPECT_EQ(channels.Deliver("pd", "not json").reason, "invalid_payload");
}

TEST(ChannelsTest, EmailGoesOverSmtp) {
  FakeSmtpServer server;
  SystemClock clock;
  config::Config::AlertChannel mail;
  mail.name = "mail";
  mail.type = "email";
  mail.smtp_url = server.url();
  mail.from = "mw@example.com";
  mail.to = {"ml@example.com"};
  mail.timeout_ms = 5000;
  Channels channels({mail}, clock);
  GroupNotification n;
  n.receiver = "mail";
  n.alerts = {Alert()};
  const std::string message = RenderEmail(n, {mail.from, mail.to, clock.NowMillis(), ""});
  ASSERT_TRUE(channels.Deliver("mail", message).delivered());
  const auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].rcpt_to, std::vector<std::string>{"<ml@example.com>"});
  EXPECT_EQ(sessions[0].data, message);
}

TEST(ChannelsTest, UnknownChannelIsAPermanentFailure) {
  SystemClock clock;
  Channels channels({}, clock);
  const DeliveryResult r = channels.Deliver("gone", "{}");
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, "unknown_channel");
  EXPECT_EQ(channels.Find("gone"), nullptr);
}

}  // namespace
}  // namespace mw::alerting
