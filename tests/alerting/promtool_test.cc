// Debian's promtool as the oracle for the export: the generated rule files must pass
// `promtool check rules`, the translated PromQL must fire exactly where the condition means it to
// (`promtool test rules` with hand-computed inputs), and ExpandTemplate must render annotations
// exactly as Prometheus does. Skipped only when /usr/bin/promtool is absent (scripts/setup.sh
// installs it).
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "alerting/rules/annotation_template.h"
#include "alerting/rules/promql.h"
#include "alerting/rules/rules.h"

namespace mw::alerting {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPromtool = "/usr/bin/promtool";

struct ToolResult {
  int exit_code = -1;
  std::string output;
};

ToolResult RunPromtool(const std::string& args) {
  ToolResult r;
  FILE* pipe = ::popen((std::string(kPromtool) + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/mw-rules-test.XXXXXX";
    const char* dir = ::mkdtemp(pattern);
    if (dir != nullptr) path_ = dir;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

fs::path SourceDir() { return fs::path(__FILE__).parent_path().parent_path().parent_path(); }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PromtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kPromtool, X_OK) != 0) GTEST_SKIP() << kPromtool << " is not installed";
  }
};

TEST_F(PromtoolTest, DefaultRulesExportPassesCheckRules) {
  const fs::path file = SourceDir() / "config" / "rules" / "default.yml";
  struct Variant {
    std::string prefix, segment_label;
  };
  for (const Variant& v : {Variant{"ml", "segment"}, Variant{"iit", "restaurant_id"}}) {
    auto rules = LoadRules(ReadFile(file), file.string(), RuleOptions{v.segment_label});
    ASSERT_TRUE(rules.has_value()) << rules.status().message();
    PromOptions options;
    options.prefix = v.prefix;
    TempDir dir;
    const std::string out = dir.Write("rules.yml", ToPrometheusRuleFile(*rules, options));
    const ToolResult r = RunPromtool("check rules " + out);
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << ReadFile(out);
    EXPECT_NE(r.output.find("SUCCESS: " + std::to_string(rules->rule_count()) + " rules found"),
              std::string::npos)
        << r.output;
  }
}

// Each condition, translated, evaluated by Prometheus' engine on series whose answer is worked
// out by hand in the comments.
TEST_F(PromtoolTest, TranslatedConditionsFireWhereTheyShould) {
  auto rule = [](const std::string& name, const std::string& expr,
                 const std::string& summary = R"({{ $value | printf "%.4f" }})",
                 const std::string& description = "d") {
    return "      - alert: " + name + "\n        expr: '" + expr +
           "'\n        labels: {severity: warning}\n        annotations: {summary: '" + summary +
           "', description: '" + description + "'}\n";
  };
  const std::string source =
      "groups:\n  - name: g\n    rules:\n" +
      // 5xx: 10 of the 200 requests a minute (the 404s are not server errors): 0.05.
      rule("ErrorRate", "error_rate[5m] > 0.04") +
      // /b answers only 200: no 5xx series, no ratio, no alert.
      rule("ErrorRateB", R"(error_rate{endpoint="/b"}[5m] > 0.05)") +
      // Buckets per minute summed over both endpoints: le=1: 100, le=5: 110, le=10: 200, +Inf:
      // 200. Rank 0.95 * 200 = 190 lies in (5, 10]: 5 + 5 * (190 - 110) / (200 - 110) = 9.4444.
      rule("Latency", "latency_p95[5m] > 5") +
      // /b alone: rank 95 of 100 in (0, 1]: 0.95, below 5.
      rule("LatencyB", R"(latency_p95{endpoint="/b"}[5m] > 5)") +
      // 1 hit and 3 misses a minute: 0.25.
      rule("Cache", "cache_hit_ratio[5m] < 0.5") +
      // m1: 3 > 1 * 1.5 fires with labels model and segment only; m2: 1 > 1.5 does not.
      rule("Degraded", "model_mae > model_training_mae * 1.5") +
      // 6 of 10 bytes used.
      rule("Memory", "memory_usage_ratio > 0.5") +
      // Only modelwatch's own job, only the target that is down.
      rule("Down", "modelwatch_up == 0") +
      // The watched service as the proxy's prober reports it: down.
      rule("ServiceDown", "service_up == 0") +
      // modelwatch's own counter (no prefix): 2 queue_full drops a minute, 30 in 15 minutes.
      rule("Dropped", "capture_dropped[15m] > 0") +
      // Ten 5xx a minute: 600 in the last hour.
      rule("Errors", "errors[1h] > 50", R"({{ $value | printf "%.0f" }})") +
      // s1 drifted and has a shifted feature; s2 has the feature shifted but no drift.
      rule("FeatureAndDrift", "feature_psi > 0.2 and model_drift_detected == 1");
  // The IIT-style deployment: prefix iit, segment label restaurant_id, in a second file.
  const std::string iit_source =
      "groups:\n  - name: iit\n    rules:\n" +
      // r1: 6 predictions a minute = 0.1/s < 1; r2 is filtered out by the matcher.
      rule("Predictions", R"(prediction_rate{segment="r1"}[5m] < 1)", "{{ $labels.segment }}",
           "{{ $labels.model_type }}");

  auto g = LoadRules(source, "g.yml");
  ASSERT_TRUE(g.has_value()) << g.status().message();
  auto iit = LoadRules(iit_source, "iit.yml", RuleOptions{"restaurant_id"});
  ASSERT_TRUE(iit.has_value()) << iit.status().message();
  TempDir dir;
  dir.Write("g.yml", ToPrometheusRuleFile(*g, PromOptions{}));
  PromOptions iit_options;
  iit_options.prefix = "iit";
  dir.Write("iit.yml", ToPrometheusRuleFile(*iit, iit_options));

  const std::string test = R"(rule_files: [g.yml, iit.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'ml_api_requests_total{method="GET",endpoint="/a",status="200"}', values: '0+90x120'}
      - {series: 'ml_api_requests_total{method="GET",endpoint="/a",status="500"}', values: '0+10x120'}
      - {series: 'ml_api_requests_total{method="GET",endpoint="/b",status="200"}', values: '0+100x120'}
      - {series: 'ml_api_errors_total{method="GET",endpoint="/a",status="500"}', values: '0+10x120'}
      - {series: 'ml_api_errors_total{method="GET",endpoint="/a",status="404"}', values: '0+50x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/a",le="1"}', values: '0+0x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/a",le="5"}', values: '0+10x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/a",le="10"}', values: '0+100x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/a",le="+Inf"}', values: '0+100x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/b",le="1"}', values: '0+100x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/b",le="5"}', values: '0+100x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/b",le="10"}', values: '0+100x120'}
      - {series: 'ml_api_request_duration_seconds_bucket{method="GET",endpoint="/b",le="+Inf"}', values: '0+100x120'}
      - {series: 'ml_cache_hits_total{cache_type="response"}', values: '0+1x120'}
      - {series: 'ml_cache_misses_total{cache_type="response"}', values: '0+3x120'}
      - {series: 'ml_service_up{instance="i",job="modelwatch"}', values: '0x120'}
      - {series: 'modelwatch_proxy_capture_dropped_total{reason="queue_full"}', values: '0+2x120'}
      - {series: 'modelwatch_proxy_capture_dropped_total{reason="invalid"}', values: '0+0x120'}
      - {series: 'ml_model_mae{model="m1",segment="s1",instance="i",job="modelwatch"}', values: '3x120'}
      - {series: 'ml_model_training_mae{model="m1",segment="s1",version="v2",instance="i",job="modelwatch"}', values: '1x120'}
      - {series: 'ml_model_mae{model="m2",segment="s1",instance="i",job="modelwatch"}', values: '1x120'}
      - {series: 'ml_model_training_mae{model="m2",segment="s1",version="v1",instance="i",job="modelwatch"}', values: '1x120'}
      - {series: 'ml_system_memory_bytes{state="used",instance="i"}', values: '6x120'}
      - {series: 'ml_system_memory_bytes{state="available",instance="i"}', values: '4x120'}
      - {series: 'ml_system_memory_bytes{state="total",instance="i"}', values: '10x120'}
      - {series: 'up{job="modelwatch",instance="a"}', values: '0x120'}
      - {series: 'up{job="modelwatch",instance="b"}', values: '1x120'}
      - {series: 'up{job="node",instance="c"}', values: '0x120'}
      - {series: 'ml_feature_psi{model="m1",segment="s1",feature="f1"}', values: '0.3x120'}
      - {series: 'ml_feature_psi{model="m1",segment="s2",feature="f1"}', values: '0.3x120'}
      - {series: 'ml_model_drift_detected{model="m1",segment="s1"}', values: '1x120'}
      - {series: 'ml_model_drift_detected{model="m1",segment="s2"}', values: '0x120'}
      - {series: 'iit_predictions_total{model_type="demand",restaurant_id="r1"}', values: '0+6x120'}
      - {series: 'iit_predictions_total{model_type="demand",restaurant_id="r2"}', values: '0+6x120'}
    alert_rule_test:
      - {eval_time: 10m, alertname: ErrorRate, exp_alerts: [{exp_labels: {severity: warning}, exp_annotations: {summary: '0.0500', description: d}}]}
      - {eval_time: 10m, alertname: ErrorRateB, exp_alerts: []}
      - {eval_time: 10m, alertname: Latency, exp_alerts: [{exp_labels: {severity: warning}, exp_annotations: {summary: '9.4444', description: d}}]}
      - {eval_time: 10m, alertname: LatencyB, exp_alerts: []}
      - {eval_time: 10m, alertname: Cache, exp_alerts: [{exp_labels: {severity: warning}, exp_annotations: {summary: '0.2500', description: d}}]}
      - {eval_time: 10m, alertname: Degraded, exp_alerts: [{exp_labels: {severity: warning, model: m1, segment: s1}, exp_annotations: {summary: '3.0000', description: d}}]}
      - {eval_time: 10m, alertname: Memory, exp_alerts: [{exp_labels: {severity: warning, instance: i}, exp_annotations: {summary: '0.6000', description: d}}]}
      - {eval_time: 10m, alertname: Down, exp_alerts: [{exp_labels: {severity: warning, job: modelwatch, instance: a}, exp_annotations: {summary: '0.0000', description: d}}]}
      - {eval_time: 10m, alertname: ServiceDown, exp_alerts: [{exp_labels: {severity: warning, job: modelwatch, instance: i}, exp_annotations: {summary: '0.0000', description: d}}]}
      - {eval_time: 20m, alertname: Dropped, exp_alerts: [{exp_labels: {severity: warning, reason: queue_full}, exp_annotations: {summary: '30.0000', description: d}}]}
      - {eval_time: 100m, alertname: Errors, exp_alerts: [{exp_labels: {severity: warning}, exp_annotations: {summary: '600', description: d}}]}
      - {eval_time: 10m, alertname: FeatureAndDrift, exp_alerts: [{exp_labels: {severity: warning, model: m1, segment: s1, feature: f1}, exp_annotations: {summary: '0.3000', description: d}}]}
      - {eval_time: 10m, alertname: Predictions, exp_alerts: [{exp_labels: {severity: warning, model_type: demand, restaurant_id: r1}, exp_annotations: {summary: r1, description: demand}}]}
)";
  const std::string test_file = dir.Write("test.yml", test);
  const ToolResult r = RunPromtool("test rules " + test_file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// ExpandTemplate against Prometheus' own rendering of the same annotations, for special values,
// values at the formats' boundaries, and random values over many magnitudes.
TEST_F(PromtoolTest, TemplatesExpandAsPrometheusExpandsThem) {
  std::vector<double> values = {
      0,       1,    -1,    0.05,   0.073123,   1e6,  123456789, 1.2345e-5, 100000,
      93784.5, -0.5, 1e21,  999.95, 0.00099995, 59.9, 3600,      259205,    -90061,
      1e-300,  2.5,  0.125, 1e20,   -1234.5678, NAN,  INFINITY,  -INFINITY};
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> mantissa(-10, 10);
  std::uniform_int_distribution<int> exponent(-12, 12);
  for (int i = 0; i < 40; ++i) values.push_back(mantissa(rng) * std::pow(10.0, exponent(rng)));

  const std::vector<std::string> templates = {"{{ $value }}",
                                              "{{ $value | humanize }}",
                                              "{{ humanizePercentage $value }}",
                                              "{{ $value | humanizeDuration }}",
                                              R"({{ printf "%.2f" $value }})",
                                              R"({{ $value | printf "%.3e" }})",
                                              R"({{ $value | printf "%g" }})",
                                              R"({{ $value | printf "%+10.3g|" }})",
                                              R"({{ printf "%08.2f" $value }})",
                                              R"({{ printf "%-9G|" $value }})",
                                              R"({{ printf "%.1f%%" $value }})",
                                              "{{ $labels.k }} {{ $labels.nothing }}x"};
  std::string rules =
      "groups:\n  - name: t\n    rules:\n      - alert: T\n        expr: ml_tpl\n"
      "        annotations:\n";
  for (size_t t = 0; t < templates.size(); ++t) {
    rules += "          a" + std::to_string(t) + ": '" + templates[t] + "'\n";
  }
  std::string test =
      "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
      "    input_series:\n";
  std::string expected =
      "    alert_rule_test:\n      - eval_time: 1m\n        alertname: T\n"
      "        exp_alerts:\n";
  for (size_t i = 0; i < values.size(); ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", values[i]);
    std::string v = text;
    if (std::isnan(values[i])) v = "NaN";
    if (std::isinf(values[i])) v = values[i] > 0 ? "+Inf" : "-Inf";
    const std::string k = "k" + std::to_string(i);
    test +=
        "      - {series: 'ml_tpl{k=\"" + k + "\"}', values: '" + v + " " + v + " " + v + "'}\n";
    expected += "          - exp_labels: {k: " + k + "}\n            exp_annotations:\n";
    for (size_t t = 0; t < templates.size(); ++t) {
      const std::string out = ExpandTemplate(templates[t], values[i], {{"k", k}});
      expected += "              a" + std::to_string(t) + ": '" + out + "'\n";
    }
  }
  TempDir dir;
  dir.Write("rules.yml", rules);
  const std::string file = dir.Write("test.yml", test + expected);
  const ToolResult r = RunPromtool("test rules " + file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace mw::alerting
