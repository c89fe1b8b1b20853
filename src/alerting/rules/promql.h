// PromQL export: conditions and whole rule sets translated for a standard Prometheus that scrapes
// modelwatch, from the same signal recipes the built-in engine evaluates
// (alerting/rules/signals.h).
//
// Translation (P = prefix; L = the signal's identifying labels; r = the condition's range):
//   counters       sum by (L) (rate(P_x_total{m}[r]))   (sum(...) when L is empty)
//   ratios         the same for numerator and denominator, so both sides carry exactly L
//   quantiles      histogram_quantile(q, sum by (le, L) (rate(P_x_bucket{m}[r])))
//   gauges         P_x{m}, as scraped
//   modelwatch_up  up{job="<job>"}
// Two signals in one operation are matched with on(<their identifying labels>) (and / or with
// on(<the labels both sides carry>)), which keeps model_training_mae's `version` out of the
// match; parentheses are added only where PromQL's precedence needs them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerting/rules/condition.h"
#include "alerting/rules/rules.h"

namespace mw::alerting {

struct PromOptions {
  std::string prefix = "ml";       // metrics.prefix
  std::string job = "modelwatch";  // the scrape job of modelwatch in prometheus.yml (modelwatch_up)
};

// The condition as a PromQL expression. The segment label is the one the condition was parsed
// with (Condition::segment_label).
std::string ToPromQL(const Condition& condition, const PromOptions& options);

// One signal use alone, e.g. for dashboards or `modelwatch rules signals`: what ToPromQL writes
// for `ref` inside a condition. ref.def must be set; ref.range_ms > 0 when it needs a range.
std::string SignalToPromQL(const SignalRef& ref, std::string_view segment_label,
                           const PromOptions& options);

// The names of the series a signal reads, as exported with `options.prefix`: the families of its
// recipe ("_bucket" appended for histograms), "up" for modelwatch_up.
std::vector<std::string> SignalSeriesNames(const SignalDef& signal, const PromOptions& options);

// `s` as a PromQL double-quoted string literal (\\ and \" escaped, a newline as \n): how label
// values are written in selectors, promtool input series and Alertmanager-style matchers.
std::string QuotePromQLString(std::string_view s);

// A Prometheus rule file (YAML) with every group and alert of `rules`, each expr translated by
// ToPromQL and the rest (for, labels, annotations, interval) carried over unchanged. The text
// passes `promtool check rules`.
std::string ToPrometheusRuleFile(const RuleSet& rules, const PromOptions& options);

}  // namespace mw::alerting
