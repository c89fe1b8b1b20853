#include "export/grafana.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "export/grafana_queries.h"
#include "export/run_tool.h"

namespace mw::exporting {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

GrafanaOptions IitOptions() {
  GrafanaOptions o;
  o.prefix = "iit";
  o.segment_label = "restaurant_id";
  o.datasource_uid = "my-prom_1";
  o.job = "ml-service";
  return o;
}

const json* FindDashboard(const std::vector<GrafanaDashboard>& all, const std::string& uid) {
  for (const auto& d : all) {
    if (d.json.value("uid", "") == uid) return &d.json;
  }
  return nullptr;
}

TEST(GrafanaFilesTest, WritesProvisioningAndFiveDashboards) {
  auto files = GrafanaFiles(GrafanaOptions{});
  ASSERT_TRUE(files.has_value()) << files.error().ToString();
  std::set<std::string> paths;
  for (const auto& f : *files) paths.insert(f.path);
  EXPECT_EQ(paths, (std::set<std::string>{
                       "provisioning/datasources/prometheus.yml",
                       "provisioning/dashboards/modelwatch.yml", "dashboards/modelwatch-api.json",
                       "dashboards/modelwatch-models.json", "dashboards/modelwatch-system.json",
                       "dashboards/modelwatch-alerts.json", "dashboards/modelwatch-self.json"}));
  for (const auto& f : *files) {
    if (f.path.ends_with(".json")) {
      EXPECT_TRUE(json::accept(f.content)) << f.path;
    } else {
      EXPECT_NO_THROW(YAML::Load(f.content)) << f.path;
    }
  }
}

TEST(GrafanaDashboardsTest, EveryPanelHasDatasourceRefIdAndExpr) {
  const GrafanaOptions options = IitOptions();
  std::set<std::string> uids;
  for (const auto& dashboard : GrafanaDashboards(options)) {
    const json& d = dashboard.json;
    SCOPED_TRACE(dashboard.file_name);
    EXPECT_TRUE(uids.insert(d.at("uid").get<std::string>()).second) << "duplicate uid";
    EXPECT_FALSE(d.at("title").get<std::string>().empty());
    EXPECT_EQ(d.at("schemaVersion"), 39);
    ASSERT_TRUE(d.at("panels").is_array());
    ASSERT_FALSE(d.at("panels").empty());
    std::set<int> ids;
    for (const json& panel : d.at("panels")) {
      const std::string title = panel.at("title");
      SCOPED_TRACE(title);
      EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
      EXPECT_EQ(panel.at("datasource"), (json{{"type", "prometheus"}, {"uid", "my-prom_1"}}));
      EXPECT_THAT((std::vector<std::string>{"timeseries", "stat", "gauge", "bargauge", "table"}),
                  ::testing::Contains(panel.at("type").get<std::string>()));
      ASSERT_FALSE(panel.at("targets").empty());
      std::set<std::string> refs;
      for (const json& target : panel.at("targets")) {
        EXPECT_TRUE(refs.insert(target.at("refId").get<std::string>()).second);
        EXPECT_EQ(target.at("datasource"), panel.at("datasource"));
        EXPECT_FALSE(target.at("expr").get<std::string>().empty());
      }
    }
  }
}

// Panels sit on the 24-column grid without overlapping.
TEST(GrafanaDashboardsTest, PanelsTileTheGrid) {
  for (const auto& dashboard : GrafanaDashboards(GrafanaOptions{})) {
    SCOPED_TRACE(dashboard.file_name);
    std::set<std::pair<int, int>> cells;
    for (const json& panel : dashboard.json.at("panels")) {
      const json& g = panel.at("gridPos");
      const int x = g.at("x"), y = g.at("y"), w = g.at("w"), h = g.at("h");
      ASSERT_GE(x, 0);
      ASSERT_LE(x + w, 24) << panel.at("title");
      for (int i = x; i < x + w; ++i) {
        for (int j = y; j < y + h; ++j) {
          EXPECT_TRUE(cells.insert({i, j}).second) << "overlap at " << panel.at("title");
        }
      }
    }
  }
}

TEST(GrafanaDashboardsTest, ModelDashboardHasModelAndSegmentVariables) {
  const auto all = GrafanaDashboards(IitOptions());
  const json* models = FindDashboard(all, "modelwatch-models");
  ASSERT_NE(models, nullptr);
  const json& list = models->at("templating").at("list");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name"), "model");
  EXPECT_EQ(list[0].at("query"), "label_values(iit_predictions_total, model_type)");
  EXPECT_EQ(list[1].at("name"), "segment");
  EXPECT_EQ(list[1].at("query"),
            R"(label_values(iit_predictions_total{model_type=~"$model"}, restaurant_id))");
  for (const json& v : list) {
    EXPECT_EQ(v.at("type"), "query");
    EXPECT_EQ(v.at("allValue"), ".*");
    EXPECT_TRUE(v.at("multi").get<bool>());
    EXPECT_TRUE(v.at("includeAll").get<bool>());
    EXPECT_EQ(v.at("datasource").at("uid"), "my-prom_1");
  }
  // Every model panel filters by both variables, with the label each family really carries.
  for (const auto& q : DashboardQueries(*models)) {
    if (q.ref_id.starts_with("var:")) continue;
    if (q.expr.find("predictions_total") != std::string::npos) {
      EXPECT_THAT(q.expr, HasSubstr(R"(model_type=~"$model")")) << q.panel_title;
    } else if (q.expr.find("iit_model_") != std::string::npos ||
               q.expr.find("iit_feature_") != std::string::npos) {
      EXPECT_THAT(q.expr, HasSubstr(R"(model=~"$model", restaurant_id=~"$segment")"))
          << q.panel_title;
    }
  }
}

TEST(GrafanaDashboardsTest, UsesConfiguredPrefixSegmentLabelAndJob) {
  for (const auto& dashboard : GrafanaDashboards(IitOptions())) {
    const std::string text = dashboard.json.dump();
    for (const char* leftover : {"ml_", "{P}", "{S}", "{JOB}", "segment=~"}) {
      EXPECT_EQ(text.find(leftover), std::string::npos) << dashboard.file_name << ": " << leftover;
    }
  }
  const auto all = GrafanaDashboards(IitOptions());
  EXPECT_THAT(FindDashboard(all, "modelwatch-system")->dump(),
              HasSubstr(R"(process_resident_memory_bytes{job=\"ml-service\"})"));
  EXPECT_THAT(FindDashboard(all, "modelwatch-api")->dump(), HasSubstr("iit_api_requests_total"));
}

// Watcher and watched apart: the ML API dashboard reads the watched service's families (P_...), the
// modelwatch dashboard only modelwatch's own (modelwatch_..., process_... of its job, up).
TEST(GrafanaDashboardsTest, TheWatchedServiceAndModelwatchHaveTheirOwnDashboards) {
  const auto all = GrafanaDashboards(IitOptions());
  for (const auto& q : DashboardQueries(*FindDashboard(all, "modelwatch-api"))) {
    EXPECT_THAT(q.expr, Not(HasSubstr("modelwatch_"))) << q.panel_title;
    EXPECT_THAT(q.expr, HasSubstr("iit_")) << q.panel_title;
  }
  const std::string api = FindDashboard(all, "modelwatch-api")->dump();
  EXPECT_THAT(api, HasSubstr(R"(iit_cache_hits_total{cache_type=\"response\"})"));
  EXPECT_THAT(api, HasSubstr("iit_service_up"));
  EXPECT_THAT(api, HasSubstr("iit_db_connections"));
  for (const auto& q : DashboardQueries(*FindDashboard(all, "modelwatch-self"))) {
    EXPECT_THAT(q.expr, Not(HasSubstr("iit_"))) << q.panel_title;
  }
  const std::string self = FindDashboard(all, "modelwatch-self")->dump();
  for (const char* family :
       {"modelwatch_http_requests_total", "modelwatch_store_query_duration_seconds_bucket",
        "modelwatch_profile_cache_hits_total", "modelwatch_evaluator_last_pass_seconds",
        "modelwatch_proxy_capture_dropped_total", "modelwatch_background_errors_total",
        "modelwatch_notifications_queued"}) {
    EXPECT_THAT(self, HasSubstr(family));
  }
  // Models counts the models with traffic, not the profile cache.
  EXPECT_THAT(FindDashboard(all, "modelwatch-models")->dump(), Not(HasSubstr("profile_cache")));
}

// The issue's panel list, by title, per dashboard.
TEST(GrafanaDashboardsTest, HasThePanelsTheIssueAsksFor) {
  const auto all = GrafanaDashboards(GrafanaOptions{});
  auto titles = [&](const std::string& uid) {
    std::string joined;
    for (const json& p : FindDashboard(all, uid)->at("panels"))
      joined += p.at("title").get<std::string>() + "|";
    return joined;
  };
  const std::string api = titles("modelwatch-api");
  for (const char* t :
       {"Service up", "Request rate", "Requests/s by endpoint", "Latency p50 / p95 / p99",
        "Error rate (5xx)", "Error rate by status", "Errors in the last hour", "Cache hit rate",
        "Response cache size", "In-flight requests", "Prediction latency p95 by model",
        "Service health", "Service database pool", "Service table rows", "Predictions/s"}) {
    EXPECT_THAT(api, HasSubstr(t));
  }
  const std::string models = titles("modelwatch-models");
  for (const char* t :
       {"Predictions/s by model", "MAE vs training", "RMSE vs training", "AUC vs training",
        "Drift score per feature", "Predictions by risk band", "Active models"}) {
    EXPECT_THAT(models, HasSubstr(t));
  }
  const std::string self = titles("modelwatch-self");
  for (const char* t :
       {"API requests/s by endpoint", "API latency p95 by endpoint", "Store read pool",
        "Store operation p95 by operation", "Group commits", "Store table rows", "Evaluator",
        "Profile cache", "Profiles loaded by model", "Proxy upstream connections", "Capture queue",
        "Captured exchanges/s", "Notifications queued", "Background errors by thread",
        "modelwatch CPU and memory"}) {
    EXPECT_THAT(self, HasSubstr(t));
  }
  const std::string system = titles("modelwatch-system");
  for (const char* t : {"CPU", "Memory", "Disk I/O", "Network I/O"}) {
    EXPECT_THAT(system, HasSubstr(t));
  }
  EXPECT_THAT(titles("modelwatch-alerts"), HasSubstr("Active alerts"));
}

// Every query (after Grafana's variable substitution) is valid PromQL: Debian's promtool parses
// them all as recording rules; the variables' label_values() selectors too.
TEST(GrafanaDashboardsTest, EveryQueryIsValidPromQL) {
  std::string tmpl = (fs::temp_directory_path() / "mw-grafana-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const fs::path dir(tmpl);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "dashboards";
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  int n = 0;
  const std::regex label_values(R"(^label_values\((.*), *[a-zA-Z_]+\)$)");
  for (const auto& dashboard : GrafanaDashboards(IitOptions())) {
    for (const auto& q : DashboardQueries(dashboard.json)) {
      std::string expr =
          mw::testing::InterpolateGrafana(q.expr, mw::testing::AllSelectedGrafanaVariables());
      if (q.ref_id.starts_with("var:")) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(expr, m, label_values)) << expr;
        expr = m[1];
      }
      EXPECT_THAT(expr, Not(HasSubstr("$"))) << q.panel_title;
      out << YAML::BeginMap << YAML::Key << "record" << YAML::Value
          << "dashboard:query_" + std::to_string(n++) << YAML::Key << "expr" << YAML::Value << expr
          << YAML::EndMap;
    }
  }
  out << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  ASSERT_GT(n, 60);
  std::ofstream(dir / "queries.yml") << out.c_str() << "\n";
  const auto result = mw::testing::RunTool("promtool check rules " +
                                           mw::testing::ShellQuote((dir / "queries.yml").string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS: " + std::to_string(n) + " rules found"));
  fs::remove_all(dir);
}

TEST(GrafanaProvisioningTest, DatasourceNamesUidUrlAndScrapeInterval) {
  GrafanaOptions o = IitOptions();
  o.prometheus_url = "http://prometheus:9090";
  o.scrape_interval = "10s";
  const YAML::Node doc = YAML::Load(GrafanaDatasourceYaml(o));
  EXPECT_EQ(doc["apiVersion"].as<int>(), 1);
  const YAML::Node ds = doc["datasources"][0];
  EXPECT_EQ(ds["uid"].as<std::string>(), "my-prom_1");
  EXPECT_EQ(ds["type"].as<std::string>(), "prometheus");
  EXPECT_EQ(ds["access"].as<std::string>(), "proxy");
  EXPECT_EQ(ds["url"].as<std::string>(), "http://prometheus:9090");
  EXPECT_EQ(ds["jsonData"]["timeInterval"].as<std::string>(), "10s");
}

TEST(GrafanaProvisioningTest, DashboardProviderReadsTheDashboardsPath) {
  GrafanaOptions o;
  o.dashboards_path = "/etc/dashboards";
  const YAML::Node doc = YAML::Load(GrafanaDashboardProviderYaml(o));
  const YAML::Node p = doc["providers"][0];
  EXPECT_EQ(p["type"].as<std::string>(), "file");
  EXPECT_EQ(p["options"]["path"].as<std::string>(), "/etc/dashboards");
}

TEST(GrafanaOptionsTest, RejectsValuesThatWouldBreakQueriesOrProvisioning) {
  auto rejected = [](auto mutate, const std::string& word) {
    GrafanaOptions o;
    mutate(o);
    const Status s = ValidateGrafanaOptions(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << word;
    EXPECT_THAT(s.message(), HasSubstr(word));
    EXPECT_FALSE(GrafanaFiles(o).has_value());
  };
  rejected([](GrafanaOptions& o) { o.prefix = "ml-api"; }, "metrics.prefix");
  rejected([](GrafanaOptions& o) { o.segment_label = "9seg"; }, "metrics.segment_label");
  rejected([](GrafanaOptions& o) { o.datasource_uid = "has space"; }, "--datasource-uid");
  rejected([](GrafanaOptions& o) { o.datasource_uid = std::string(41, 'a'); }, "--datasource-uid");
  rejected([](GrafanaOptions& o) { o.prometheus_url = "prometheus:9090"; }, "--prometheus-url");
  rejected([](GrafanaOptions& o) { o.scrape_interval = "fast"; }, "scrape interval");
  rejected([](GrafanaOptions& o) { o.dashboards_path = "dashboards"; }, "--dashboards-path");
  rejected([](GrafanaOptions& o) { o.job = "a\"b"; }, "job");
  EXPECT_TRUE(ValidateGrafanaOptions(IitOptions()).ok());
}

TEST(InterpolateGrafanaTest, ReplacesEveryFormLongestNameFirst) {
  EXPECT_EQ(mw::testing::InterpolateGrafana(
                R"(rate(x{a=~"$model",b=~"${segment}",c=~"[[model]]"}[$__rate_interval]) $__range)",
                {{"model", "m"}, {"segment", "s"}, {"__rate_interval", "1m"}, {"__range", "1h"}}),
            R"(rate(x{a=~"m",b=~"s",c=~"m"}[1m]) 1h)");
}

}  // namespace
}  // namespace mw::exporting
