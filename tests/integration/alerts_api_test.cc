// The built-in rule engine through the real binary: the shipped rules compiled in and healthy, a
// bad rules file refused at start-up (exit 2, file:line: reason), an alert firing on live host
// metrics with its gauge, /v1/alerts, /v1/alerts/history and /v1/rules, the same alert (not a new
// one) after a restart, query errors as problem+json, and the engine turned off.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

json GetJson(ModelwatchProcess& server, const std::string& target, int expect_status = 200) {
  HttpResult r = server.Client().Get(target);
  EXPECT_EQ(r.status, expect_status) << target << ": " << r.body;
  return json::parse(r.body, nullptr, false);
}

// Polls `target` until `done` holds (at most 20 s); returns the last body.
template <typename Pred>
json WaitFor(ModelwatchProcess& server, const std::string& target, Pred done) {
  json body;
  for (int i = 0; i < 200; ++i) {
    body = GetJson(server, target);
    if (done(body)) return body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "timed out waiting on " << target << ": " << body.dump();
  return body;
}

TEST(AlertsApiTest, ShippedRulesAreBuiltInAndHealthy) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const json rules = WaitFor(server, "/v1/rules", [](const json& b) {
    for (const json& g : b["groups"]) {
      for (const json& r : g["rules"]) {
        if (r["health"] != "ok") return false;
      }
    }
    return true;
  });
  ASSERT_EQ(rules["groups"].size(), 4u) << rules.dump();
  size_t count = 0;
  for (const json& g : rules["groups"]) count += g["rules"].size();
  EXPECT_EQ(count, 30u);
  const std::string metrics = server.Client().Get("/metrics").body;
  for (const char* group : {"service_api", "service_host", "service_models", "modelwatch_self"}) {
    EXPECT_NE(metrics.find(std::string("modelwatch_alert_rules{group=\"") + group + "\"}"),
              std::string::npos)
        << group << "\n"
        << metrics.substr(0, 2000);
  }
}

TEST(AlertsApiTest, ABadRulesFileStopsStartUpWithItsLine) {
  TempDir dir;
  const std::string rules = dir.Write("rules.yml", R"(groups:
  - name: g
    rules:
      - alert: X
        expr: eror_rate[5m] > 0.05
        labels: {severity: critical}
        annotations: {summary: s, description: d}
)");
  const CommandResult r =
      RunCommand({ModelwatchBinary(), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                  (dir.path() / "data").string(), "--set", "alerting.rules_file=" + rules});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("alerting.rules_file"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(rules + ":5: expr: column 1: unknown signal \"eror_rate\""),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("listening"), std::string::npos) << r.output;
}

TEST(AlertsApiTest, AnAlertFiresIsListedAndSurvivesARestart) {
  TempDir dir;
  // Host memory in use is always above zero: fires at the first evaluation (for 0).
  const std::string rules = dir.Write("rules.yml", R"(groups:
  - name: host
    interval: 1s
    rules:
      - alert: MemoryInUse
        expr: memory_usage_ratio > 0
        labels: {severity: info, team: ops}
        annotations:
          summary: 'memory {{ $value | humanizePercentage }}'
          description: host memory in use
      - alert: NeverFires
        expr: memory_usage_ratio > 2
        for: 1m
        labels: {severity: critical}
        annotations: {summary: s, description: d}
)");
  ServerOptions o;
  o.data_dir = (dir.path() / "data").string();
  o.args = {"--set", "alerting.rules_file=" + rules};
  json first;
  {
    ModelwatchProcess server(o);
    ASSERT_TRUE(server.Start()) << server.output();
    first = WaitFor(server, "/v1/alerts", [](const json& b) { return b["alerts"].size() == 1; });
    ASSERT_EQ(first["alerts"].size(), 1u);
    const json& a = first["alerts"][0];
    EXPECT_EQ(a["state"], "firing");
    EXPECT_EQ(a["labels"],
              (json{{"alertname", "MemoryInUse"}, {"severity", "info"}, {"team", "ops"}}));
    EXPECT_EQ(a["group"], "host");
    EXPECT_GT(a["value"].get<double>(), 0);
    EXPECT_LE(a["value"].get<double>(), 1);
    EXPECT_EQ(a["annotations"]["description"], "host memory in use");
    EXPECT_NE(a["annotations"]["summary"].get<std::string>().find('%'), std::string::npos);
    EXPECT_EQ(a["active_at"], a["fired_at"]);
    EXPECT_TRUE(a["resolved_at"].is_null());
    EXPECT_EQ(a["fingerprint"].get<std::string>().size(), 16u);

    const std::string metrics = server.Client().Get("/metrics").body;
    EXPECT_NE(metrics.find("ml_alerts{alertname=\"MemoryInUse\",alertstate=\"firing\",severity="
                           "\"info\",team=\"ops\"} 1"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("modelwatch_alert_rules{group=\"host\"} 2"), std::string::npos);

    const json firing = GetJson(server, "/v1/alerts?state=firing&alertname=MemoryInUse");
    EXPECT_EQ(firing["alerts"].size(), 1u);
    EXPECT_EQ(GetJson(server, "/v1/alerts?state=pending")["alerts"].size(), 0u);
    const json history = GetJson(server, "/v1/alerts/history?alertname=MemoryInUse");
    ASSERT_EQ(history["history"].size(), 1u) << history.dump();
    EXPECT_EQ(history["history"][0]["state"], "firing");
    EXPECT_EQ(history["history"][0]["fingerprint"], a["fingerprint"]);

    const json rules_status = GetJson(server, "/v1/rules");
    const json& r0 = rules_status["groups"][0]["rules"][0];
    EXPECT_EQ(r0["alert"], "MemoryInUse");
    EXPECT_EQ(r0["health"], "ok");
    EXPECT_EQ(r0["firing"], 1);

    // Query errors name the parameter.
    HttpResult bad = server.Client().Get("/v1/alerts/history?limit=0&state=burning");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.headers["content-type"], "application/problem+json");
    EXPECT_NE(bad.body.find("/query/limit"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find("/query/state"), std::string::npos) << bad.body;
    EXPECT_EQ(server.Terminate(), 0);
  }
  // Restarted on the same data: the same alert, still firing since the same time, and no second
  // "firing" transition.
  ModelwatchProcess again(o);
  ASSERT_TRUE(again.Start()) << again.output();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // two evaluations
  const json after = GetJson(again, "/v1/alerts");
  ASSERT_EQ(after["alerts"].size(), 1u) << after.dump();
  EXPECT_EQ(after["alerts"][0]["fired_at"], first["alerts"][0]["fired_at"]);
  EXPECT_EQ(after["alerts"][0]["fingerprint"], first["alerts"][0]["fingerprint"]);
  const json history = GetJson(again, "/v1/alerts/history");
  EXPECT_EQ(history["history"].size(), 1u) << history.dump();
}

TEST(AlertsApiTest, TurnedOffTheRoutesAnswer404) {
  ServerOptions o;
  o.args = {"--set", "alerting.enabled=false"};
  ModelwatchProcess server(o);
  ASSERT_TRUE(server.Start()) << server.output();
  HttpResult r = server.Client().Get("/v1/alerts");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("alerting.enabled"), std::string::npos) << r.body;
  EXPECT_EQ(server.Client().Get("/v1/rules").status, 404);
  EXPECT_EQ(server.Client().Get("/metrics").body.find("modelwatch_alert_rules"), std::string::npos);
}

}  // namespace
}  // namespace mw::testing
