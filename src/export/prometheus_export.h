// `modelwatch export prometheus --out DIR`: everything a standard Prometheus needs to watch
// modelwatch, generated from the same rules file the built-in engine evaluates:
//   prometheus.yml                  scrape jobs (modelwatch, node-exporter), rule_files, alerting
//   rules/modelwatch.rules.yml      the rules with `expr` translated to PromQL
//                                   (alerting/rules/promql.h); alert names, for, labels and
//                                   annotations unchanged
//   rules/tests/<group>.test.yml    promtool unit tests per group (export/rule_tests.h)
//   modelwatch.token                only with auth: the bearer token for the scrape (mode 0600)
// Check with: promtool check config DIR/prometheus.yml && promtool test rules
// DIR/rules/tests/*.test.yml
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "alerting/rules/rules.h"
#include "common/status.h"
#include "export/files.h"
#include "export/prometheus_config.h"

namespace mw::exporting {

struct PrometheusExportOptions {
  std::string prefix = "ml";              // metrics.prefix
  std::string segment_label = "segment";  // metrics.segment_label; the rules must be loaded with it
  PrometheusConfigOptions config;         // targets, intervals, Alertmanager; config.job names the
                                          // modelwatch job (modelwatch_up uses it)
  // A token with the read role when modelwatch requires authentication; "" = none.
  std::string bearer_token;
};

struct PrometheusExport {
  std::vector<GeneratedFile> files;
  std::vector<std::string> warnings;  // rules without a generated promtool case, and why
};

// kInvalidArgument for bad options (the message names the flag) or rules loaded with another
// segment label.
Result<PrometheusExport> PrometheusFiles(const alerting::RuleSet& rules,
                                         const PrometheusExportOptions& options);

}  // namespace mw::exporting
