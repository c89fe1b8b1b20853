// LoadReport: fills a ReportData (report.h) for one model and period from the store, the quality
// engine and (when this process has one) the alert engine.
//
// Where each part comes from, and why:
//   - metric series and the period's metrics: computed from the period's logged predictions
//     (QualityService::LoadRows, monitor::ComputePerformance per bucket of 6 h for a weekly and
//     1 d for a monthly report), compared with the training metrics of the segment's latest
//     version (QualityService::ChooseVersion). The evaluator's stored snapshots are not used:
//     each covers the 24 h before it was taken (a lagged, overlapping series) and backfilled
//     traffic has none, while the rows give exact per-bucket values;
//   - drift: the period's rows against the segment's reference profile (monitor::ComputeDrift,
//     the same test as GET /v1/models/{model}/drift), and the histograms of reference vs current
//     from the same columns (the drift payloads hold no bins);
//   - alerts: transitions to "firing" in the period whose `model` label is the model, read from
//     the rule engine's history; without an engine the section says "unavailable";
//   - maintenance runs started in the period (every task; runs are not per model); a store that
//     cannot list them makes the section "unavailable", not the report fail.
// Segments with performance drift or a drifted feature come first, the others by name.
// At most the quality service's max_rows rows are read (the newest; `truncated` says so).
//
// Thread-safety: LoadReport may be called concurrently (its sources are thread-safe).
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "alerting/engine/engine.h"
#include "common/status.h"
#include "maintenance/report/report.h"
#include "monitor/service.h"
#include "store/store.h"

namespace mw::maintenance {

struct ReportSources {
  store::Store& store;
  monitor::QualityService& quality;
  alerting::RuleEngine* alerts = nullptr;  // null: the alerts section is "unavailable"
  // The alert label holding the segment (metrics.segment_label).
  std::string segment_label = "segment";
  // What the alerts section says when `alerts` is null.
  std::string alerts_unavailable =
      "no alert engine in this process (alerting disabled, or the "
      "report was made without a running server)";
};

struct ReportRequest {
  std::string model;
  ReportPeriod period = ReportPeriod::kWeekly;
  ReportWindow window;  // PeriodWindow(period, ...)
  int64_t now_ms = 0;   // generated_at
};

// kNotFound for an unknown model; other store failures as they come.
Result<ReportData> LoadReport(const ReportSources& sources, const ReportRequest& request);

// Pure parts, tested directly.
// The histogram of a numeric feature: `bins` equal-width bins over the 1st..99th percentile of
// both sides together (values outside fall into the end bins), as shares of each side's values.
std::vector<HistogramBin> NumericHistogram(std::span<const double> reference_sorted,
                                           std::span<const double> current_sorted, int bins = 12);
// The histogram of a categorical feature: categories by reference count, then current count
// (name order on ties); beyond `max_bins` - 1 categories the rest are summed into "(other)".
std::vector<HistogramBin> CategoricalHistogram(
    const std::map<std::string, int64_t, std::less<>>& reference,
    const std::map<std::string, int64_t, std::less<>>& current, int max_bins = 10);

}  // namespace mw::maintenance
