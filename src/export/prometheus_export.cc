#include "export/prometheus_export.h"

#include "alerting/rules/promql.h"
#include "export/rule_tests.h"

namespace mw::exporting {

namespace {

constexpr const char* kRuleFile = "rules/modelwatch.rules.yml";
constexpr const char* kTokenFile = "modelwatch.token";

}  // namespace

Result<PrometheusExport> PrometheusFiles(const alerting::RuleSet& rules,
                                         const PrometheusExportOptions& options) {
  if (!IsPrometheusName(options.prefix)) {
    return InvalidArgument("metrics.prefix '" + options.prefix + "' is not a Prometheus name");
  }
  if (!IsPrometheusName(options.segment_label)) {
    return InvalidArgument("metrics.segment_label '" + options.segment_label +
                           "' is not a Prometheus label name");
  }
  if (options.bearer_token.find_first_of("\r\n") != std::string::npos) {
    return InvalidArgument("the scrape token must be a single line");
  }
  for (const auto& group : rules.groups) {
    for (const auto& rule : group.rules) {
      if (rule.condition.segment_label != options.segment_label) {
        return InvalidArgument("rule " + rule.alert + " was loaded with segment label '" +
                               rule.condition.segment_label + "', the export uses '" +
                               options.segment_label + "'");
      }
    }
  }
  PrometheusConfigOptions config = options.config;
  config.rule_file = kRuleFile;
  config.bearer_token_file = options.bearer_token.empty() ? "" : kTokenFile;
  if (Status s = ValidatePrometheusConfigOptions(config); !s.ok()) return s;

  PrometheusExport out;
  out.files.push_back({"prometheus.yml", PrometheusConfigYaml(config)});
  alerting::PromOptions prom;
  prom.prefix = options.prefix;
  prom.job = config.job;
  out.files.push_back({kRuleFile, alerting::ToPrometheusRuleFile(rules, prom)});

  RuleTestOptions test_options;
  test_options.prefix = options.prefix;
  test_options.segment_label = options.segment_label;
  test_options.job = config.job;
  test_options.instance = config.modelwatch_target;
  test_options.rule_file = "../modelwatch.rules.yml";
  RuleTests tests = PromtoolRuleTests(rules, test_options);
  for (GeneratedFile& f : tests.files) {
    f.path = "rules/tests/" + f.path;
    out.files.push_back(std::move(f));
  }
  out.warnings = std::move(tests.warnings);
  if (!options.bearer_token.empty()) {
    out.files.push_back({kTokenFile, options.bearer_token + "\n", /*secret=*/true});
  }
  return out;
}

}  // namespace mw::exporting
