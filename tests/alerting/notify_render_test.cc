// The exact payloads of every receiver type, field by field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "alerting/notify/render.h"

namespace mw::alerting {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kStart = 1735725600000;  // 2025-01-01T10:00:00Z

AlertEvent Drift(std::string severity = "critical", std::string model = "churn") {
  AlertEvent a;
  a.alertname = "ModelDriftHigh";
  a.labels = {{"alertname", "ModelDriftHigh"}, {"severity", severity}, {"model", model}};
  a.annotations = {{"summary", "Drift on " + model}, {"description", "PSI 0.41 > 0.2"}};
  a.starts_at_ms = kStart;
  a.value = 0.41;
  a.generator_url = "http://modelwatch:8000/v1/alerts?alertname=ModelDriftHigh";
  return a;
}

AlertEvent Resolved(AlertEvent a, int64_t at) {
  a.state = AlertEvent::State::kResolved;
  a.ends_at_ms = at;
  return a;
}

GroupNotification Group(std::vector<AlertEvent> alerts) {
  GroupNotification n;
  n.receiver = "team-ml";
  n.group_key = "{}:{alertname=\"ModelDriftHigh\"}";
  n.group_labels = {{"alertname", "ModelDriftHigh"}};
  n.alerts = std::move(alerts);
  return n;
}

TEST(FingerprintTest, MatchesPrometheusLabelSignatures) {
  // Known answers from Prometheus' model/signature_test.go (LabelsToSignature).
  EXPECT_EQ(LabelsFingerprint({}), "cbf29ce484222325");  // 14695981039346656037
  EXPECT_EQ(LabelsFingerprint({{"name", "garland, briggs"}, {"fear", "love is not enough"}}),
            "507a62d79ee76c9a");  // 5799056148416392346
  AlertEvent a = Drift();
  EXPECT_EQ(a.Fingerprint(), LabelsFingerprint(a.labels));
  AlertEvent other = a;
  other.labels["model"] = "risk";
  EXPECT_NE(a.Fingerprint(), other.Fingerprint());
  other.annotations.clear();  // annotations and values are not identity
  other.value = 7;
  other.labels["model"] = "churn";
  EXPECT_EQ(a.Fingerprint(), other.Fingerprint());
}

TEST(FormatAlertTimeTest, WritesTheFractionOnlyWhenThereIsOne) {
  EXPECT_EQ(FormatAlertTime(kStart), "2025-01-01T10:00:00Z");
  EXPECT_EQ(FormatAlertTime(kStart + 250), "2025-01-01T10:00:00.25Z");
  EXPECT_EQ(FormatAlertTime(kStart + 7), "2025-01-01T10:00:00.007Z");
}

TEST(SlackTest, FiringMessageHasTheConventionsShape) {
  const json body = json::parse(RenderSlack(Group({Drift()})));
  ASSERT_EQ(body.size(), 2u) << body;
  EXPECT_EQ(body["text"], "[FIRING] ModelDriftHigh");
  ASSERT_EQ(body["attachments"].size(), 1u);
  const json& a = body["attachments"][0];
  EXPECT_EQ(a["color"], "#ff0000");
  EXPECT_EQ(a["title"], "ModelDriftHigh");
  EXPECT_EQ(a["title_link"], "http://modelwatch:8000/v1/alerts?alertname=ModelDriftHigh");
  EXPECT_EQ(a["text"], "Drift on churn");
  EXPECT_EQ(a["footer"], "modelwatch");
  EXPECT_EQ(a["ts"], 1735725600);
  EXPECT_TRUE(a["ts"].is_number_integer());
  const json expected_fields = json::array({
      {{"title", "Model"}, {"value", "churn"}, {"short", true}},
      {{"title", "Severity"}, {"value", "critical"}, {"short", true}},
      {{"title", "Value"}, {"value", "0.41"}, {"short", true}},
      {{"title", "Description"}, {"value", "PSI 0.41 &gt; 0.2"}, {"short", false}},
  });
  EXPECT_EQ(a["fields"], expected_fields);
}

// Slack reads "<url|text>" as a link and "<!channel>" as a mention: a model name from an ingest
// client (a label value, and the annotations expanded from it) must reach Slack as text. Every
// text field escapes '&', '<' and '>' as &amp;, &lt; and &gt; (Slack's formatting rules);
// title_link, a URL modelwatch builds, is left alone.
TEST(SlackTest, TextFromLabelsCannotInjectLinksOrMentions) {
  const std::string model = "<https://evil.example|click here> & <!channel>";
  AlertEvent a = Drift("critical", model);
  a.alertname = "Drift<x>";
  a.labels["alertname"] = "Drift<x>";
  a.annotations["runbook"] = "https://runbooks.example/drift?a=1&b=2";
  GroupNotification n = Group({a});
  const std::string payload = RenderSlack(n);
  const std::string escaped = "&lt;https://evil.example|click here&gt; &amp; &lt;!channel&gt;";
  const std::string expected =
      R"({"text":"[FIRING] Drift&lt;x&gt;","attachments":[{"color":"#ff0000",)"
      R"("title":"Drift&lt;x&gt;",)"
      R"("title_link":"http://modelwatch:8000/v1/alerts?alertname=ModelDriftHigh",)"
      R"("text":"Drift on )" +
      escaped + R"(","fields":[{"title":"Model","value":")" + escaped +
      R"(","short":true},)"
      R"({"title":"Severity","value":"critical","short":true},)"
      R"({"title":"Value","value":"0.41","short":true},)"
      R"({"title":"Description","value":"PSI 0.41 &gt; 0.2","short":false},)"
      R"({"title":"Runbook","value":"https://runbooks.example/drift?a=1&amp;b=2","short":false}],)"
      R"("footer":"modelwatch","ts":1735725600}]})";
  EXPECT_EQ(payload, expected);
  EXPECT_THAT(payload, Not(HasSubstr("<")));
}

TEST(SlackTest, InvalidUtf8InALabelIsReplacedNotThrown) {
  std::string payload;
  EXPECT_NO_THROW(payload = RenderSlack(Group({Drift("critical", "bad\xff")})));
  EXPECT_THAT(payload, HasSubstr("bad\ufffd"));
  EXPECT_NO_THROW((void)RenderWebhook(Group({Drift("critical", "bad\xff")}), ""));
  EXPECT_NO_THROW((void)RenderPagerDuty(Drift("critical", "bad\xff"), "src"));
}

TEST(SlackTest, ColourFollowsSeverity) {
  for (const auto& [severity, colour] : std::vector<std::pair<std::string, std::string>>{
           {"info", "#36a64f"}, {"warning", "#ff9900"}, {"critical", "#ff0000"}}) {
    const json body = json::parse(RenderSlack(Group({Drift(severity)})));
    EXPECT_EQ(body["attachments"][0]["color"], colour) << severity;
  }
}

TEST(SlackTest, ResolvedMessageSaysResolvedInGreen) {
  const int64_t end = kStart + 600000;
  const json body = json::parse(RenderSlack(Group({Resolved(Drift("critical"), end)})));
  EXPECT_EQ(body["text"], "[RESOLVED] ModelDriftHigh");
  const json& a = body["attachments"][0];
  EXPECT_EQ(a["color"], "#36a64f");
  EXPECT_EQ(a["title"], "[RESOLVED] ModelDriftHigh");
  EXPECT_EQ(a["ts"], end / 1000);
}

TEST(SlackTest, GroupsCountFiringAlertsAndCapTheAttachments) {
  std::vector<AlertEvent> alerts;
  for (int i = 0; i < 25; ++i) alerts.push_back(Drift("warning", "m" + std::to_string(i)));
  const json body = json::parse(RenderSlack(Group(alerts)));
  EXPECT_EQ(body["text"], "[FIRING:25] ModelDriftHigh");
  ASSERT_EQ(body["attachments"].size(), kMaxAlertsShown + 1);
  EXPECT_EQ(body["attachments"].back()["text"], "and 5 more alerts not shown");
  AlertEvent other = Drift();
  other.alertname = "LatencyHigh";
  EXPECT_EQ(Group({Drift(), other}).Title(), "[FIRING:2] 2 alerts");
}

TEST(WebhookTest, IsAlertmanagersVersion4Message) {
  AlertEvent a = Drift("critical", "churn");
  AlertEvent b = Resolved(Drift("critical", "risk"), kStart + 90500);
  b.annotations["summary"] = "Drift on risk";
  const json body = json::parse(RenderWebhook(Group({a, b}), "http://modelwatch:8000"));
  const std::vector<std::string> keys = {
      "version",     "groupKey",     "truncatedAlerts",   "status",      "receiver",
      "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"};
  const auto ordered =
      nlohmann::ordered_json::parse(RenderWebhook(Group({a, b}), "http://modelwatch:8000"));
  std::vector<std::string> got;
  for (const auto& [k, _] : ordered.items()) got.push_back(k);
  EXPECT_EQ(got, keys);
  EXPECT_EQ(body["version"], "4");
  EXPECT_EQ(body["groupKey"], "{}:{alertname=\"ModelDriftHigh\"}");
  EXPECT_EQ(body["truncatedAlerts"], 0);
  EXPECT_EQ(body["status"], "firing");  // one alert still fires
  EXPECT_EQ(body["receiver"], "team-ml");
  EXPECT_EQ(body["groupLabels"], json({{"alertname", "ModelDriftHigh"}}));
  EXPECT_EQ(body["commonLabels"],
            json({{"alertname", "ModelDriftHigh"}, {"severity", "critical"}}));
  EXPECT_EQ(body["commonAnnotations"], json({{"description", "PSI 0.41 > 0.2"}}));
  EXPECT_EQ(body["externalURL"], "http://modelwatch:8000");
  ASSERT_EQ(body["alerts"].size(), 2u);
  const json& fa = body["alerts"][0];
  EXPECT_EQ(fa["status"], "firing");
  EXPECT_EQ(fa["labels"], json(a.labels));
  EXPECT_EQ(fa["annotations"], json(a.annotations));
  EXPECT_EQ(fa["startsAt"], "2025-01-01T10:00:00Z");
  EXPECT_EQ(fa["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(fa["generatorURL"], a.generator_url);
  EXPECT_EQ(fa["fingerprint"], a.Fingerprint());
  const json& ra = body["alerts"][1];
  EXPECT_EQ(ra["status"], "resolved");
  EXPECT_EQ(ra["endsAt"], "2025-01-01T10:01:30.5Z");

  const json resolved = json::parse(RenderWebhook(Group({Resolved(a, kStart + 1000), b}), ""));
  EXPECT_EQ(resolved["status"], "resolved");
  EXPECT_EQ(resolved["externalURL"], "");
}

TEST(AlertmanagerTest, FiringAlertsExpireUnlessResentResolvedOnesEndInThePast) {
  const int64_t now = kStart + 120000;
  AlertEvent firing = Drift();
  AlertEvent resolved = Resolved(Drift("warning", "risk"), now - 1000);
  resolved.generator_url.clear();
  const json body = json::parse(RenderAlertmanager(std::vector{firing, resolved}, now, 240000));
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["labels"], json(firing.labels));
  EXPECT_EQ(body[0]["annotations"], json(firing.annotations));
  EXPECT_EQ(body[0]["startsAt"], "2025-01-01T10:00:00Z");
  EXPECT_EQ(body[0]["endsAt"], "2025-01-01T10:06:00Z");  // now + 4 min
  EXPECT_EQ(body[0]["generatorURL"], firing.generator_url);
  EXPECT_EQ(body[1]["endsAt"], "2025-01-01T10:01:59Z");  // <= now
  EXPECT_FALSE(body[1].contains("generatorURL"));        // empty: left out (it must be a URI)
  EXPECT_EQ(body[0].size(), 5u);
}

TEST(PagerDutyTest, TriggerCarriesThePayloadAndResolveOnlyTheKey) {
  AlertEvent a = Drift("critical", "churn");
  a.labels["segment"] = "eu";
  const json trigger = json::parse(RenderPagerDuty(a, "modelwatch-prod"));
  EXPECT_FALSE(trigger.contains("routing_key"));  // added at delivery, never queued
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["dedup_key"], "modelwatch/" + a.Fingerprint());
  EXPECT_EQ(trigger["client"], "modelwatch");
  EXPECT_EQ(trigger["client_url"], a.generator_url);
  const json& p = trigger["payload"];
  EXPECT_EQ(p["summary"], "Drift on churn");
  EXPECT_EQ(p["source"], "modelwatch-prod");
  EXPECT_EQ(p["severity"], "critical");
  EXPECT_EQ(p["timestamp"], "2025-01-01T10:00:00.000+0000");
  EXPECT_EQ(p["component"], "churn");
  EXPECT_EQ(p["group"], "eu");
  EXPECT_EQ(p["class"], "ModelDriftHigh");
  EXPECT_DOUBLE_EQ(p["custom_details"]["value"].get<double>(), 0.41);
  EXPECT_EQ(p["custom_details"]["labels"], json(a.labels));

  const json resolve = json::parse(RenderPagerDuty(Resolved(a, kStart + 5000), "x"));
  EXPECT_EQ(resolve, json({{"event_action", "resolve"}, {"dedup_key", trigger["dedup_key"]}}));

  EXPECT_EQ(PagerDutySeverity("info"), "info");
  EXPECT_EQ(PagerDutySeverity("warning"), "warning");
  EXPECT_EQ(PagerDutySeverity("page-me"), "warning");
}

// payload.group is the configured segment label (metrics.segment_label), not a literal "segment".
TEST(PagerDutyTest, GroupIsTheConfiguredSegmentLabel) {
  AlertEvent a = Drift();
  a.labels["restaurant_id"] = "restaurant_17";
  a.labels["segment"] = "not-the-segment-label";
  const json custom = json::parse(RenderPagerDuty(a, "s", "restaurant_id"));
  EXPECT_EQ(custom["payload"]["group"], "restaurant_17");
  EXPECT_EQ(custom["payload"]["component"], "churn");
  const json by_default = json::parse(RenderPagerDuty(a, "s"));
  EXPECT_EQ(by_default["payload"]["group"], "not-the-segment-label");
  a.labels.erase("restaurant_id");
  EXPECT_FALSE(json::parse(RenderPagerDuty(a, "s", "restaurant_id"))["payload"].contains("group"));
}

TEST(PagerDutyTest, SummaryIsCutAt1024BytesOnACharacterBoundary) {
  AlertEvent a = Drift();
  a.annotations["summary"] = std::string(1023, 'x') + "\xC3\xA9 tail";  // 'é' straddles 1024
  const json trigger = json::parse(RenderPagerDuty(a, "s"));
  EXPECT_EQ(trigger["payload"]["summary"].get<std::string>(), std::string(1023, 'x'));
}

TEST(EmailTest, PlainTextMessageWithHeaders) {
  GroupNotification n = Group({Drift(), Drift("critical", "risk")});
  const std::string m =
      RenderEmail(n, {"mw@example.com", {"a@example.com", "b@example.com"}, kStart, "http://mw"});
  const size_t split = m.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  const std::string head = m.substr(0, split), body = m.substr(split + 4);
  EXPECT_THAT(head, HasSubstr("From: mw@example.com\r\n"));
  EXPECT_THAT(head, HasSubstr("To: a@example.com, b@example.com\r\n"));
  EXPECT_THAT(head, HasSubstr("Subject: [FIRING:2] ModelDriftHigh\r\n"));
  EXPECT_THAT(head, HasSubstr("Date: Wed, 01 Jan 2025 10:00:00 +0000\r\n"));
  EXPECT_THAT(head, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(head, HasSubstr("MIME-Version: 1.0\r\n"));
  EXPECT_THAT(head, HasSubstr("Message-ID: <"));
  EXPECT_THAT(body, HasSubstr("[FIRING] ModelDriftHigh\r\n  Summary: Drift on churn\r\n"));
  EXPECT_THAT(body, HasSubstr("  Summary: Drift on risk\r\n"));
  EXPECT_THAT(body, HasSubstr("  Value: 0.41\r\n"));
  EXPECT_THAT(body, HasSubstr("  Started: 2025-01-01T10:00:00Z\r\n"));
  EXPECT_THAT(body, HasSubstr("modelwatch http://mw\r\n"));
  // No bare LF anywhere: SMTP needs CRLF.
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_TRUE(i > 0 && m[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST(EmailTest, SubjectCannotInjectHeadersAndNonAsciiIsEncoded) {
  AlertEvent a = Drift();
  a.alertname = "Drift\r\nBcc: victim@example.com";
  a.annotations["description"] = "line one\nline two";
  std::string m = RenderEmail(Group({a}), {"mw@example.com", {"a@example.com"}, kStart, ""});
  const std::string head = m.substr(0, m.find("\r\n\r\n"));
  EXPECT_THAT(head, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(m, HasSubstr("  Description: line one\r\nline two\r\n"));

  a.alertname = "Dérive";
  m = RenderEmail(Group({a}), {"mw@example.com", {"a@example.com"}, kStart, ""});
  // base64("[FIRING] Dérive")
  EXPECT_THAT(m, HasSubstr("Subject: =?UTF-8?B?W0ZJUklOR10gRMOpcml2ZQ==?=\r\n"));
}

}  // namespace
}  // namespace mw::alerting
