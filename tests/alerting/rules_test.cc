#include "alerting/rules/rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace mw::alerting {
namespace {

namespace fs = std::filesystem;

fs::path DefaultRulesPath() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "config" / "rules" /
         "default.yml";
}

// The problems LoadRules reports for `text`, formatted "file:line: message".
std::vector<std::string> Errors(std::string_view text, const RuleOptions& options = {}) {
  std::vector<RuleError> errors;
  auto r = LoadRules(text, "rules.yml", options, &errors);
  EXPECT_FALSE(r.has_value());
  std::vector<std::string> out;
  for (const RuleError& e : errors) out.push_back(FormatRuleError("rules.yml", e));
  if (!r.has_value()) {
    // The status message lists the same problems, one per line.
    std::string joined;
    for (const std::string& e : out) joined += (joined.empty() ? "" : "\n") + e;
    EXPECT_EQ(r.error().message(), joined);
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  }
  return out;
}

// A valid one-rule file whose rule body is `rule` (indented under "- ").
std::string OneRule(const std::string& rule) {
  return "groups:\n"
         "  - name: g\n"
         "    rules:\n"
         "      - " +
         rule;
}

const char* kValid = R"(groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighErrorRate
        expr: error_rate[5m] > 0.05
        for: 5m
        labels:
          severity: critical
          team: ml
        annotations:
          summary: High error rate
          description: '{{ $value | humanizePercentage }} of requests fail'
          runbook: Check the logs.
      - alert: HighErrorRate
        expr: error_rate[5m] > 0.02
        labels: {severity: warning}
        annotations: {summary: s, description: d}
  - name: models
    rules:
      - alert: ModelAccuracyDegraded
        expr: model_mae > model_training_mae * 1.5
        for: 2h
        labels: {severity: info}
        annotations:
          summary: 'Model {{ $labels.model }}'
          description: 'segment {{ $labels.segment }}: MAE {{ $value }}'
)";

TEST(RulesTest, LoadsAValidFile) {
  auto rules = LoadRules(kValid, "rules.yml");
  ASSERT_TRUE(rules.has_value()) << rules.status().message();
  EXPECT_EQ(rules->file_name, "rules.yml");
  ASSERT_EQ(rules->groups.size(), 2u);
  EXPECT_EQ(rules->rule_count(), 3u);
  const RuleGroup& api = rules->groups[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.interval_ms, 30000);
  EXPECT_EQ(api.line, 2);
  const Rule& r = api.rules[0];
  EXPECT_EQ(r.alert, "HighErrorRate");
  EXPECT_EQ(r.expr, "error_rate[5m] > 0.05");
  EXPECT_EQ(r.condition.text, r.expr);
  EXPECT_EQ(r.condition.root.left().signal.def, FindSignal("error_rate"));
  EXPECT_EQ(r.for_ms, 5 * 60000);
  EXPECT_EQ(r.severity(), "critical");
  EXPECT_EQ(r.labels,
            (std::map<std::string, std::string>{{"severity", "critical"}, {"team", "ml"}}));
  EXPECT_EQ(r.annotations.at("runbook"), "Check the logs.");
  EXPECT_EQ(r.line, 5);
  EXPECT_EQ(api.rules[1].for_ms, 0);
  EXPECT_EQ(rules->groups[1].interval_ms, 0);
  EXPECT_EQ(rules->groups[1].rules[0].severity(), "info");
}

TEST(RulesTest, TheShippedDefaultRulesLoadWithoutErrors) {
  std::ifstream in(DefaultRulesPath());
  ASSERT_TRUE(in) << DefaultRulesPath();
  std::stringstream text;
  text << in.rdbuf();
  for (const std::string segment_label : {"segment", "restaurant_id"}) {
    std::vector<RuleError> errors;
    auto rules = LoadRules(text.str(), "default.yml", RuleOptions{segment_label}, &errors);
    ASSERT_TRUE(rules.has_value()) << rules.status().message();
    EXPECT_TRUE(errors.empty());
    std::set<std::pair<std::string, std::string>> alerts;
    for (const RuleGroup& g : rules->groups) {
      for (const Rule& r : g.rules) {
        alerts.insert({r.alert, r.severity()});
        EXPECT_TRUE(r.annotations.count("runbook")) << r.alert << " has no runbook";
        EXPECT_TRUE(r.condition.root.left().kind == Expr::Kind::kSignal ||
                    r.condition.root.left().is_vector());
      }
    }
    // Every alert of both seed deployments' tables, at the levels they have.
    for (const auto& expected : std::set<std::pair<std::string, std::string>>{
             {"HighErrorRate", "critical"},         {"TooManyErrors", "warning"},
             {"TooManyErrors", "critical"},         {"SlowResponseTime", "warning"},
             {"SlowResponseTime", "critical"},      {"SlowPredictions", "warning"},
             {"SlowPredictions", "critical"},       {"LowCacheHitRate", "warning"},
             {"LowCacheHitRate", "critical"},       {"ServiceDown", "critical"},
             {"SlowStoreOperations", "warning"},    {"SlowStoreOperations", "critical"},
             {"HighMemoryUsage", "warning"},        {"HighMemoryUsage", "critical"},
             {"HighCpuUsage", "warning"},           {"HighCpuUsage", "critical"},
             {"ModelDriftDetected", "warning"},     {"ModelDriftDetected", "critical"},
             {"ModelAccuracyDegraded", "critical"}, {"ModelAucLow", "warning"},
             {"ModelNotLoaded", "critical"},        {"DatabaseDisconnected", "critical"},
             {"ModelwatchDown", "critical"},        {"LowDiskSpace", "warning"},
             {"LowDiskSpace", "critical"},          {"CaptureEventsDropped", "warning"},
             {"BackgroundErrors", "warning"}}) {
      EXPECT_TRUE(alerts.count(expected)) << expected.first << " " << expected.second;
    }
  }
}

TEST(RulesTest, SegmentInTemplatesNamesTheConfiguredLabel) {
  auto rules = LoadRules(kValid, "rules.yml", RuleOptions{"restaurant_id"});
  ASSERT_TRUE(rules.has_value()) << rules.status().message();
  const Rule& r = rules->groups[1].rules[0];
  EXPECT_EQ(r.annotations.at("description"),
            "segment {{ $labels.restaurant_id }}: MAE {{ $value }}");
  EXPECT_EQ(r.condition.segment_label, "restaurant_id");
}

TEST(RulesTest, ConditionErrorsGiveTheLineAndTheColumn) {
  const std::string text = OneRule(R"(alert: A
        expr: eror_rate[5m] > 0.05
        labels: {severity: warning}
        annotations: {summary: s, description: d}
)");
  EXPECT_EQ(Errors(text), (std::vector<std::string>{
                              "rules.yml:5: expr: column 1: unknown signal \"eror_rate\" (did you "
                              "mean error_rate?)"}));
}

TEST(RulesTest, BadDurations) {
  const std::string text = R"(groups:
  - name: g
    interval: 30 seconds
    rules:
      - alert: A
        expr: model_mae > 1
        for: 5 min
        labels: {severity: warning}
        annotations: {summary: s, description: d}
)";
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:3: interval: bad duration \"30 seconds\" (one number and a unit: 30s, "
                "5m, 1h, 1d)",
                "rules.yml:7: for: bad duration \"5 min\" (one number and a unit: 30s, 5m, 1h, "
                "1d)"}));
}

TEST(RulesTest, ForMayBeZero) {
  for (const std::string f : {"0", "0s", "0m"}) {
    auto rules = LoadRules(OneRule("alert: A\n        expr: model_mae > 1\n        for: " + f +
                                   "\n        labels: {severity: info}\n"
                                   "        annotations: {summary: s, description: d}\n"),
                           "r.yml");
    ASSERT_TRUE(rules.has_value()) << f << ": " << rules.status().message();
    EXPECT_EQ(rules->groups[0].rules[0].for_ms, 0);
  }
}

TEST(RulesTest, SeverityMustBeOneOfThree) {
  const std::string text = OneRule(R"(alert: A
        expr: model_mae > 1
        labels:
          severity: page
        annotations: {summary: s, description: d}
)");
  EXPECT_EQ(Errors(text), (std::vector<std::string>{
                              "rules.yml:7: severity must be info, warning or critical, not "
                              "\"page\""}));
  const std::string missing = OneRule(R"(alert: A
        expr: model_mae > 1
        labels: {team: ml}
        annotations: {summary: s, description: d}
)");
  EXPECT_EQ(Errors(missing),
            (std::vector<std::string>{
                "rules.yml:6: labels.severity: missing (info, warning or critical)"}));
}

TEST(RulesTest, MissingFieldsAndUnknownKeys) {
  const std::string text = R"(groups:
  - name: g
    rules:
      - alert: A
        exprr: model_mae > 1
        labels: {severity: warning}
        annotations: {summary: s}
      - expr: model_mae > 1
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: C
        expr: model_mae > 1
  - name: h
    rulez: []
    rules: []
extra: 1
)";
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:4: expr: missing",
                "rules.yml:5: \"exprr\": unknown key (expected alert, annotations, expr, for, "
                "labels)",
                "rules.yml:7: annotations.description: missing", "rules.yml:8: alert: missing",
                "rules.yml:11: labels: missing (a rule needs labels: {severity: "
                "info|warning|critical})",
                "rules.yml:11: annotations: missing (summary and description are required)",
                "rules.yml:14: group \"rulez\": unknown key (expected interval, name, rules)",
                "rules.yml:15: rules: a group needs at least one rule",
                "rules.yml:16: \"extra\": unknown key (expected groups)"}));
}

TEST(RulesTest, DuplicatesAreReported) {
  const std::string text = R"(groups:
  - name: g
    rules:
      - alert: A
        expr: model_mae > 1
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: A
        expr: model_mae > 2
        labels: {severity: warning}
        annotations: {summary: s, description: d}
  - name: g
    rules:
      - alert: A
        expr: model_mae > 3
        labels: {severity: critical}
        annotations: {summary: s, description: d, summary: t}
      - alert: A
        expr: model_mae > 3
        labels: {severity: critical}
        annotations: {summary: s, description: d}
)";
  // The same name with another severity is a different alert; only equal label sets clash.
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:8: alert A with the same labels is already defined at line 4 (give one "
                "of them another name or severity)",
                "rules.yml:12: group name: \"g\" is already used at line 2",
                "rules.yml:17: annotations.summary: repeated key"}));
}

TEST(RulesTest, TemplatesAreChecked) {
  const std::string text = OneRule(R"(alert: A
        expr: error_rate[5m] > 0.1
        labels: {severity: warning, team: ml}
        annotations:
          summary: '{{ $value | round }}'
          description: 'team {{ $labels.team }}, {{ $labels.alertname }}, model {{ $labels.model }}'
)");
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:8: annotations.summary: {{ $value | round }}: unknown function "
                "\"round\"",
                "rules.yml:9: annotations.description: $labels.team: the condition's series "
                "have no label \"team\" (they have no labels); $labels holds the series' labels, "
                "not the rule's labels",
                "rules.yml:9: annotations.description: $labels.alertname: the condition's "
                "series have no label \"alertname\" (they have no labels); $labels holds the "
                "series' labels, not the rule's labels",
                "rules.yml:9: annotations.description: $labels.model: the condition's series "
                "have no label \"model\" (they have no labels); $labels holds the series' "
                "labels, not the rule's labels"}));
}

TEST(RulesTest, LabelsAreChecked) {
  const std::string text = OneRule(R"(alert: 1A
        expr: model_mae > 1
        labels: {severity: warning, alertname: x, __x: y, bad-name: z, model: '{{ $value }}'}
        annotations: {summary: s, description: d}
)");
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:4: alert: \"1A\" is not a valid alert name (letters, digits, _ and :, "
                "not starting with a digit)",
                "rules.yml:6: labels.alertname: set by the rule's alert name; remove it",
                "rules.yml:6: labels.__x: not a valid label name",
                "rules.yml:6: labels.bad-name: not a valid label name",
                "rules.yml:6: labels.model: templates are not supported in labels"}));
}

TEST(RulesTest, RecordingRulesAreRefused) {
  const std::string text = OneRule(R"(record: job:rate5m
        expr: model_mae > 1
        labels: {severity: info}
        annotations: {summary: s, description: d}
)");
  EXPECT_EQ(Errors(text),
            (std::vector<std::string>{
                "rules.yml:4: record: recording rules are not supported; modelwatch rules are "
                "alerts"}));
}

TEST(RulesTest, ShapeErrors) {
  EXPECT_EQ(Errors(""),
            (std::vector<std::string>{"rules.yml:1: the file is empty; expected \"groups:\""}));
  EXPECT_EQ(Errors("- a\n- b\n"),
            (std::vector<std::string>{"rules.yml:1: expected a map with \"groups:\""}));
  EXPECT_EQ(Errors("groups: {a: 1}\n"),
            (std::vector<std::string>{"rules.yml:1: groups: expected a list of groups"}));
  EXPECT_EQ(
      Errors("groups:\n  - 3\n"),
      (std::vector<std::string>{"rules.yml:2: groups: each group is a map with name and rules"}));
  EXPECT_EQ(Errors(OneRule("alert: [A]\n        expr: {x: 1}\n")),
            (std::vector<std::string>{
                "rules.yml:4: alert: expected text, found a list",
                "rules.yml:4: labels: missing (a rule needs labels: {severity: "
                "info|warning|critical})",
                "rules.yml:4: annotations: missing (summary and description are required)",
                "rules.yml:5: expr: expected text, found a map"}));
}

TEST(RulesTest, YamlSyntaxErrorsHaveALine) {
  const auto errors = Errors("groups:\n  - name: g\n    rules: [\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("rules.yml:", 0), 0u);
  EXPECT_NE(errors[0].find(": YAML: "), std::string::npos) << errors[0];
}

TEST(RulesTest, EveryProblemIsReportedNotOnlyTheFirst) {
  const std::string text = R"(groups:
  - name: g
    rules:
      - alert: A
        expr: latency_p95 > 5
        labels: {severity: low}
        annotations: {summary: s, description: d}
      - alert: B
        expr: model_mae{modle="x"} > 1
        for: soon
        labels: {severity: warning}
        annotations: {summary: '{{ $value', description: d}
)";
  const auto errors = Errors(text);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "rules.yml:5: expr: column 1: latency_p95 needs a range, e.g. "
                        "latency_p95[5m]",
                        "rules.yml:6: severity must be info, warning or critical, not \"low\"",
                        "rules.yml:9: expr: column 11: model_mae has no label \"modle\" (labels: "
                        "model, segment)",
                        "rules.yml:10: for: bad duration \"soon\" (one number and a unit: 30s, 5m, "
                        "1h, 1d)",
                        "rules.yml:12: annotations.summary: \"{{\" without \"}}\""}));
}

TEST(RulesTest, LoadRulesFile) {
  auto missing = LoadRulesFile("/nonexistent/rules.yml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  auto rules = LoadRulesFile(DefaultRulesPath().string());
  ASSERT_TRUE(rules.has_value()) << rules.status().message();
  EXPECT_EQ(rules->file_name, DefaultRulesPath().string());
  EXPECT_GE(rules->rule_count(), 18u);
}

TEST(RulesTest, FormatRuleError) {
  EXPECT_EQ(FormatRuleError("r.yml", RuleError{14, 9, "expr: x"}), "r.yml:14: expr: x");
  EXPECT_EQ(FormatRuleError("r.yml", RuleError{0, 0, "bad"}), "r.yml: bad");
}

}  // namespace
}  // namespace mw::alerting
