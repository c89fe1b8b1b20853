// A performance report of one model over one period (weekly or monthly): the plain data the
// weekly-report and monthly-report tasks, `modelwatch report` and the API render, and the two
// pure renderers.
//
// ReportData is filled by LoadReport (report_loader.h) and holds numbers only; the renderers
// format them and nothing else, so the HTML and the Markdown of one ReportData show the same
// figures (each number printed by FormatNumber below).
//
// HTML contract (RenderReportHtml): one self-contained UTF-8 document — inline CSS, inline SVG
// charts drawn here, no JavaScript, no external URL (no http:, https: or // reference at all) —
// every chart an <svg class="chart" data-chart="KIND:NAME"> where KIND is "volume" (one per
// report), "metric" (NAME = segment/metric) or "drift" (NAME = segment/feature). Every text
// taken from the data is escaped (& < > " '). The SVG elements are well-formed XML.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::maintenance {

enum class ReportPeriod { kWeekly, kMonthly };

std::string_view ReportPeriodName(ReportPeriod period);  // "weekly" | "monthly"
std::optional<ReportPeriod> ParseReportPeriod(std::string_view name);

// The period [from, to) in UTC. With `end_day_ms` (00:00 UTC of a day), the period ends there:
// weekly = the 7 days before it, monthly = from the same day of the previous month (clamped to
// that month's length). Without it, the last full period before `now_ms`: weekly = Monday 00:00
// to Monday 00:00, monthly = the 1st to the 1st.
struct ReportWindow {
  int64_t from_ms = 0, to_ms = 0;
};
ReportWindow PeriodWindow(ReportPeriod period, int64_t now_ms,
                          std::optional<int64_t> end_day_ms = std::nullopt);
// The period that starts on `from_day_ms` (00:00 UTC): 7 days, or one month (same day of the
// next month, clamped to its length).
ReportWindow PeriodStartingAt(ReportPeriod period, int64_t from_day_ms);
// "YYYY-MM-DD" of a UTC day -> its 00:00 UTC in ms; nullopt when malformed or not a real date.
std::optional<int64_t> ParseDay(std::string_view text);
std::string FormatDay(int64_t ms);  // "YYYY-MM-DD" (UTC)

// One bucket of a metric's series: [start_ms, start_ms + bucket).
struct ReportPoint {
  int64_t start_ms = 0;
  int64_t sample_size = 0;      // rows with an actual in the bucket
  std::optional<double> value;  // nullopt: too few rows with actuals
};

struct MetricSeries {
  std::string metric;                     // "mae", "auc", ...
  std::optional<double> training_value;   // from the registered version
  std::optional<double> period_value;     // the whole period at once
  std::optional<double> degradation_pct;  // + = worse than training
  std::string status;               // performance drift: "ok" | "drift" | "insufficient_data" ...
  std::vector<ReportPoint> points;  // oldest first
};

// One bin of a reference vs current histogram (shares of the non-missing values, 0..1).
struct HistogramBin {
  std::string label;  // numeric: the bin's lower edge; categorical: the category
  double reference_share = 0;
  double current_share = 0;
};

struct FeatureDriftItem {
  std::string name;
  std::string type;  // "numeric" | "categorical"
  std::string test;  // "ks", "chisquare", "wasserstein", "missing", ...
  double score = 0;
  std::optional<double> pvalue;  // Benjamini-Hochberg adjusted over the segment's features
  bool drifted = false;          // the adjusted decision (drift_detected_bh of the drift API)
  int64_t reference_size = 0, current_size = 0;
  std::vector<HistogramBin> bins;  // empty: no histogram drawn for this feature
};

struct SegmentReport {
  std::string segment;  // "" = the model has no segments
  std::string version;  // compared with ("" when none is registered)
  int64_t predictions = 0, with_actual = 0;
  std::vector<MetricSeries> metrics;
  // "ok" | "no_reference" | "insufficient_data" | "unavailable: <why>"
  std::string drift_status;
  std::optional<double> drift_share;  // of the adjusted decisions (drift_share_bh)
  bool dataset_drift = false;
  std::vector<FeatureDriftItem> features;  // drifted first, then by score, descending
};

struct DayVolume {
  int64_t day_start_ms = 0;
  int64_t predictions = 0;
  int64_t with_actual = 0;
};

struct ReportAlert {
  int64_t at_ms = 0;
  std::string alertname;
  std::string severity;
  std::string segment;
  std::string summary;
  double value = 0;
};

struct ReportRun {
  std::string task;
  std::string status;
  std::string trigger;
  bool dry_run = false;
  int64_t started_at_ms = 0;
  std::optional<int64_t> finished_at_ms;
  int64_t items = 0, bytes = 0;
  std::string message;
};

// A part of the report that comes from a source that may be missing (no alert engine in this
// process, a store without run records): `unavailable` then says why and `items` is empty.
template <typename T>
struct ReportSection {
  std::string unavailable;  // "" = available
  std::vector<T> items;
};

struct ReportData {
  std::string model;
  std::string task;  // "regression" | "binary_classification" | "unknown"
  bool task_inferred = false;
  ReportPeriod period = ReportPeriod::kWeekly;
  int64_t from_ms = 0, to_ms = 0;  // [from, to)
  int64_t generated_at_ms = 0;
  int64_t bucket_ms = 0;          // of the metric series
  bool truncated = false;         // more rows than the loader reads: the newest were used
  std::vector<DayVolume> volume;  // one per day of the period, oldest first
  std::vector<SegmentReport> segments;
  ReportSection<ReportAlert> alerts;
  ReportSection<ReportRun> runs;
};

// A number as every renderer prints it: integers and numbers of magnitude >= 1000 rounded to
// an integer, others with up to 4 significant digits ("0.1235", "12.35", "1235", "-3.5"); "n/a"
// for nullopt or a non-finite value; nothing beyond 1e15 is expected (printed with %.4g).
std::string FormatNumber(std::optional<double> value);
// "2026-12-07 14:05 UTC".
std::string FormatTime(int64_t ms);

std::string RenderReportHtml(const ReportData& data);
std::string RenderReportMarkdown(const ReportData& data);

}  // namespace mw::maintenance
