// `promtool test rules` files for the exported rules: one file per rule group, and for every
// alerting rule in it
//   - a case whose input series make the rule fire, with the exact alerts promtool must see at an
//     evaluation time after the rule's `for` (labels, and annotations expanded with the value
//     Prometheus computes), and — when `for` is at least one test interval — no alert of that
//     name firing just before `for` has elapsed;
//   - a case whose input series keep it silent (no alert of that name, or only other rules of the
//     same name that the values also trigger).
// Inputs come from the signal catalog (alerting/rules/signals.h: which families each signal reads,
// and how), with values chosen around the condition's own thresholds; the expected alerts come from
// a model of the PromQL ToPromQL writes (detail/promql_model.h), evaluated over every rule of the
// same name in the file — promtool reports all of them for an alertname.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "alerting/rules/rules.h"
#include "export/files.h"

namespace mw::exporting {

struct RuleTestOptions {
  std::string prefix = "ml";                 // metrics.prefix
  std::string segment_label = "segment";     // metrics.segment_label (the rules' too)
  std::string job = "modelwatch";            // the modelwatch scrape job (modelwatch_up)
  std::string instance = "modelwatch:8000";  // instance label of the synthetic series
  // The exported rule file as the test files name it (relative to their own directory).
  std::string rule_file = "../modelwatch.rules.yml";
};

struct RuleTests {
  // "<group>.test.yml" per group (group names reduced to [A-Za-z0-9_.-]), relative to the tests
  // directory.
  std::vector<GeneratedFile> files;
  // A rule for which no firing or no silent input could be built, and why (the file is still
  // written with the other rules' cases).
  std::vector<std::string> warnings;
};

RuleTests PromtoolRuleTests(const alerting::RuleSet& rules, const RuleTestOptions& options);

}  // namespace mw::exporting
