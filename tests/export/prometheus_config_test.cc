#include "export/prometheus_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "export/files.h"
#include "export/run_tool.h"

namespace mw::exporting {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(PrometheusConfigTest, ScrapesModelwatchAndNodeExporterAndAlertsToAlertmanager) {
  PrometheusConfigOptions o;
  o.modelwatch_target = "ml-api:8000";
  o.node_exporter_target = "node-exporter:9100";
  o.alertmanager_url = "https://am.example.com:9443/alertmanager/";
  const YAML::Node doc = YAML::Load(PrometheusConfigYaml(o));
  EXPECT_EQ(doc["global"]["scrape_interval"].as<std::string>(), "15s");
  EXPECT_EQ(doc["rule_files"][0].as<std::string>(), "rules/modelwatch.rules.yml");
  const YAML::Node am = doc["alerting"]["alertmanagers"][0];
  EXPECT_EQ(am["scheme"].as<std::string>(), "https");
  EXPECT_EQ(am["path_prefix"].as<std::string>(), "/alertmanager");
  EXPECT_EQ(am["static_configs"][0]["targets"][0].as<std::string>(), "am.example.com:9443");
  const YAML::Node jobs = doc["scrape_configs"];
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["job_name"].as<std::string>(), "modelwatch");
  EXPECT_EQ(jobs[0]["metrics_path"].as<std::string>(), "/metrics");
  EXPECT_EQ(jobs[0]["static_configs"][0]["targets"][0].as<std::string>(), "ml-api:8000");
  EXPECT_FALSE(jobs[0]["authorization"]);
  EXPECT_EQ(jobs[1]["job_name"].as<std::string>(), "node-exporter");
  EXPECT_EQ(jobs[1]["static_configs"][0]["targets"][0].as<std::string>(), "node-exporter:9100");
}

TEST(PrometheusConfigTest, OptionalPartsCanBeLeftOut) {
  PrometheusConfigOptions o;
  o.node_exporter_target = "";
  o.alertmanager_url = "";
  o.bearer_token_file = "modelwatch.token";
  const YAML::Node doc = YAML::Load(PrometheusConfigYaml(o));
  EXPECT_FALSE(doc["alerting"]);
  ASSERT_EQ(doc["scrape_configs"].size(), 1u);
  EXPECT_EQ(doc["scrape_configs"][0]["authorization"]["credentials_file"].as<std::string>(),
            "modelwatch.token");
}

TEST(PrometheusConfigTest, RejectsTargetsThatAreNotHostPort) {
  auto message = [](auto mutate) {
    PrometheusConfigOptions o;
    mutate(o);
    return ValidatePrometheusConfigOptions(o).message();
  };
  EXPECT_THAT(message([](auto& o) { o.modelwatch_target = "http://x:8000"; }),
              HasSubstr("--modelwatch-target"));
  EXPECT_THAT(message([](auto& o) { o.modelwatch_target = "localhost"; }),
              HasSubstr("--modelwatch-target"));
  EXPECT_THAT(message([](auto& o) { o.node_exporter_target = "x:70000"; }),
              HasSubstr("--node-exporter-target"));
  EXPECT_THAT(message([](auto& o) { o.alertmanager_url = "am:9093"; }),
              HasSubstr("--alertmanager"));
  EXPECT_THAT(message([](auto& o) { o.alertmanager_url = "ftp://am:9093"; }),
              HasSubstr("--alertmanager"));
  EXPECT_THAT(message([](auto& o) { o.scrape_interval = "15"; }), HasSubstr("scrape interval"));
  EXPECT_TRUE(ValidatePrometheusConfigOptions(PrometheusConfigOptions{}).ok());
}

TEST(IsHostPortTest, AcceptsNamesAddressesAndBracketedV6) {
  EXPECT_TRUE(IsHostPort("127.0.0.1:8000"));
  EXPECT_TRUE(IsHostPort("ml-api:1"));
  EXPECT_TRUE(IsHostPort("[::1]:9090"));
  EXPECT_FALSE(IsHostPort("::1:9090"));
  EXPECT_FALSE(IsHostPort(":8000"));
  EXPECT_FALSE(IsHostPort("host:0"));
  EXPECT_FALSE(IsHostPort("host:8000/x"));
  EXPECT_FALSE(IsHostPort("host:80a"));
}

// Debian's promtool accepts the file, with the token file and rule file it references.
TEST(PrometheusConfigTest, PromtoolChecksTheConfig) {
  std::string tmpl = (fs::temp_directory_path() / "mw-promcfg-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  PrometheusConfigOptions o;
  o.bearer_token_file = "modelwatch.token";
  ASSERT_TRUE(WriteFiles(tmpl, {{"prometheus.yml", PrometheusConfigYaml(o)},
                                {"rules/modelwatch.rules.yml", "groups: []\n"},
                                {"modelwatch.token", "secret\n", true}})
                  .ok());
  EXPECT_EQ(fs::status(fs::path(tmpl) / "modelwatch.token").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto result = mw::testing::RunTool("promtool check config " +
                                           mw::testing::ShellQuote(tmpl + "/prometheus.yml"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS"));
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace mw::exporting
