// The signal catalog: the named quantities alert conditions are written over (error_rate,
// latency_p95, model_mae, feature_psi, ...), each defined once as a small recipe over the metric
// families modelwatch exports (docs/metrics.md, monitor/quality_metrics.h). This table is the
// single source of truth for both the built-in rule engine, which computes a recipe from its
// MetricSampler, and the PromQL export (alerting/rules/promql.h), which writes the same recipe as
// PromQL — so one rule means the same thing in both places.
//
// Names of metric families are stored without the configurable prefix P ("api_errors_total" is
// exported as P_api_errors_total, the watched API through the proxy); the unprefixed families
// (modelwatch's own modelwatch_*, process_*, Prometheus' up) say so. The segment
// label S (metrics.segment_label) is not spelled out in the table: a signal with `segmented` set
// carries it, under whatever name is configured.
//
// Thread-safety: the catalog is immutable after its first use; every function may be called from
// any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mw::alerting {

// A label matcher as PromQL writes it: label="value", label!="value", label=~"regex",
// label!~"regex". Regular expressions are fully anchored (they match the whole value).
struct LabelMatcher {
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  std::string label;
  Op op = Op::kEqual;
  std::string value;

  bool operator==(const LabelMatcher&) const = default;
};

// "=", "!=", "=~", "!~".
std::string_view MatcherOpText(LabelMatcher::Op op);

// One metric family with fixed matchers, e.g. P_api_errors_total{status=~"5.."}.
struct MetricSelector {
  std::string family;  // without the prefix when `prefixed`, e.g. "api_errors_total"
  bool prefixed = true;
  std::vector<LabelMatcher> matchers;  // fixed by the recipe; user matchers are added to these
};

// The family's exported name: prefix + "_" + family, or family itself when not prefixed.
std::string MetricName(const MetricSelector& selector, std::string_view prefix);

// How a signal is computed. Every kind's PromQL form (L = the signal's labels, r = the range the
// condition gives, m = fixed and user matchers):
//   kGauge              metric{m}                                     the latest value
//   kGaugeRatio         metric{m} / ignoring(fixed) denominator[0]{m} latest values, one-to-one
//   kRate               sum by (L) (rate(metric{m}[r]))               per second
//   kIncrease           sum by (L) (increase(metric{m}[r]))           over the range
//   kRatioOfRates       sum by (L) (rate(metric{m}[r])) / (sum over denominator of
//                       sum by (L) (rate(d{m}[r])))
//   kHistogramQuantile  histogram_quantile(q, sum by (le, L) (rate(metric_bucket{m}[r])))
//   kUp                 up{job="<scrape job>"}                        1 while scrapes succeed
enum class RecipeKind {
  kGauge,
  kGaugeRatio,
  kRate,
  kIncrease,
  kRatioOfRates,
  kHistogramQuantile,
  kUp,
};

std::string_view RecipeKindName(RecipeKind kind);  // "gauge", "gauge_ratio", "rate", ...
// True for the kinds computed over a range (rates, increases, quantiles of rates).
bool NeedsRange(RecipeKind kind);

struct Recipe {
  RecipeKind kind = RecipeKind::kGauge;
  MetricSelector metric;  // the gauge, counter, or histogram (base name); the numerator of ratios
  // kGaugeRatio: exactly one; kRatioOfRates: one or more, summed (hits + misses).
  std::vector<MetricSelector> denominator;
  double quantile = 0;  // kHistogramQuantile, in (0, 1)
};

struct SignalDef {
  std::string name;         // what conditions write, e.g. "error_rate"
  std::string description;  // one sentence for docs and `rules check`
  std::string unit;         // "ratio" (0-1), "seconds", "per second", "count", "bytes", "0/1", ...
  // Labels identifying each series of the signal, sorted, without S; with `segmented` S is one
  // more. Two signals can be compared or combined arithmetically only when these agree.
  std::vector<std::string> labels;
  bool segmented = false;
  // Labels the series also carry without identifying them (one value per identity), e.g. the
  // `version` of model_training_mae. Alerts keep them; vector matching ignores them.
  std::vector<std::string> extra_labels;
  // Labels of the underlying series that matchers may filter on although the signal aggregates
  // them away (e.g. `endpoint` for error_rate).
  std::vector<std::string> filter_labels;
  Recipe recipe;
  // False while no subsystem exports the recipe's families yet: rules over it load and export,
  // and the built-in engine reports "no data" for them.
  bool available = true;
  std::string note;  // where the data comes from when that is not obvious; may be empty

  bool needs_range() const { return NeedsRange(recipe.kind); }
};

// Every signal, in documentation order. Names are unique.
std::span<const SignalDef> Signals();
// The signal called `name`, or nullptr.
const SignalDef* FindSignal(std::string_view name);
// A signal that was renamed: its new name and why, e.g. "db_query_p95" -> {"store_query_p95",
// "modelwatch's own store"}.
struct SignalRename {
  std::string_view name;
  std::string_view why;
};
// The rename of `name`, or nullopt when `name` was never renamed.
std::optional<SignalRename> RenamedSignal(std::string_view name);
// The known signal name closest to `name` (edit distance at most 2, or 3 for names of 10+
// characters), or "" when none is close. For "did you mean" hints.
std::string SuggestSignal(std::string_view name);

// The identifying labels of `signal` with the segment label resolved, sorted by name.
std::vector<std::string> SignalLabels(const SignalDef& signal, std::string_view segment_label);
// Every label a matcher on `signal` may name: identifying, extra and filter labels (S resolved),
// sorted.
std::vector<std::string> MatchableLabels(const SignalDef& signal, std::string_view segment_label);

}  // namespace mw::alerting
