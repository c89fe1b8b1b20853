// Condition evaluation for the built-in rule engine: a parsed Condition (alerting/rules/condition.h)
// computed over a MetricSampler's history of modelwatch's own metrics, with the meaning the
// condition language documents — the same series Prometheus would return for the exported PromQL
// (alerting/rules/promql.h), except that rates and increases are not extrapolated to the range edges
// (alerting/rules/sampler.h).
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

// The series of `condition` at ctx.now_ms: for a rule, one alert per returned series, carrying
// its labels, with its value (the left side's, or the side that is a signal). Series with equal
// label sets never repeat. kInvalidArgument only for a condition that is not a parsed one (e.g. a
// top-level number); no data is an empty vector, not an error.
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
