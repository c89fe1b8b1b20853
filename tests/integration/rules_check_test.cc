// `modelwatch rules check` and `modelwatch rules signals` against the real binary: the shipped
// default rules pass, a broken file exits 2 with every problem as file:line: reason on stderr
// (nothing on stdout), the configured segment label is honoured, and every series the signal
// catalog reads is really exported by a live server.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Runs `modelwatch rules ARGS` with stdout and stderr kept apart (the harness merges them).
struct Split {
  int exit_code;
  std::string out, err;
};
Split RunRules(const std::string& args, const TempDir& dir) {
  const std::string out = (dir.path() / "stdout").string(), err = (dir.path() / "stderr").string();
  const CommandResult r = RunCommand(
      {"/bin/sh", "-c", Quote(ModelwatchBinary()) + " rules " + args + " >" + out + " 2>" + err});
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  return {r.exit_code, slurp(out), slurp(err)};
}

TEST(RulesCheckTest, TheDefaultRulesAreValid) {
  TempDir dir;
  const std::string file = SourceDir() + "/config/rules/default.yml";
  const Split r = RunRules("check " + Quote(file), dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, file + ": OK, 4 groups, 30 rules\n");
  EXPECT_EQ(r.err, "");
  // Also for a deployment with another segment label (the rules say "segment").
  const Split iit =
      RunRules("check " + Quote(file) + " --set metrics.segment_label=restaurant_id", dir);
  EXPECT_EQ(iit.exit_code, 0) << iit.err;
}

TEST(RulesCheckTest, EveryProblemGoesToStderrWithItsLine) {
  TempDir dir;
  const std::string file = dir.Write("broken.yml", R"(groups:
  - name: api
    interval: 30 s
    rules:
      - alert: HighErrorRate
        expr: eror_rate[5m] > 0.05
        for: 5 min
        labels:
          severity: page
        annotations:
          summary: 'Error rate {{ $value | humanizePercentage }}'
          description: d
)");
  const Split r = RunRules("check " + Quote(file), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      file + ":3: interval: bad duration \"30 s\" (one number and a unit: 30s, 5m, 1h, 1d)\n" +
          file + ":6: expr: column 1: unknown signal \"eror_rate\" (did you mean error_rate?)\n" +
          file + ":7: for: bad duration \"5 min\" (one number and a unit: 30s, 5m, 1h, 1d)\n" +
          file + ":9: severity must be info, warning or critical, not \"page\"\n" + file +
          ": 4 problems\n");
}

TEST(RulesCheckTest, TheConfiguredSegmentLabelIsUsed) {
  TempDir dir;
  const std::string file = dir.Write("iit.yml", R"(groups:
  - name: models
    rules:
      - alert: ModelAucLow
        expr: model_auc{restaurant_id="r1"} < 0.75
        labels: {severity: warning}
        annotations: {summary: AUC low, description: d}
      - alert: ModelMaeHigh
        expr: model_mae > 10
        labels: {severity: warning}
        annotations:
          summary: MAE high
          description: 'restaurant {{ $labels.restaurant_id }}'
)");
  const Split ok =
      RunRules("check " + Quote(file) + " --set metrics.segment_label=restaurant_id", dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, file + ": OK, 1 group, 2 rules\n");
  const Split bad = RunRules("check " + Quote(file), dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(file + ":5: expr: column 11: model_auc has no label \"restaurant_id\""),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find(file + ":13: annotations.description: $labels.restaurant_id: the "
                                "condition's series have no label \"restaurant_id\" (their labels: "
                                "model, segment)"),
            std::string::npos)
      << bad.err;
}

TEST(RulesCheckTest, MaintenanceSignalsHaveDataNow) {
  TempDir dir;
  const std::string file = dir.Write("m.yml", R"(groups:
  - name: maintenance
    rules:
      - alert: MaintenanceFailed
        expr: maintenance_failed > 0
        labels: {severity: warning}
        annotations: {summary: 'Task {{ $labels.task }} failed', description: d}
)");
  const Split r = RunRules("check " + Quote(file), dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("no data yet"), std::string::npos) << r.out;
}

TEST(RulesCheckTest, UnreadableFilesAndBadUsage) {
  TempDir dir;
  const Split missing = RunRules("check /nonexistent/rules.yml", dir);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "modelwatch: /nonexistent/rules.yml: no such file\n");
  EXPECT_EQ(RunRules("check", dir).exit_code, 2);
  EXPECT_EQ(RunRules("", dir).exit_code, 2);
}

// --- The catalog against a live server -------------------------------------------------------

std::string ReferenceCsv(bool classifier) {
  std::ostringstream out;
  out << "temp,weekday,prediction,actual\n";
  const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 200; ++i) {
    out << 10 + (i * 7) % 20 << "," << days[i % 7] << "," << (classifier ? (i % 10) / 10.0 : 50.0)
        << "," << (classifier ? i % 2 : 51) << "\n";
  }
  return out.str();
}

// Rows with actuals: the regressor is off by exactly 2, the classifier ranks most pairs right.
std::string Events(const std::string& model, bool classifier) {
  json events = json::array();
  const char* days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 200; ++i) {
    const int label = i % 2;
    const double prediction = classifier ? (label ? 0.55 : 0.35) + (i % 5) * 0.05 : 40.0 + i % 13;
    const double actual = classifier ? label : prediction + (i % 2 ? 2 : -2);
    events.push_back({{"id", model + "-" + std::to_string(i)},
                      {"model", model},
                      {"segment", "s1"},
                      {"features", {{"temp", 25 + (i * 7) % 20}, {"weekday", days[i % 7]}}},
                      {"prediction", prediction},
                      {"latency_ms", 20 + i % 30},  // P_prediction_duration_seconds
                      {"actual", actual}});
  }
  return json{{"events", events}}.dump();
}

// Issue 17, defect 8: 5,000 nested parentheses crashed `rules check` and `serve` (SIGSEGV in the
// recursive parser), and a chain of 4,000 "+" took 45 s. Both are problems of their rule now:
// exit 2 naming the file, the line and the limit.
TEST(RulesCheckTest, DeeplyNestedConditionsAreAProblemOfTheirLineNotACrash) {
  TempDir dir;
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string nested = repeat("(", 5000) + "error_rate[5m]" + repeat(")", 5000) + " > 0.05";
  const std::string chain = "error_rate[5m]" + repeat(" + error_rate[5m]", 3999) + " > 0.05";
  const std::string file = dir.Write("deep.yml", R"(groups:
  - name: api
    rules:
      - alert: Nested
        expr: ")" + nested + R"("
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: Chain
        expr: ")" + chain + R"("
        labels: {severity: warning}
        annotations: {summary: s, description: d}
)");
  const std::string too_deep =
      "the condition nests too deeply (more than 64 levels of parentheses and operators)";
  const Split r = RunRules("check " + Quote(file), dir);
  EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 2000);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, file + ":5: expr: column 65: " + too_deep + "\n" + file +
                       ":9: expr: column 1104: " + too_deep + "\n" + file + ": 2 problems\n");

  // serve refuses to start on the same file, with the same lines.
  const CommandResult serve =
      RunCommand({ModelwatchBinary(), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                  (dir.path() / "data").string(), "--set", "alerting.rules_file=" + file});
  EXPECT_EQ(serve.exit_code, 2) << serve.output.substr(0, 2000);
  EXPECT_NE(serve.output.find(file + ":5: expr: column 65: " + too_deep), std::string::npos)
      << serve.output.substr(0, 2000);
  EXPECT_NE(serve.output.find(file + ":9: expr: column 1104: " + too_deep), std::string::npos);
}

TEST(RulesCheckTest, EverySeriesTheCatalogReadsIsExported) {
  TempDir dir;
  const Split listed = RunRules("signals --json", dir);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json catalog = json::parse(listed.out);
  ASSERT_GT(catalog.size(), 30u);

  ModelwatchProcess server(
      ServerOptions{{"--set", "quality.evaluation_interval_seconds=1"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  const struct {
    const char* name;
    const char* task;
    json metrics;
    bool classifier;
  } models[] = {
      {"demand", "regression", {{"mae", 1.5}, {"rmse", 2}, {"mape", 0.1}, {"r2", 0.8}}, false},
      {"churn",
       "binary_classification",
       {{"auc", 0.9},
        {"average_precision", 0.8},
        {"accuracy", 0.8},
        {"f1", 0.7},
        {"log_loss", 0.4},
        {"brier", 0.1}},
       true}};
  for (const auto& m : models) {
    const std::string base = std::string("/v1/models/") + m.name;
    auto r = client.Send("PUT", base, json{{"task", m.task}}.dump());
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
    r = client.Send("PUT", base + "/versions/v1",
                    json{{"segment", "s1"}, {"metrics", m.metrics}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    r = client.Send("POST", base + "/versions/v1/reference?segment=s1", ReferenceCsv(m.classifier),
                    "text/csv");
    ASSERT_EQ(r.status, 200) << r.body;
    r = client.PostJson("/v1/predictions", Events(m.name, m.classifier));
    ASSERT_EQ(r.status, 202) << r.body;
  }
  EXPECT_EQ(client.Get("/v1/no-such-route").status, 404);  // modelwatch_http_errors_total
  EXPECT_EQ(client.PostJson("/v1/predictions", "{").status,
            400);  // modelwatch_ingest_rejected_total

  // `up` is Prometheus' own series of each scrape target, not one modelwatch exports.
  // modelwatch_background_errors_total has a series only once a background pass failed.
  // The maintenance gauges have series per task: last_run_failed once a task ran, the period and
  // the time since success for the scheduled tasks this build has.
  const std::set<std::string> not_here = {
      "up", "modelwatch_background_errors_total", "modelwatch_maintenance_last_run_failed",
      "modelwatch_maintenance_seconds_since_success", "modelwatch_maintenance_period_seconds"};
  // The watched API, its response cache and its health, and the capture's drops, come from the
  // proxy (P_api_*, P_cache_*, P_service_up, ...), which this server runs without: modelwatch's
  // own API server must not export them (its requests are modelwatch_http_*).
  const std::set<std::string> proxys = {"ml_api_requests_total",
                                        "ml_api_errors_total",
                                        "ml_api_request_duration_seconds_bucket",
                                        "ml_api_requests_in_flight",
                                        "ml_cache_hits_total",
                                        "ml_cache_misses_total",
                                        "ml_service_up",
                                        "ml_database_connected",
                                        "ml_redis_connected",
                                        "ml_model_loaded",
                                        "modelwatch_proxy_capture_dropped_total"};
  std::string text;
  std::vector<std::string> missing;
  std::vector<std::string> unexpected;
  // The evaluator runs every second; the profile-cache gauges (modelwatch_profile_cache_loaded)
  // are refreshed every 10 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    text = client.Get("/metrics").body;
    missing.clear();
    unexpected.clear();
    for (const json& signal : catalog) {
      if (!signal["available"].get<bool>()) continue;
      for (const json& series : signal["series"]) {
        const std::string name = series.get<std::string>();
        if (not_here.count(name)) continue;
        const bool sampled = text.find("\n" + name + "{") != std::string::npos ||
                             text.find("\n" + name + " ") != std::string::npos;
        if (proxys.count(name) != 0) {
          // Not registered either: no sample and no # TYPE line.
          if (sampled || text.find("# TYPE " + name + " ") != std::string::npos) {
            unexpected.push_back(signal["name"].get<std::string>() + ": " + name);
          }
        } else if (!sampled) {
          missing.push_back(signal["name"].get<std::string>() + ": " + name);
        }
      }
    }
    if (missing.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string list;
  for (const std::string& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << "series the catalog reads but /metrics lacks:" << list;
  list.clear();
  for (const std::string& u : unexpected) list += "\n  " + u;
  EXPECT_TRUE(unexpected.empty()) << "the proxy's series exported without a proxy:" << list;
  EXPECT_EQ(text.find("\nml_api_"), std::string::npos);
}

}  // namespace
}  // namespace mw::testing
