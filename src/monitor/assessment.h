// The quality engine's assessment of a window (not to be confused with profile/quality.h, the
// data-quality figures alone): turns a window of logged predictions (with their actuals and
// features) plus the registry's training metrics and a reference profile into the answers of
// /performance, /drift, /quality and /history, and into the evaluator's gauges. No I/O: the
// service (service.h) and the evaluator (evaluator.h) feed it rows; statistics come from stats/,
// columns and data quality from profile/.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ingest/event.h"
#include "profile/current_columns.h"
#include "profile/profile.h"
#include "profile/quality.h"
#include "registry/model.h"
#include "stats/drift_report.h"
#include "stats/performance.h"
#include "stats/performance_drift.h"

namespace mw::monitor {

using Json = nlohmann::ordered_json;

struct QualitySettings {
  int64_t min_samples = 10;
  double degradation_threshold = 0.2;
  // Performance drift needs the degradation to be significant: its interval at confidence
  // 1 - alarm_level lies above 0 (one-sided p <= alarm_level / 2), so an unchanged model is
  // flagged in about alarm_level / 2 of evaluations per metric or fewer (the intervals are
  // approximate; the threshold gate removes more). In (0, 1); outside, no estimate can be made
  // and every metric with an estimator is insufficient_data.
  double alarm_level = 0.01;
  // AUC (and its drift) needs at least this many positives and this many negatives among the
  // rows with actuals; fewer -> insufficient_data for the auc drift item.
  int64_t min_class_samples = 5;
  std::map<std::string, double> model_degradation_thresholds;  // per-model overrides
  double classification_threshold = 0.5;
  double drift_share_threshold = 0.5;
  double DegradationThresholdFor(const std::string& model) const;
};

// One logged prediction as the quality engine needs it.
struct Row {
  int64_t seq = 0;
  int64_t created_at_ms = 0;
  std::string segment;
  std::string version;
  double prediction = 0;
  std::optional<double> actual;
  std::string features_json;
};

// The row of a stored prediction (its fields are moved out of `record`).
Row ToRow(ingest::PredictionRecord&& record);

// The headline metric whose degradation decides performance drift: mae for regression, auc for
// binary classification.
std::string_view PrimaryMetric(registry::ModelTask task);

struct PerformanceResult {
  registry::ModelTask task = registry::ModelTask::kUnknown;
  bool task_inferred = false;  // `task` was inferred, not registered (monitor/task_inference.h)
  int64_t predictions = 0;     // rows in the window
  int64_t with_actual = 0;     // rows with an actual
  int64_t invalid_labels = 0;  // classifier actuals other than 0/1 (excluded)
  std::string status;          // "ok" | "insufficient_data" | "unknown_task"
  std::optional<stats::RegressionMetrics> regression;
  std::optional<stats::ClassificationMetrics> classification;
  std::string training_version;                // whose training metrics were compared
  std::vector<stats::PerformanceDrift> drift;  // one per metric with a training value
  // The primary metric's degradation is significant (at 1 - alarm_level) and above the threshold.
  bool drift_detected = false;
  std::optional<double> degradation;  // of the primary metric (fraction)
};

// Rows without an actual count as predictions only. A classifier's actual must be 0 or 1. Every
// compared metric with an estimator (mae rmse mape r2; auc accuracy f1 log_loss brier, not
// average_precision) gets its confidence interval and significance from the same rows
// (stats/performance_uncertainty.h).
PerformanceResult ComputePerformance(registry::ModelTask task, std::span<const Row> rows,
                                     const std::map<std::string, double>& training_metrics,
                                     const std::string& training_version, const std::string& model,
                                     const QualitySettings& settings);
// A metric of a result by name (mae, rmse, mape, r2, mean_error, auc, average_precision,
// accuracy, precision, recall, f1, log_loss, brier, positive_rate, sample_size); nullopt when not
// available for the task or undefined (e.g. r2 of constant actuals).
std::optional<double> MetricValue(const PerformanceResult& result, std::string_view metric);
Json ToJson(const PerformanceResult& result);

// Drift of the current window against a reference profile: every feature with reference values
// (automatic test choice; a feature whose window has rows but no usable value, all missing or
// mistyped, is decided by the presence test "missing"), the prediction column and the actual
// (target) column when both sides have values.
struct DriftResult {
  std::string status;  // "ok" | "insufficient_data" (an empty side)
  int64_t reference_rows = 0, current_rows = 0;
  std::optional<stats::DriftReport> features;
  std::optional<stats::FeatureDrift> prediction, target;
};
Result<DriftResult> ComputeDrift(const profile::ReferenceProfile& reference,
                                 const profile::CurrentColumns& current,
                                 const stats::DriftOptions& options);
Json ToJson(const DriftResult& result);
Json ToJson(const stats::FeatureDrift& feature);
Json ToJson(const profile::QualityReport& report);

// Columns of the current window aligned with `reference` (rows whose features JSON is not an
// object are skipped and counted in `bad_rows`).
profile::CurrentColumns BuildColumns(const profile::ReferenceProfile& reference,
                                     std::span<const Row> rows, int64_t* bad_rows);

// Time series of one metric in fixed buckets [start, start + bucket_ms) aligned to the epoch.
struct HistoryPoint {
  int64_t start_ms = 0;
  int64_t sample_size = 0;
  std::optional<double> value;  // nullopt: fewer than min_samples rows with actuals, or undefined
};
std::vector<HistoryPoint> ComputeHistory(registry::ModelTask task, std::span<const Row> rows,
                                         std::string_view metric, int64_t bucket_ms,
                                         const QualitySettings& settings);
// True for the names MetricValue knows.
bool IsKnownMetric(std::string_view metric);

}  // namespace mw::monitor
