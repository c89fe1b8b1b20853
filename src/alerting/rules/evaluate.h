// Condition evaluation for the built-in rule engine: a parsed Condition
// (alerting/rules/condition.h) computed over a MetricSampler's history of modelwatch's own metrics,
// with the meaning the condition language documents — the same series Prometheus would return for
// the exported PromQL (alerting/rules/promql.h), except that rates and increases are not
// extrapolated to the range edges (alerting/rules/sampler.h).
//
// Recipes (signals.h): kGauge takes the latest sample of each matching series (all its labels);
// kGaugeRatio divides one-to-one on every label except the recipe's fixed-matcher labels, which
// the result drops; kRate / kIncrease sum the per-series increase (divided by the range in
// seconds for rates) by the signal's identifying labels; kRatioOfRates divides the numerator sum
// by the sum of the denominators' sums, per identifying label set (x/0 is +Inf, 0/0 NaN, as in
// PromQL); kHistogramQuantile applies the matchers to the bucket series, sums by (le, labels) and
// interpolates as histogram_quantile; kUp is one series without labels with value 1 (the engine
// runs inside the service, so it always sees itself up). Signals that are not `available` have no
// series.
//
// Thread-safety: pure functions over a sampler whose methods are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/rules/condition.h"
#include "alerting/rules/sampler.h"
#include "common/status.h"

namespace mw::alerting {

struct EvaluationContext {
  std::string prefix = "ml";  // metrics.prefix: family names are prefix + "_" + family
  int64_t now_ms = 0;
  // Gauges whose newest sample is older than this have no value (Prometheus' lookback delta).
  int64_t staleness_ms = 5 * 60 * 1000;
};

// Where a condition's signals get their series: the engine's MetricSampler history
// (EvaluateCondition below), or the exporter's model of what Prometheus computes over the
// synthetic input of a generated `promtool test rules` file. Everything above the signals — the
// operators, vector matching, comparisons as filters, and / or — is EvaluateExpr's, the one
// evaluator of the condition language.
class SignalSource {
 public:
  virtual ~SignalSource() = default;
  // The series of one signal use (a leaf of the condition), with the labels the recipe keeps. A
  // series may carry "__name__" (PromQL keeps it on selected series); arithmetic drops it,
  // comparisons keep it.
  virtual std::vector<SeriesValue> Signal(const SignalRef& ref) const = 0;
};

// The series of `root` (a parsed condition, or a sub-tree of one) with its signals' series from
// `source`, `segment_label` being the one the condition was parsed with: what the condition
// language means (alerting/rules/condition.h). Series with equal label sets never repeat (the
// first is kept). kInvalidArgument for a root that is a number, and when one side of a one-to-one
// operation has two series for one label set (PromQL refuses those too).
Result<std::vector<SeriesValue>> EvaluateExpr(const Expr& root, std::string_view segment_label,
                                              const SignalSource& source);

// `left op right` (arithmetic or a comparison) between two sets of series matched one-to-one on
// the labels `on` (sorted): pairs with equal values of `on`, each result carrying only those
// labels, in the order of those values; a comparison keeps the left value where it holds.
// kInvalidArgument when one side has two series for one match.
Result<std::vector<SeriesValue>> MatchOneToOne(BinaryOp op, const std::vector<SeriesValue>& left,
                                               const std::vector<SeriesValue>& right,
                                               const std::vector<std::string>& on);

// The series of `condition` at ctx.now_ms (EvaluateExpr over the sampler's history): for a rule,
// one alert per returned series, carrying its labels, with its value (the left side's, or the side
// that is a signal). Series with equal label sets never repeat. kInvalidArgument only for a
// condition that is not a parsed one (e.g. a top-level number); no data is an empty vector, not an
// error.
Result<std::vector<SeriesValue>> EvaluateCondition(const Condition& condition,
                                                   const MetricSampler& sampler,
                                                   const EvaluationContext& ctx);

// The series of one signal use alone (what the condition sees for it), for tests and
// `GET /v1/rules` diagnostics.
std::vector<SeriesValue> EvaluateSignal(const SignalRef& ref, std::string_view segment_label,
                                        const MetricSampler& sampler, const EvaluationContext& ctx);

// The longest range any signal of `condition` reads (0 when none): how much history the sampler
// must hold before the rule's result is complete.
int64_t LongestRangeMs(const Condition& condition);

}  // namespace mw::alerting
