// A small model of what Prometheus computes for an exported condition (alerting/rules/promql.h)
// over synthetic promtool input series, used to write the expected alerts of the generated
// `promtool test rules` files. Only the signals are modelled here (selectors, rate/increase
// under sum by, ratios of rates, histogram_quantile, gauge ratios with ignoring(), up): the
// operators above them are evaluated by alerting's one evaluator of the condition language
// (alerting::EvaluateExpr), as the built-in engine evaluates them. The model runs at a time when
// every range window is full, so Prometheus' rate extrapolation factor is exactly 1 and the
// model's doubles are the ones Prometheus gets.
//
// Input series are what promtool's expanding notation writes: `start+step x N`, the k-th value
// being start plus k additions of step. The generators choose start and step with few significant
// bits, so every sum is exact and equals start + k * step.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "alerting/rules/condition.h"
#include "alerting/rules/sampler.h"

namespace mw::exporting::detail {

using Labels = alerting::Labels;

struct InputSeries {
  std::string name;  // metric name, prefix included
  Labels labels;     // without __name__
  double start = 0;
  double step = 0;  // added at every interval; 0 = a constant

  double ValueAt(int64_t k) const { return start + step * static_cast<double>(k); }
  // 'metric{a="x", b="y"}' as promtool's `series:` reads it.
  std::string SeriesText() const;
  // promtool's expanding notation for values 0..steps ("0.5x20", "0+3x20").
  std::string ValuesText(int64_t steps) const;
  // Name and labels: two series with the same identity must be the same input.
  std::string Identity() const;
};

struct ModelContext {
  std::string prefix = "ml";
  std::string segment_label = "segment";
  std::string job = "modelwatch";
  int64_t interval_ms = 60'000;  // between input samples
  int64_t eval_step = 0;         // the sample index evaluated (time = eval_step * interval_ms)
};

// One series of a result: labels (including "__name__" where Prometheus keeps it) and value.
using Sample = alerting::SeriesValue;

// The series the condition's PromQL returns at ctx.eval_step over `input` (none when PromQL would
// refuse the evaluation, e.g. two series for one label set in a one-to-one match). Precondition:
// every range in the condition is a multiple of ctx.interval_ms and at most eval_step intervals
// long.
std::vector<Sample> EvaluateCondition(const alerting::Expr& root,
                                      const std::vector<InputSeries>& input,
                                      const ModelContext& ctx);

// True when `value` satisfies the matcher (regular expressions fully anchored, as Prometheus').
bool Matches(const alerting::LabelMatcher& matcher, const std::string& value);

// The number as Go's strconv.FormatFloat(v, 'g', -1, 64)-compatible shortest round-trip text that
// promtool and PromQL read back to the same double.
std::string NumberText(double value);

}  // namespace mw::exporting::detail
