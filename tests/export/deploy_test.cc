// deploy/: the example Alertmanager configuration passes Debian's amtool, and docker-compose.yml
// mounts the generated files where the generated configuration expects them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "export/grafana.h"
#include "export/prometheus_config.h"
#include "export/run_tool.h"

namespace mw::exporting {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

// tests/export/deploy_test.cc -> <source>/deploy
fs::path DeployDir() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "deploy";
}

std::vector<std::string> Strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  for (const auto& n : seq) out.push_back(n.as<std::string>());
  return out;
}

TEST(DeployTest, AmtoolAcceptsTheExampleAlertmanagerConfig) {
  const auto result =
      mw::testing::RunTool("amtool check-config " +
                           mw::testing::ShellQuote((DeployDir() / "alertmanager.yml").string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SUCCESS"));
}

TEST(DeployTest, AlertmanagerConfigRoutesEverySeverity) {
  const YAML::Node doc = YAML::LoadFile((DeployDir() / "alertmanager.yml").string());
  std::vector<std::string> matchers;
  for (const auto& route : doc["route"]["routes"]) {
    for (const auto& m : route["matchers"]) matchers.push_back(m.as<std::string>());
  }
  EXPECT_THAT(matchers, Contains(R"(severity="critical")"));
  EXPECT_THAT(matchers, Contains(R"(severity="warning")"));
  EXPECT_THAT(matchers, Contains(R"(severity="info")"));
}

TEST(DeployTest, ComposeMountsTheGeneratedFilesWhereTheExportsPointThem) {
  const YAML::Node compose = YAML::LoadFile((DeployDir() / "docker-compose.yml").string());
  const YAML::Node services = compose["services"];
  for (const char* name : {"prometheus", "alertmanager", "grafana", "node-exporter"}) {
    ASSERT_TRUE(services[name]) << name;
    EXPECT_EQ(services[name]["network_mode"].as<std::string>(), "host") << name;
  }

  const auto prometheus_command = Strings(services["prometheus"]["command"]);
  EXPECT_THAT(prometheus_command, Contains("--config.file=/etc/prometheus/prometheus.yml"));
  EXPECT_THAT(Strings(services["prometheus"]["volumes"]),
              Contains("./prometheus:/etc/prometheus:ro"));

  // The export's default addresses are where the services listen.
  const PrometheusConfigOptions prom;
  EXPECT_EQ(prom.alertmanager_url, "http://127.0.0.1:9093");
  EXPECT_THAT(Strings(services["alertmanager"]["command"]),
              Contains("--web.listen-address=127.0.0.1:9093"));
  EXPECT_THAT(Strings(services["node-exporter"]["command"]),
              Contains("--web.listen-address=" + prom.node_exporter_target));
  const GrafanaOptions grafana;
  EXPECT_EQ(grafana.prometheus_url, "http://127.0.0.1:9090");
  EXPECT_THAT(prometheus_command, Contains("--web.listen-address=127.0.0.1:9090"));

  const auto grafana_volumes = Strings(services["grafana"]["volumes"]);
  EXPECT_THAT(grafana_volumes, Contains("./grafana/provisioning:/etc/grafana/provisioning:ro"));
  EXPECT_THAT(grafana_volumes, Contains("./grafana/dashboards:" + grafana.dashboards_path + ":ro"));
  EXPECT_THAT(Strings(services["alertmanager"]["volumes"]),
              Contains("./alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"));
}

TEST(DeployTest, GenerateScriptWritesTheDirectoriesComposeMounts) {
  std::ifstream in(DeployDir() / "generate.sh");
  const std::string script((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(script, HasSubstr(R"(export prometheus --out "$here/prometheus" --rules)"));
  EXPECT_THAT(script, HasSubstr(R"(export grafana --out "$here/grafana")"));
  EXPECT_TRUE((fs::status(DeployDir() / "generate.sh").permissions() & fs::perms::owner_exec) !=
              fs::perms::none);
}

}  // namespace
}  // namespace mw::exporting
