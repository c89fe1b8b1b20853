// The Prometheus export end to end with Debian's promtool: the generated prometheus.yml passes
// `promtool check config`, the rules `promtool check rules`, and every generated unit-test file
// `promtool test rules` — for rules covering every kind of signal recipe, for another prefix and
// segment label, and for the shipped default rules.
#include "export/prometheus_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "export/run_tool.h"

namespace mw::exporting {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every recipe kind (gauge, gauge ratio with and without ignoring, rate, increase, ratio of rates
// with and without the numerator in the denominator, histogram quantile, up), two signals in one
// comparison, and / or, user matchers (equality and regex), templates, and a warning/critical
// pair sharing a name.
constexpr const char* kRules = R"(groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighErrorRate
        expr: error_rate[5m] > 0.05
        for: 5m
        labels: {severity: warning}
        annotations:
          summary: High error rate
          description: 'Error rate is {{ $value | humanizePercentage }} (threshold: 5%)'
      - alert: HighErrorRate
        expr: error_rate[5m] > 0.1
        for: 2m
        labels: {severity: critical}
        annotations:
          summary: Very high error rate
          description: 'Error rate is {{ $value }}'
      - alert: SlowPredictions
        expr: latency_p95{endpoint="/v1/predictions"}[5m] > 3
        for: 5m
        labels: {severity: warning}
        annotations: {summary: Slow, description: 'p95 {{ $value | printf "%.2f" }}s'}
      - alert: LowCacheHitRate
        expr: cache_hit_ratio[10m] < 0.5 and request_rate[10m] > 0.1
        for: 10m
        labels: {severity: warning}
        annotations: {summary: Low cache hit rate, description: '{{ $value }}'}
      - alert: ManyErrors
        expr: errors[1h] > 50
        labels: {severity: warning}
        annotations: {summary: Errors, description: '{{ $value }} errors in the last hour'}
      - alert: ModelwatchDown
        expr: modelwatch_up == 0
        for: 1m
        labels: {severity: critical}
        annotations: {summary: modelwatch down, description: 'up is {{ $value }}'}
      - alert: ServiceDown
        expr: service_up == 0 or model_loaded == 0
        for: 1m
        labels: {severity: critical}
        annotations: {summary: service down, description: 'up is {{ $value }}'}
      - alert: CaptureDropped
        expr: capture_dropped{reason="queue_full"}[15m] > 0
        labels: {severity: warning}
        annotations: {summary: Drops, description: '{{ $labels.reason }} {{ $value }}'}
  - name: models
    rules:
      - alert: ModelAccuracyDegraded
        expr: model_mae > model_training_mae * 1.5
        for: 2h
        labels: {severity: critical}
        annotations:
          summary: Accuracy degraded
          description: 'MAE of {{ $labels.model }} for {{ $labels.segment }} is {{ $value }}'
      - alert: ModelAucLow
        expr: model_auc{model=~"churn|patient_.*"} < 0.75 or model_drift_detected == 1
        for: 1h
        labels: {severity: warning}
        annotations: {summary: AUC low, description: '{{ $labels.model }} {{ $value }}'}
      - alert: FeatureShift
        expr: feature_psi > 0.2
        labels: {severity: info}
        annotations: {summary: PSI, description: '{{ $labels.feature }}: {{ $value | humanize }}'}
  - name: system
    rules:
      - alert: HighMemory
        expr: memory_usage_ratio > 0.9
        for: 5m
        labels: {severity: critical}
        annotations: {summary: Memory, description: '{{ $value | humanizePercentage }}'}
      - alert: DiskFull
        expr: disk_free_ratio < 0.1
        labels: {severity: warning}
        annotations: {summary: Disk, description: '{{ $labels.path }} {{ $value }}'}
)";

class PrometheusExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-promexport-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  alerting::RuleSet Load(const std::string& text, const std::string& segment_label = "segment") {
    alerting::RuleOptions o;
    o.segment_label = segment_label;
    auto rules = alerting::LoadRules(text, "test.yml", o);
    EXPECT_TRUE(rules.has_value()) << rules.error().message();
    return rules.has_value() ? *rules : alerting::RuleSet{};
  }

  PrometheusExport Export(const alerting::RuleSet& rules, const PrometheusExportOptions& o) {
    auto exported = PrometheusFiles(rules, o);
    EXPECT_TRUE(exported.has_value()) << exported.error().ToString();
    if (!exported.has_value()) return {};
    EXPECT_TRUE(WriteFiles(dir_.string(), exported->files).ok());
    return *exported;
  }

  std::vector<std::string> TestFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "rules/tests")) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  mw::testing::ToolResult Promtool(const std::string& args) const {
    return mw::testing::RunTool("cd " + mw::testing::ShellQuote(dir_.string()) + " && promtool " +
                                args);
  }

  std::string Read(const std::string& rel) const {
    std::ifstream in(dir_ / rel);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // check config, check rules, and test rules on every generated file.
  void ExpectPromtoolAccepts() {
    auto config = Promtool("check config prometheus.yml");
    EXPECT_EQ(config.exit_code, 0) << config.output;
    auto check = Promtool("check rules rules/modelwatch.rules.yml");
    EXPECT_EQ(check.exit_code, 0) << check.output;
    std::string files;
    for (const std::string& f : TestFiles()) files += " " + mw::testing::ShellQuote(f);
    auto test = Promtool("test rules" + files);
    EXPECT_EQ(test.exit_code, 0) << test.output;
    EXPECT_THAT(test.output, Not(HasSubstr("FAILED")));
  }

  fs::path dir_;
};

// promtool runs on these rules with another prefix and segment label (below) and on the shipped
// rules with the defaults; here: every group gets its file and every rule its cases.
TEST_F(PrometheusExportTest, EveryGroupGetsATestFile) {
  const auto rules = Load(kRules);
  const PrometheusExport exported = Export(rules, PrometheusExportOptions{});
  EXPECT_THAT(exported.warnings, IsEmpty());
  ASSERT_EQ(TestFiles().size(), 3u);  // one per group
}

// The rules modelwatch ships (config/rules/default.yml) export cleanly and pass promtool.
TEST_F(PrometheusExportTest, TheShippedDefaultRulesPassPromtool) {
  const fs::path file =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "config/rules/default.yml";
  std::ifstream in(file);
  ASSERT_TRUE(in.good()) << file;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto rules = Load(text);
  ASSERT_GT(rules.rule_count(), 0u);
  const PrometheusExport exported = Export(rules, PrometheusExportOptions{});
  EXPECT_THAT(exported.warnings, IsEmpty());
  EXPECT_EQ(TestFiles().size(), rules.groups.size());
  ExpectPromtoolAccepts();
}

// Each alerting rule gets a case where it fires (with the alert's labels and expanded
// annotations) and one where it stays silent.
TEST_F(PrometheusExportTest, EveryRuleHasAFiringAndASilentCase) {
  const auto rules = Load(kRules);
  Export(rules, PrometheusExportOptions{});
  for (const auto& group : rules.groups) {
    const YAML::Node doc =
        YAML::LoadFile((dir_ / "rules/tests" / (group.name + ".test.yml")).string());
    EXPECT_EQ(doc["rule_files"][0].as<std::string>(), "../modelwatch.rules.yml");
    for (const auto& rule : group.rules) {
      const std::string who = rule.alert + " (" + rule.severity() + ")";
      bool fires = false, silent = false;
      for (const auto& test : doc["tests"]) {
        const std::string name = test["name"].as<std::string>();
        if (!name.starts_with(who + " ")) continue;
        const YAML::Node last = test["alert_rule_test"][test["alert_rule_test"].size() - 1];
        EXPECT_EQ(last["alertname"].as<std::string>(), rule.alert);
        if (name.starts_with(who + " fires")) {
          fires = true;
          bool found = false;
          for (const auto& a : last["exp_alerts"]) {
            if (a["exp_labels"]["severity"].as<std::string>() != rule.severity()) continue;
            found = true;
            EXPECT_EQ(a["exp_annotations"]["summary"].as<std::string>(),
                      rule.annotations.at("summary"));
          }
          EXPECT_TRUE(found) << name;
        }
        if (name.starts_with(who + " stays silent")) {
          silent = true;
          for (const auto& a : last["exp_alerts"]) {
            EXPECT_NE(a["exp_labels"]["severity"].as<std::string>(), rule.severity()) << name;
          }
        }
      }
      EXPECT_TRUE(fires) << who;
      EXPECT_TRUE(silent) << who;
    }
  }
}

// The generated tests are not vacuous: the same tests against rules whose thresholds moved fail.
TEST_F(PrometheusExportTest, GeneratedTestsFailWhenAThresholdChanges) {
  Export(Load(kRules), PrometheusExportOptions{});
  std::string rules = Read("rules/modelwatch.rules.yml");
  const std::string from = "> 0.05", to = "> 0.5";
  ASSERT_NE(rules.find(from), std::string::npos) << rules;
  rules.replace(rules.find(from), from.size(), to);
  std::ofstream(dir_ / "rules/modelwatch.rules.yml") << rules;
  auto test = Promtool("test rules rules/tests/api.test.yml");
  EXPECT_NE(test.exit_code, 0) << test.output;
  EXPECT_THAT(test.output, HasSubstr("HighErrorRate"));
}

TEST_F(PrometheusExportTest, OtherPrefixSegmentLabelAndJob) {
  const auto rules = Load(kRules, "restaurant_id");
  PrometheusExportOptions o;
  o.prefix = "iit";
  o.segment_label = "restaurant_id";
  o.config.job = "iit-ml-service";
  o.config.modelwatch_target = "ml-api:8000";
  const PrometheusExport exported = Export(rules, o);
  EXPECT_THAT(exported.warnings, IsEmpty());
  const std::string text = Read("rules/modelwatch.rules.yml");
  EXPECT_THAT(text, HasSubstr("iit_api_errors_total"));
  EXPECT_THAT(text, HasSubstr(R"(up{job="iit-ml-service"})"));
  EXPECT_THAT(text, HasSubstr("iit_service_up"));
  EXPECT_THAT(text, HasSubstr("modelwatch_proxy_capture_dropped_total"));
  EXPECT_THAT(text, HasSubstr("$labels.restaurant_id"));
  EXPECT_EQ(text.find("ml_api"), std::string::npos);
  ExpectPromtoolAccepts();
}

TEST_F(PrometheusExportTest, WritesTheScrapeTokenOwnerOnly) {
  PrometheusExportOptions o;
  o.bearer_token = "s3cret-read-token";
  Export(Load(kRules), o);
  EXPECT_EQ(Read("modelwatch.token"), "s3cret-read-token\n");
  EXPECT_EQ(fs::status(dir_ / "modelwatch.token").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const YAML::Node config = YAML::LoadFile((dir_ / "prometheus.yml").string());
  EXPECT_EQ(config["scrape_configs"][0]["authorization"]["credentials_file"].as<std::string>(),
            "modelwatch.token");
  EXPECT_EQ(Read("prometheus.yml").find("s3cret"), std::string::npos);
  auto checked = Promtool("check config prometheus.yml");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

TEST_F(PrometheusExportTest, RejectsRulesLoadedForAnotherSegmentLabel) {
  PrometheusExportOptions o;
  o.segment_label = "restaurant_id";
  auto exported = PrometheusFiles(Load(kRules, "segment"), o);
  ASSERT_FALSE(exported.has_value());
  EXPECT_THAT(exported.error().message(), HasSubstr("segment label"));
  o.segment_label = "segment";
  o.config.modelwatch_target = "nope";
  exported = PrometheusFiles(Load(kRules), o);
  ASSERT_FALSE(exported.has_value());
  EXPECT_THAT(exported.error().message(), HasSubstr("--modelwatch-target"));
}

}  // namespace
}  // namespace mw::exporting
