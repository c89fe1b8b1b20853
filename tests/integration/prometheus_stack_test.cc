// The exported monitoring configuration against the real thing: a live modelwatch fed by
// `modelwatch simulate` (with drift, so the quality gauges exist), Debian's `prometheus` started
// on loopback with the generated prometheus.yml (1 s scrapes) and rules, and then every query of
// every panel of every generated Grafana dashboard sent to Prometheus' HTTP API, the way Grafana
// sends it with "All" selected: each must return at least one series. The exported rules must
// load, and each rule's PromQL must evaluate without error on the live data.
//
// modelwatch runs as the sidecar proxy in front of the real FastAPI + scikit-learn prediction
// service (tests/integration/upstream/prediction_service.py), with capture and a response cache,
// and traffic goes through it (answers, upstream errors, cache hits, a batch), so the queries over
// the watched API (P_api_*, P_cache_*, its health and database gauges, prediction latency) and
// over the proxy's own families (modelwatch_proxy_*) must return series too.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "export/grafana_queries.h"
#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The instant-query answer, or a json object with "error" set.
json Query(HttpClient& prometheus, const std::string& promql) {
  const HttpResult r = prometheus.Get("/api/v1/query?query=" + UrlEncode(promql));
  if (!r.error.empty()) return json{{"error", r.error}};
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded())
    return json{{"error", "HTTP " + std::to_string(r.status) + ": " + r.body}};
  return body;
}

size_t SeriesCount(const json& answer) {
  if (answer.value("status", "") != "success") return 0;
  const json& data = answer["data"];
  if (data.value("resultType", "") == "scalar") return 1;
  return data["result"].size();
}

json LoadJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

// Polls `done` every 200 ms until it holds or `seconds` pass.
template <typename F>
bool WaitFor(double seconds, F done) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

TEST(PrometheusStackTest, EveryDashboardQueryReturnsSeriesFromALiveModelwatch) {
  ASSERT_EQ(::access("/usr/bin/prometheus", X_OK), 0) << "Debian's prometheus package is needed";
  TempDir work;

  // 1. The prediction service, and modelwatch in front of it as its proxy, evaluating quality
  //    every second, fed with drifting traffic.
  PredictionService service;
  ASSERT_TRUE(service.Start()) << service.output();
  ModelwatchProcess server(ServerOptions{
      {"--set", "quality.evaluation_interval_seconds=1", "--set", "proxy.upstream=" + service.url(),
       "--set", "proxy.listen=127.0.0.1:0", "--set", "proxy.health_interval=1s", "--set",
       "proxy.health_timeout=500ms", "--set",
       "proxy.routes=[{path: \"/predict/{restaurant_id}\", methods: [POST], cache: {ttl: 300s}, "
       "capture: {model: demand_forecast, segment: {path: restaurant_id}, features: {request: "
       "/features}, prediction: {response: /prediction}}}, {path: /predict/batch, methods: "
       "[POST], capture: {model: demand_forecast, segment: {request: /restaurant_id}, features: "
       "{request: /instances/*}, prediction: {response: /predictions/*}}}]"},
      {},
      ""});
  ASSERT_TRUE(server.Start()) << server.output();
  // The watched API's traffic through the proxy: answers, upstream errors (5xx), repeated bodies
  // (cache hits), a batch, and an unknown path.
  HttpClient through = server.ProxyClient();
  for (int i = 0; i < 40; ++i) {
    const std::string body = R"({"features":{"temp":)" + std::to_string(10 + i % 8) +
                             R"(,"weekday":"fri","promo":true,"lag_7":40}})";
    const std::string restaurant = "/predict/" + std::to_string(1 + i % 2);
    ASSERT_EQ(through.PostJson(restaurant, body).status, 200);
    if (i % 10 == 0) {
      through.Send("POST", restaurant, body + " ", "application/json", {{"X-Test-Status", "500"}});
    }
  }
  ASSERT_EQ(through
                .PostJson("/predict/batch",
                          R"({"restaurant_id":"1","instances":[{"temp":20},{"temp":25}]})")
                .status,
            200);
  EXPECT_EQ(through.Get("/nope").status, 404);
  const std::string target = "127.0.0.1:" + std::to_string(server.port());
  const CommandResult fed = RunCommand({ModelwatchBinary(), "simulate",
                                        "--target",         "http://" + target,
                                        "--events",         "3000",
                                        "--rate",           "0",
                                        "--restaurants",    "2",
                                        "--span",           "2h",
                                        "--reference-rows", "400",
                                        "--actual-delay",   "0",
                                        "--drift",          "concept,feature_shift",
                                        "--drift-at",       "0.5",
                                        "--quiet",          "--json"});
  ASSERT_EQ(fed.exit_code, 0) << fed.output;

  // The evaluator's gauges (performance, drift, risk bands) are there before Prometheus starts.
  auto client = server.Client();
  ASSERT_TRUE(WaitFor(30, [&] {
    const std::string m = client.Get("/metrics").body;
    for (const char* family :
         {"ml_model_mae{", "ml_model_auc_score{", "ml_feature_psi{", "ml_predictions_risk_band{",
          "ml_model_training_mae{", "ml_service_up ", "ml_db_table_rows{"}) {
      if (m.find(family) == std::string::npos) return false;
    }
    return true;
  })) << client.Get("/metrics").body;

  // 2. The exports, pointing at this modelwatch; without --rules, the rules are the ones built
  //    into the binary (config/rules/default.yml), the same the built-in engine evaluates.
  const fs::path prom_dir = work.path() / "prometheus", grafana_dir = work.path() / "grafana";
  const CommandResult prom_export =
      RunCommand({ModelwatchBinary(), "export", "prometheus", "--out", prom_dir.string(),
                  "--modelwatch-target", target, "--scrape-interval", "1s"});
  ASSERT_EQ(prom_export.exit_code, 0) << prom_export.output;
  const CommandResult grafana_export =
      RunCommand({ModelwatchBinary(), "export", "grafana", "--out", grafana_dir.string()});
  ASSERT_EQ(grafana_export.exit_code, 0) << grafana_export.output;

  // 3. Debian's Prometheus on a free loopback port with the generated configuration.
  const uint16_t port = FreePort();
  ASSERT_NE(port, 0);
  ChildProcess prometheus(
      {"/usr/bin/prometheus", "--config.file=" + (prom_dir / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (work.path() / "tsdb").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
      work.path() / "prometheus.log");
  HttpClient api("127.0.0.1", port);
  // Two scrapes at least (three samples of up), and modelwatch up.
  ASSERT_TRUE(WaitFor(40, [&] {
    if (prometheus.exited()) return true;
    const json a = Query(api, R"(count_over_time(up{job="modelwatch"}[1m]) >= 3 and up == 1)");
    return SeriesCount(a) >= 1;
  })) << prometheus.log();
  ASSERT_FALSE(prometheus.exited()) << prometheus.log();

  // 4. Every panel query of every dashboard, as Grafana sends it with "All" selected.
  size_t queries = 0;
  std::vector<std::string> empty;
  for (const auto& entry : fs::directory_iterator(grafana_dir / "dashboards")) {
    const json dashboard = LoadJson(entry.path());
    ASSERT_TRUE(dashboard.is_object()) << entry.path();
    for (const PanelQuery& q : InterpolatedPanelQueries(dashboard, AllSelectedGrafanaVariables())) {
      ++queries;
      const json answer = Query(api, q.expr);
      EXPECT_EQ(answer.value("status", ""), "success") << q.expr << " -> " << answer.dump();
      if (SeriesCount(answer) == 0) {
        empty.push_back(q.dashboard + " / " + q.panel + " / " + q.ref_id + ": " + q.expr + " -> " +
                        answer.dump());
      }
    }
    // Template variables: label_values(selector, label) has values.
    for (const json& v : dashboard["templating"]["list"]) {
      const std::string query = InterpolateGrafana(v["query"], AllSelectedGrafanaVariables());
      const size_t open = query.find('('), comma = query.rfind(',');
      ASSERT_NE(comma, std::string::npos) << query;
      const std::string selector = query.substr(open + 1, comma - open - 1);
      std::string label = query.substr(comma + 1);
      label = label.substr(label.find_first_not_of(' '));
      label.pop_back();  // ')'
      const HttpResult r =
          api.Get("/api/v1/label/" + label + "/values?match[]=" + UrlEncode(selector));
      const json values = json::parse(r.body, nullptr, false);
      ASSERT_FALSE(values.is_discarded()) << r.body;
      EXPECT_FALSE(values["data"].empty()) << "$" << v["name"] << ": " << query << " -> " << r.body;
      if (v["name"] == "model") {
        const std::set<std::string> models(values["data"].begin(), values["data"].end());
        EXPECT_TRUE(models.count("demand_forecast") && models.count("patient_risk")) << r.body;
      }
    }
  }
  EXPECT_GT(queries, 60u);
  std::string report;
  for (const std::string& e : empty) report += e + "\n";
  EXPECT_TRUE(empty.empty()) << empty.size() << " of " << queries
                             << " queries returned no series:\n"
                             << report;

  // 5. The exported rules are loaded, and each rule's PromQL evaluates on the live data.
  const HttpResult rules = api.Get("/api/v1/rules");
  const json loaded = json::parse(rules.body, nullptr, false);
  ASSERT_FALSE(loaded.is_discarded()) << rules.body;
  size_t rule_count = 0;
  for (const json& group : loaded["data"]["groups"]) {
    for (const json& rule : group["rules"]) {
      ++rule_count;
      const json answer = Query(api, rule["query"]);
      EXPECT_EQ(answer.value("status", ""), "success") << rule["name"] << ": " << answer.dump();
      if (rule.value("health", "unknown") != "unknown") {
        EXPECT_EQ(rule["health"], "ok") << rule["name"] << ": " << rule.value("lastError", "");
      }
    }
  }
  EXPECT_EQ(rule_count, 30u) << rules.body;  // every shipped rule
}

}  // namespace
}  // namespace mw::testing
