// Alert rules files (alerting/rules/rules.h, LoadRules): `alerting.rules_files`, `modelwatch rules
// check`, and the shipped config/rules/default.yml. The whole input is the YAML text, loaded with
// a segment label other than "segment" so the renaming of conditions and templates runs too.
//
// Checked besides memory safety: a failure carries its problems and a success none; a loaded rule
// has a parsed condition, a known severity and annotations that pass CheckTemplate, expand and
// translate to PromQL.
#include <string>
#include <vector>

#include "alerting/rules/annotation_template.h"
#include "alerting/rules/promql.h"
#include "alerting/rules/rules.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mw::alerting::RuleOptions options;
  options.segment_label = "shop";
  std::vector<mw::alerting::RuleError> errors;
  const auto loaded =
      mw::alerting::LoadRules(mw::fuzz::AsText(data, size), "rules.yml", options, &errors);
  if (!loaded.has_value()) {
    FUZZ_CHECK(!errors.empty());
    (void)mw::alerting::FormatRuleError("rules.yml", errors.front());
    return 0;
  }
  FUZZ_CHECK(errors.empty());
  for (const mw::alerting::RuleGroup& group : loaded->groups) {
    FUZZ_CHECK(!group.rules.empty());
    for (const mw::alerting::Rule& rule : group.rules) {
      const std::string& severity = rule.severity();
      FUZZ_CHECK(severity == "info" || severity == "warning" || severity == "critical");
      FUZZ_CHECK(rule.for_ms >= 0);
      for (const auto& [name, text] : rule.annotations) {
        FUZZ_CHECK(mw::alerting::CheckTemplate(text).ok());
        (void)mw::alerting::ExpandTemplate(text, 0.5, rule.labels);
      }
      (void)mw::alerting::ToPromQL(rule.condition, {});
    }
  }
  (void)mw::alerting::ToPrometheusRuleFile(*loaded, {});
  return 0;
}
