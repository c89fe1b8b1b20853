// The built-in engine end to end, against Debian's alertmanager on loopback and a local receiver
// standing in for Slack and PagerDuty: drift injected into a model's traffic makes the engine
// fire; the alert reaches Alertmanager's /api/v2/alerts (with Alertmanager's own fingerprint
// equal to ours) and its webhook; the receiver gets exactly the Slack and PagerDuty payloads; when
// the drifted rows leave the evaluation window the alert resolves everywhere. Then, with the
// receiver down, a new firing is queued, modelwatch restarts, and the notification queued by the
// first process is delivered by the second once the receiver is back.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "alerting/notify_test_listener.h"
#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPagerDutyRoutingKey = "0123456789abcdef0123456789abcdef";
constexpr const char* kExternalUrl = "http://modelwatch.test:8000";

const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string ReferenceCsv() {
  Lcg rng{7};
  std::ostringstream out;
  out.precision(17);
  out << "temp,weekday\n";
  for (int i = 0; i < 600; ++i) out << rng.Normal(20, 3) << "," << kDays[i % 7] << "\n";
  return out.str();
}

// `n` events of restaurant_2 with temperature shifted by `shift`, stamped `age_seconds` ago.
std::string Events(const std::string& id_prefix, int n, double shift, int64_t age_seconds) {
  Lcg rng{11};
  const int64_t ts = std::time(nullptr) - age_seconds;
  json events = json::array();
  for (int i = 0; i < n; ++i) {
    events.push_back(
        {{"id", id_prefix + std::to_string(i)},
         {"model", "demand"},
         {"segment", "restaurant_2"},
         {"timestamp", ts},
         {"features", {{"temp", rng.Normal(20, 3) + shift}, {"weekday", kDays[i % 7]}}},
         {"prediction", 50.0}});
  }
  return json{{"events", events}}.dump();
}

// RFC 3339 with milliseconds ("2026-11-24T00:10:00.123Z") to epoch milliseconds.
int64_t ParseMillis(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  int64_t ms = 0;
  if (in.peek() == '.') {
    in.get();
    std::string digits;
    while (std::isdigit(in.peek())) digits += static_cast<char>(in.get());
    digits = (digits + "000").substr(0, 3);
    ms = std::stoll(digits);
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

// Polls `done` every 100 ms for up to `seconds`.
template <typename Pred>
bool Eventually(Pred done, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

double MetricValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return NAN;
}

class AlertmanagerFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access("/usr/bin/prometheus-alertmanager", X_OK), 0)
        << "Debian's prometheus-alertmanager package is needed (scripts/setup.sh installs it)";
    am_port_ = FreePort();
    ASSERT_NE(am_port_, 0);
    std::ofstream(work_.path() / "alertmanager.yml")
        << "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n"
        << "  group_interval: 1s\n  repeat_interval: 1h\n"
        << "receivers:\n  - name: hook\n    webhook_configs:\n      - url: \""
        << receiver_.url("/am-hook") << "\"\n        send_resolved: true\n";
    fs::create_directories(work_.path() / "am-data");
    alertmanager_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus-alertmanager",
                                 "--config.file=" + (work_.path() / "alertmanager.yml").string(),
                                 "--storage.path=" + (work_.path() / "am-data").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(am_port_),
                                 "--cluster.listen-address="},
        work_.path() / "alertmanager.log");
    HttpClient am("127.0.0.1", am_port_);
    ASSERT_TRUE(
        Eventually([&] { return alertmanager_->exited() || am.Get("/-/ready").status == 200; }, 30))
        << alertmanager_->log();
    ASSERT_FALSE(alertmanager_->exited()) << alertmanager_->log();

    std::ofstream(work_.path() / "rules.yml") << R"(groups:
  - name: drift
    interval: 1s
    rules:
      - alert: ModelDriftDetected
        expr: model_drift_detected == 1
        for: 1s
        labels:
          severity: critical
        annotations:
          summary: 'Drift on {{ $labels.model }}/{{ $labels.segment }}'
          description: 'model_drift_detected is {{ $value }}'
          runbook: 'modelwatch check-drift --model {{ $labels.model }}'
)";
    config_ = (work_.path() / "modelwatch.yaml").string();
    std::ofstream(config_)
        << "quality:\n  evaluation_interval_seconds: 1\n  window_seconds: 60\n"
        << "alerting:\n  rules_file: \"" << (work_.path() / "rules.yml").string() << "\"\n"
        << "  evaluation_interval_seconds: 1\n  external_url: \"" << kExternalUrl << "\"\n"
        << "  channels:\n"
        << "    - {name: slack, type: slack, url: \"" << receiver_.url("/slack") << "\"}\n"
        << "    - {name: pd, type: pagerduty, url: \"" << receiver_.url("/pd")
        << "\", routing_key: \"" << kPagerDutyRoutingKey << "\"}\n"
        << "    - {name: am, type: alertmanager, url: \"http://127.0.0.1:" << am_port_
        << "\", resend_interval: 1s}\n"
        << "  routes:\n"
        << "    - {channels: [slack, pd, am], group_wait: 0s, group_interval: 1s, "
           "repeat_interval: 1h}\n";
    data_dir_ = (work_.path() / "data").string();
  }

  std::unique_ptr<ModelwatchProcess> StartModelwatch() {
    auto server =
        std::make_unique<ModelwatchProcess>(ServerOptions{{"--config", config_}, {}, data_dir_});
    EXPECT_TRUE(server->Start()) << server->output();
    return server;
  }

  // The alert as /v1/alerts shows it once it is in `state` (null after the timeout).
  json WaitForAlert(ModelwatchProcess& server, const std::string& state, int seconds = 30) {
    json found;
    Eventually(
        [&] {
          const json body = json::parse(server.Client().Get("/v1/alerts").body, nullptr, false);
          if (!body.is_object()) return false;
          for (const json& a : body["alerts"]) {
            if (a["state"] == state) {
              found = a;
              return true;
            }
          }
          return false;
        },
        seconds);
    return found;
  }

  std::vector<json> Bodies(const std::string& target) const {
    std::vector<json> out;
    for (const RecordedRequest& r : receiver_.requests()) {
      if (r.target == target) out.push_back(json::parse(r.body, nullptr, false));
    }
    return out;
  }

  // Alertmanager's active alerts.
  json AlertmanagerAlerts() {
    HttpClient am("127.0.0.1", am_port_);
    return json::parse(am.Get("/api/v2/alerts").body, nullptr, false);
  }

  TempDir work_;
  RecordingHttpServer receiver_;
  uint16_t am_port_ = 0;
  std::unique_ptr<ChildProcess> alertmanager_;
  std::string config_, data_dir_;
};

const json kLabels = {{"alertname", "ModelDriftDetected"},
                      {"model", "demand"},
                      {"segment", "restaurant_2"},
                      {"severity", "critical"}};
const json kAnnotations = {{"summary", "Drift on demand/restaurant_2"},
                           {"description", "model_drift_detected is 1"},
                           {"runbook", "modelwatch check-drift --model demand"}};
const std::string kGeneratorUrl =
    std::string(kExternalUrl) + "/v1/alerts?alertname=ModelDriftDetected";

// The Slack message docs/notifications.md specifies for this one alert.
json ExpectedSlack(bool firing, int64_t ts_seconds) {
  json fields = json::array(
      {{{"title", "Model"}, {"value", "demand"}, {"short", true}},
       {{"title", "Segment"}, {"value", "restaurant_2"}, {"short", true}},
       {{"title", "Severity"}, {"value", "critical"}, {"short", true}},
       {{"title", "Value"}, {"value", "1"}, {"short", true}},
       {{"title", "Description"}, {"value", "model_drift_detected is 1"}, {"short", false}},
       {{"title", "Runbook"},
        {"value", "modelwatch check-drift --model demand"},
        {"short", false}}});
  return {{"text", firing ? "[FIRING] ModelDriftDetected" : "[RESOLVED] ModelDriftDetected"},
          {"attachments",
           json::array({{{"color", firing ? "#ff0000" : "#36a64f"},
                         {"title", firing ? "ModelDriftDetected" : "[RESOLVED] ModelDriftDetected"},
                         {"title_link", kGeneratorUrl},
                         {"text", "Drift on demand/restaurant_2"},
                         {"fields", fields},
                         {"footer", "modelwatch"},
                         {"ts", ts_seconds}}})}};
}

TEST_F(AlertmanagerFlowTest, DriftFiresNotifiesResolvesAndSurvivesReceiverOutageAndRestart) {
  auto server = StartModelwatch();
  ASSERT_TRUE(server->running());
  auto client = server->Client();
  ASSERT_EQ(client.Send("PUT", "/v1/models/demand", R"({"task":"regression"})").status, 201);
  auto r = client.Send("PUT", "/v1/models/demand/versions/v1", R"({"segment":"restaurant_2"})");
  ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  r = client.Send("POST", "/v1/models/demand/versions/v1/reference?segment=restaurant_2",
                  ReferenceCsv(), "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;

  // 1. Injected drift: temperature 10 degrees (3 sd) above the reference, stamped 50 s ago so
  //    these rows leave the 60 s window about 10 s from now.
  ASSERT_EQ(client.PostJson("/v1/predictions", Events("hot-", 300, 10, 50)).status, 202);
  const json fired = WaitForAlert(*server, "firing", 9);
  ASSERT_FALSE(fired.is_null()) << client.Get("/v1/alerts").body << client.Get("/metrics").body;
  EXPECT_EQ(fired["labels"], kLabels);
  EXPECT_EQ(fired["annotations"], kAnnotations);
  const std::string fingerprint = fired["fingerprint"];
  const int64_t fired_at = ParseMillis(fired["fired_at"]);

  // Alertmanager has it, under the same fingerprint it computes itself.
  json am_alert;
  ASSERT_TRUE(Eventually(
      [&] {
        const json alerts = AlertmanagerAlerts();
        for (const json& a : alerts) {
          if (a["labels"] == kLabels) am_alert = a;
        }
        return !am_alert.is_null();
      },
      15))
      << AlertmanagerAlerts().dump() << alertmanager_->log();
  EXPECT_EQ(am_alert["fingerprint"], fingerprint);
  EXPECT_EQ(am_alert["annotations"], kAnnotations);
  EXPECT_EQ(am_alert["status"]["state"], "active");
  EXPECT_EQ(am_alert["generatorURL"], kGeneratorUrl);
  EXPECT_EQ(ParseMillis(am_alert["startsAt"]), fired_at);
  // ... and routed it to its own webhook receiver.
  ASSERT_TRUE(Eventually([&] { return !Bodies("/am-hook").empty(); }, 15));
  EXPECT_EQ(Bodies("/am-hook")[0]["status"], "firing");
  EXPECT_EQ(Bodies("/am-hook")[0]["alerts"][0]["fingerprint"], fingerprint);

  // Exactly the Slack and PagerDuty payloads.
  ASSERT_TRUE(Eventually([&] { return !Bodies("/slack").empty() && !Bodies("/pd").empty(); }, 15));
  EXPECT_EQ(Bodies("/slack")[0], ExpectedSlack(true, fired_at / 1000));
  std::string pd_timestamp = fired["fired_at"];
  pd_timestamp.pop_back();  // "Z"
  pd_timestamp += "+0000";
  const json expected_trigger = {
      {"routing_key", kPagerDutyRoutingKey},
      {"event_action", "trigger"},
      {"dedup_key", "modelwatch/" + fingerprint},
      {"payload",
       {{"summary", "Drift on demand/restaurant_2"},
        {"source", "modelwatch"},
        {"severity", "critical"},
        {"timestamp", pd_timestamp},
        {"component", "demand"},
        {"group", "restaurant_2"},
        {"class", "ModelDriftDetected"},
        {"custom_details", {{"value", 1}, {"labels", kLabels}, {"annotations", kAnnotations}}}}},
      {"client", "modelwatch"},
      {"client_url", kGeneratorUrl}};
  EXPECT_EQ(Bodies("/pd")[0], expected_trigger);
  EXPECT_EQ(Bodies("/pd").size(), 1u);  // one trigger, not one per evaluation

  // 2. Drift ends: current rows like the reference, and the drifted ones age out of the window.
  ASSERT_EQ(client.PostJson("/v1/predictions", Events("ok-", 300, 0, 0)).status, 202);
  const json resolved = WaitForAlert(*server, "resolved", 30);
  ASSERT_FALSE(resolved.is_null()) << client.Get("/v1/alerts").body;
  EXPECT_EQ(resolved["fingerprint"], fingerprint);
  const int64_t resolved_at = ParseMillis(resolved["resolved_at"]);
  ASSERT_TRUE(Eventually(
      [&] {
        const auto slack = Bodies("/slack");
        const auto pd = Bodies("/pd");
        return !slack.empty() && slack.back()["text"] == "[RESOLVED] ModelDriftDetected" &&
               pd.size() == 2;
      },
      15))
      << receiver_.count();
  EXPECT_EQ(Bodies("/slack").back(), ExpectedSlack(false, resolved_at / 1000));
  EXPECT_EQ(Bodies("/pd")[1], (json{{"routing_key", kPagerDutyRoutingKey},
                                    {"event_action", "resolve"},
                                    {"dedup_key", "modelwatch/" + fingerprint}}));
  // Alertmanager got the endsAt: the alert is no longer active there, and its webhook resolved.
  ASSERT_TRUE(Eventually(
      [&] {
        for (const json& a : AlertmanagerAlerts()) {
          if (a["labels"] == kLabels) return false;
        }
        return true;
      },
      15))
      << AlertmanagerAlerts().dump();
  ASSERT_TRUE(Eventually([&] { return Bodies("/am-hook").back()["status"] == "resolved"; }, 15));
  const json history =
      json::parse(client.Get("/v1/alerts/history?alertname=ModelDriftDetected").body);
  ASSERT_EQ(history["history"].size(), 3u) << history.dump();
  EXPECT_EQ(history["history"][0]["state"], "resolved");
  EXPECT_EQ(history["history"][1]["state"], "firing");
  EXPECT_EQ(history["history"][2]["state"], "pending");

  // 3. Receivers down: the next firing is queued, not lost.
  receiver_.SetDefault({503, "down", {}});
  const size_t slack_before = Bodies("/slack").size();
  ASSERT_EQ(client.PostJson("/v1/predictions", Events("hot2-", 900, 10, 20)).status, 202);
  const json fired_again = WaitForAlert(*server, "firing", 20);
  ASSERT_FALSE(fired_again.is_null()) << client.Get("/v1/alerts").body;
  const int64_t fired_again_at = ParseMillis(fired_again["fired_at"]);
  EXPECT_GT(fired_again_at, resolved_at);
  const std::string queued = R"(modelwatch_notifications_queued{channel="slack"})";
  ASSERT_TRUE(Eventually(
      [&] {
        const std::string text = server->Client().Get("/metrics").body;
        return MetricValue(text, queued) == 1 &&
               MetricValue(
                   text,
                   R"(modelwatch_notification_retries_total{channel="slack",reason="http_503"})") >=
                   1;
      },
      15))
      << server->Client().Get("/metrics").body;

  // modelwatch restarts while the receiver is still down: the first process's notification is
  // still queued in the second, beside the second's own firing message for the same alert.
  EXPECT_EQ(server->Terminate(), 0);
  server = StartModelwatch();
  ASSERT_TRUE(server->running());
  ASSERT_TRUE(Eventually(
      [&] { return MetricValue(server->Client().Get("/metrics").body, queued) == 2; }, 15))
      << server->Client().Get("/metrics").body;
  const json after_restart = WaitForAlert(*server, "firing", 5);
  EXPECT_EQ(after_restart["fired_at"], fired_again["fired_at"]);  // the same alert

  // The receiver returns: both are delivered, in order, and the queue drains. (The receiver
  // records refused attempts too: count only what arrives after it is back.)
  const std::string sent = R"(modelwatch_notifications_sent_total{channel="slack"})";
  receiver_.SetDefault({200, "ok", {}});
  const size_t slack_back = Bodies("/slack").size();
  ASSERT_TRUE(Eventually(
      [&] {
        const std::string text = server->Client().Get("/metrics").body;
        return MetricValue(text, queued) == 0 && MetricValue(text, sent) >= 2;
      },
      60))
      << server->Client().Get("/metrics").body;
  const auto slack = Bodies("/slack");
  ASSERT_GE(slack.size(), slack_back + 2);
  EXPECT_EQ(slack[slack_back], ExpectedSlack(true, fired_again_at / 1000));  // the 1st process's
  EXPECT_EQ(slack[slack_back + 1], ExpectedSlack(true, fired_again_at / 1000));  // the 2nd's
  EXPECT_GT(slack_back, slack_before);  // attempts were refused while it was down
}

}  // namespace
}  // namespace mw::testing
