// Synthetic promtool input series for one signal use (alerting::SignalRef) so that, once every
// range window is full, the signal's PromQL evaluates to about `target`: constant gauges, linear
// counters (rates, increases, ratios of rates), and two cumulative buckets whose quantile is the
// target. Values and increments keep few significant bits so promtool's repeated additions stay
// exact (detail/promql_model.h computes the exact value Prometheus will see).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "alerting/rules/condition.h"
#include "export/detail/promql_model.h"

namespace mw::exporting::detail {

struct SynthContext {
  std::string prefix = "ml";
  std::string segment_label = "segment";
  std::string job = "modelwatch";            // job label of modelwatch's series (and of up)
  std::string instance = "modelwatch:8000";  // instance label of modelwatch's series
  int64_t interval_ms = 60'000;
};

// The input series, or nullopt when no label value satisfying the use's matchers could be found
// (e.g. an unusual regular expression).
std::optional<std::vector<InputSeries>> Synthesize(const alerting::SignalRef& ref, double target,
                                                   const SynthContext& ctx);

// The signal use as a condition writes it: name{label="v", ...}[range].
std::string SignalRefText(const alerting::SignalRef& ref);

}  // namespace mw::exporting::detail
