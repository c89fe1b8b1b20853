// Alert rules files: the Prometheus rule-file shape, with `expr` written in modelwatch's condition
// language (alerting/rules/condition.h) over the signal catalog (alerting/rules/signals.h):
//
//   groups:
//     - name: service_api             # unique in the file
//       interval: 30s                 # optional: how often the group is evaluated
//       rules:
//         - alert: HighErrorRate      # [a-zA-Z_:][a-zA-Z0-9_:]*
//           expr: error_rate[5m] > 0.05
//           for: 5m                   # optional, default 0: how long it must hold before firing
//           labels:
//             severity: critical      # required: info, warning or critical
//           annotations:              # summary and description required; runbook optional
//             summary: High error rate
//             description: '{{ $value | humanizePercentage }} of requests fail'
//
// Loading checks everything and reports every problem with its line, not only the first:
// unknown keys, missing or mistyped fields, bad durations, conditions that do not parse,
// severities other than the three, templates outside the supported subset
// (alerting/rules/annotation_template.h), templates naming labels the alert cannot carry, empty
// groups, duplicate group names, and two rules that would produce the same alert (same name and
// labels). Rules sharing a name with different labels (the usual warning/critical pair) are fine.
//
// "segment" names the segment label in conditions and templates whatever metrics.segment_label
// is; loading rewrites it to the configured name, so the shipped rules fit every deployment.
//
// Thread-safety: values; the functions may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/rules/condition.h"
#include "common/status.h"

namespace mw::alerting {

struct Rule {
  std::string alert;                               // the alert name (label alertname)
  std::string expr;                                // the condition as written
  Condition condition;                             // parsed
  int64_t for_ms = 0;                              // 0 = fires at the first evaluation that holds
  std::map<std::string, std::string> labels;       // includes severity
  std::map<std::string, std::string> annotations;  // templates, segment label resolved
  int line = 0;                                    // 1-based line of the rule in the file

  const std::string& severity() const { return labels.at("severity"); }
};

struct RuleGroup {
  std::string name;
  int64_t interval_ms = 0;  // 0 = the engine's default evaluation interval
  std::vector<Rule> rules;
  int line = 0;
};

struct RuleSet {
  std::string file_name;  // as given to LoadRules, for messages
  std::vector<RuleGroup> groups;

  size_t rule_count() const;
};

// One problem in a rules file. line and column are 1-based (0 when unknown, e.g. a YAML document
// that is not a map).
struct RuleError {
  int line = 0;
  int column = 0;
  std::string message;  // "expr: column 1: unknown signal ..." (the field first, then the reason)
};

// "file:line: message".
std::string FormatRuleError(std::string_view file_name, const RuleError& error);

struct RuleOptions {
  std::string segment_label = "segment";  // metrics.segment_label
};

// Parses and checks a rules file's text. On success the rule set; otherwise kInvalidArgument whose
// message is every problem as "file:line: reason", one per line, in file order; `errors`, when
// not null, receives the same problems structured (cleared first).
Result<RuleSet> LoadRules(std::string_view yaml_text, std::string_view file_name,
                          const RuleOptions& options = {},
                          std::vector<RuleError>* errors = nullptr);

// Reads `path` and loads it as above (file_name = path). kNotFound when the file does not exist,
// kUnavailable when it cannot be read.
Result<RuleSet> LoadRulesFile(const std::string& path, const RuleOptions& options = {},
                              std::vector<RuleError>* errors = nullptr);

// The rules compiled into the binary (config/rules/default.yml at build time; the source is
// generated from default_rules.cc.in), used when no rules file is configured.
std::string_view DefaultRulesYaml();

}  // namespace mw::alerting
