// Alert conditions (alerting/rules/condition.h, ParseCondition): the `expr` of a rule. The whole
// input is the condition text. A parsed condition is also put through what a rule does with it: the
// labels of its result, its PromQL translation and an evaluation over an empty sampler.
//
// Checked besides memory safety: an error names a column within the text (or just past its end);
// a parsed condition is a comparison or `and` / `or` of them (tests/alerting/condition_test.cc,
// MutatedConditionsFailCleanly, checks the same on random mutations).
#include <cstdlib>
#include <string>

#include "alerting/rules/condition.h"
#include "alerting/rules/evaluate.h"
#include "alerting/rules/promql.h"
#include "alerting/rules/sampler.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parsed = mw::alerting::ParseCondition(mw::fuzz::AsText(data, size));
  if (!parsed.has_value()) {
    // "column N: reason", N within the text or just past its end.
    const std::string& message = parsed.error().message();
    FUZZ_CHECK(message.rfind("column ", 0) == 0);
    const long column = std::strtol(message.c_str() + 7, nullptr, 10);
    FUZZ_CHECK(column >= 1 && column <= static_cast<long>(size) + 1);
    return 0;
  }
  const mw::alerting::Condition& condition = *parsed;
  FUZZ_CHECK(condition.root.kind == mw::alerting::Expr::Kind::kBinary);
  FUZZ_CHECK(mw::alerting::IsComparison(condition.root.op) ||
             mw::alerting::IsLogical(condition.root.op));
  (void)mw::alerting::ResultLabels(condition.root, condition.segment_label);
  (void)mw::alerting::PossibleLabels(condition.root, condition.segment_label);
  (void)mw::alerting::LongestRangeMs(condition);
  (void)mw::alerting::ToPromQL(condition, {});
  static const mw::alerting::MetricSampler empty_sampler;
  mw::alerting::EvaluationContext context;
  context.now_ms = 1'750'000'000'000;
  FUZZ_CHECK(mw::alerting::EvaluateCondition(condition, empty_sampler, context).has_value());
  return 0;
}
