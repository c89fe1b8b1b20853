#include "monitor/assessment.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace mw::monitor {

Row ToRow(ingest::PredictionRecord&& r) {
  Row row;
  row.seq = r.seq;
  row.created_at_ms = r.created_at_ms;
  row.segment = std::move(r.segment);
  row.version = std::move(r.version);
  row.prediction = r.prediction;
  row.actual = r.actual;
  row.features_json = std::move(r.features_json);
  return row;
}
namespace {

Json OptionalNumber(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

// [low * scale, high * scale], or null when either end is unset; a non-finite end is null.
Json Interval(const std::optional<double>& low, const std::optional<double>& high, double scale) {
  if (!low || !high) return nullptr;
  return Json::array({OptionalNumber(*low * scale), OptionalNumber(*high * scale)});
}

// Training metric keys as teams write them: "auc" or "roc_auc" both mean ROC AUC.
std::optional<double> TrainingValue(const std::map<std::string, double>& training,
                                    std::string_view metric) {
  auto it = training.find(std::string(metric));
  if (it != training.end()) return it->second;
  if (metric == "auc") {
    it = training.find("roc_auc");
    if (it != training.end()) return it->second;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& ComparedMetrics(registry::ModelTask task) {
  static const std::vector<std::string_view> regression = {"mae", "rmse", "mape", "r2"};
  static const std::vector<std::string_view> classification = {
      "auc", "average_precision", "accuracy", "f1", "log_loss", "brier"};
  static const std::vector<std::string_view> none;
  if (task == registry::ModelTask::kRegression) return regression;
  if (task == registry::ModelTask::kBinaryClassification) return classification;
  return none;
}

int64_t CountsTotal(const stats::CategoryCounts& counts) {
  int64_t total = 0;
  for (const auto& [name, count] : counts) total += count;
  return total;
}

}  // namespace

double QualitySettings::DegradationThresholdFor(const std::string& model) const {
  auto it = model_degradation_thresholds.find(model);
  return it != model_degradation_thresholds.end() ? it->second : degradation_threshold;
}

std::string_view PrimaryMetric(registry::ModelTask task) {
  return task == registry::ModelTask::kBinaryClassification ? "auc" : "mae";
}

bool IsKnownMetric(std::string_view metric) {
  static const std::vector<std::string_view> known = {
      "mae",        "rmse",      "mape",   "r2", "mean_error", "auc",   "average_precision",
      "accuracy",   "precision", "recall", "f1", "log_loss",   "brier", "positive_rate",
      "sample_size"};
  return std::find(known.begin(), known.end(), metric) != known.end();
}

namespace {

// The rows with actuals, kept for the metrics' uncertainty (the metrics themselves come from the
// accumulator / ComputeClassification).
struct LabelledRows {
  std::vector<double> predictions, actuals;  // regression
  std::vector<double> scores;                // classification
  std::vector<uint8_t> labels;
};

LabelledRows CollectRegression(std::span<const Row> rows, PerformanceResult& r) {
  LabelledRows out;
  stats::RegressionAccumulator acc;
  for (const Row& row : rows) {
    if (!row.actual) continue;
    acc.Add(row.prediction, *row.actual);
    out.predictions.push_back(row.prediction);
    out.actuals.push_back(*row.actual);
  }
  r.with_actual = acc.count();
  if (r.with_actual > 0) r.regression = acc.Finish();
  return out;
}

LabelledRows CollectClassification(std::span<const Row> rows, const QualitySettings& settings,
                                   PerformanceResult& r) {
  LabelledRows out;
  for (const Row& row : rows) {
    if (!row.actual) continue;
    if ((*row.actual != 0.0 && *row.actual != 1.0) || !(row.prediction >= 0.0) ||
        !(row.prediction <= 1.0)) {
      ++r.invalid_labels;
      continue;
    }
    out.scores.push_back(row.prediction);
    out.labels.push_back(*row.actual == 1.0 ? 1 : 0);
  }
  r.with_actual = static_cast<int64_t>(out.scores.size());
  if (!out.scores.empty()) {
    stats::ClassificationOptions options;
    options.threshold = settings.classification_threshold;
    auto metrics = stats::ComputeClassification(out.scores, out.labels, options);
    if (metrics.has_value()) r.classification = *metrics;
  }
  return out;
}

// The recent metric's uncertainty at confidence 1 - alarm_level; nullopt when the metric has no
// estimator (average_precision) or it is undefined on these rows (AUC: fewer than
// min_class_samples of a class; accuracy / f1 at 0 or 1).
std::optional<stats::MetricEstimate> RecentEstimate(const PerformanceResult& r,
                                                    std::string_view metric, const LabelledRows& in,
                                                    const QualitySettings& settings) {
  if (r.status != "ok" || !stats::HasUncertaintyEstimate(metric)) return std::nullopt;
  const double confidence = 1.0 - settings.alarm_level;
  if (r.task == registry::ModelTask::kRegression) {
    auto e = stats::EstimateRegressionMetric(metric, in.predictions, in.actuals, confidence);
    if (e.has_value()) return *e;
  } else if (r.classification && (metric == "auc" || metric == "roc_auc")) {
    const int64_t positives = r.classification->positives;
    if (positives < settings.min_class_samples ||
        r.classification->n - positives < settings.min_class_samples) {
      return std::nullopt;
    }
    auto e = stats::EstimateAuc(in.scores, in.labels, confidence);
    if (e.has_value()) return *e;
  } else if (r.classification) {
    auto e = stats::EstimateClassificationMetric(
        metric, in.scores, in.labels, r.classification->threshold,
        stats::ClassificationOptions{}.log_loss_eps, confidence);
    if (e.has_value()) return *e;
  }
  return std::nullopt;
}

}  // namespace

PerformanceResult ComputePerformance(registry::ModelTask task, std::span<const Row> rows,
                                     const std::map<std::string, double>& training_metrics,
                                     const std::string& training_version, const std::string& model,
                                     const QualitySettings& settings) {
  PerformanceResult r;
  r.task = task;
  r.predictions = static_cast<int64_t>(rows.size());
  r.training_version = training_version;
  LabelledRows labelled;
  if (task == registry::ModelTask::kRegression) {
    labelled = CollectRegression(rows, r);
  } else if (task == registry::ModelTask::kBinaryClassification) {
    labelled = CollectClassification(rows, settings, r);
  } else {
    r.status = "unknown_task";
    return r;
  }
  r.status = r.with_actual >= settings.min_samples ? "ok" : "insufficient_data";
  stats::PerformanceDriftOptions options;
  options.threshold = settings.DegradationThresholdFor(model);
  options.min_samples = settings.min_samples;
  options.confidence = 1.0 - settings.alarm_level;
  for (std::string_view metric : ComparedMetrics(task)) {
    const std::optional<double> training = TrainingValue(training_metrics, metric);
    if (!training && metric != PrimaryMetric(task)) continue;
    const std::optional<double> recent =
        r.status == "ok" ? MetricValue(r, metric) : std::optional<double>();
    stats::PerformanceDrift d = stats::EvaluatePerformanceDrift(
        metric, training, recent, RecentEstimate(r, metric, labelled, settings), r.with_actual,
        options);
    if (metric == PrimaryMetric(task)) {
      r.drift_detected = d.drift_detected;
      r.degradation = d.degradation;
    }
    r.drift.push_back(std::move(d));
  }
  return r;
}

std::optional<double> MetricValue(const PerformanceResult& r, std::string_view metric) {
  if (metric == "sample_size") return static_cast<double>(r.with_actual);
  if (r.regression) {
    const stats::RegressionMetrics& m = *r.regression;
    if (metric == "mae") return m.mae;
    if (metric == "rmse") return m.rmse;
    if (metric == "mape") return m.mape;
    if (metric == "r2") return m.r2;
    if (metric == "mean_error") return m.mean_error;
  }
  if (r.classification) {
    const stats::ClassificationMetrics& m = *r.classification;
    if (metric == "auc") return m.roc_auc;
    if (metric == "average_precision") return m.average_precision;
    if (metric == "accuracy") return m.accuracy;
    if (metric == "precision") return m.precision;
    if (metric == "recall") return m.recall;
    if (metric == "f1") return m.f1;
    if (metric == "log_loss") return m.log_loss;
    if (metric == "brier") return m.brier;
    if (metric == "positive_rate") return m.predicted_positive_rate;
  }
  return std::nullopt;
}

Json ToJson(const PerformanceResult& r) {
  Json out;
  out["task"] = std::string(registry::ModelTaskName(r.task));
  out["task_inferred"] = r.task_inferred;
  out["status"] = r.status;
  out["predictions"] = r.predictions;
  out["sample_size"] = r.with_actual;
  if (r.task == registry::ModelTask::kBinaryClassification)
    out["invalid_labels"] = r.invalid_labels;
  Json metrics = Json::object();
  if (r.status == "ok" && r.regression) {
    const stats::RegressionMetrics& m = *r.regression;
    metrics["mae"] = m.mae;
    metrics["rmse"] = m.rmse;
    metrics["mape"] = OptionalNumber(m.mape);
    metrics["mape_excluded_zero_actuals"] = m.mape_excluded;
    metrics["r2"] = OptionalNumber(m.r2);
    metrics["mean_error"] = m.mean_error;
  }
  if (r.status == "ok" && r.classification) {
    const stats::ClassificationMetrics& m = *r.classification;
    metrics["auc"] = OptionalNumber(m.roc_auc);
    metrics["average_precision"] = OptionalNumber(m.average_precision);
    metrics["threshold"] = m.threshold;
    metrics["accuracy"] = m.accuracy;
    metrics["precision"] = m.precision;
    metrics["recall"] = m.recall;
    metrics["f1"] = m.f1;
    metrics["log_loss"] = m.log_loss;
    metrics["brier"] = m.brier;
    metrics["actual_positive_rate"] = m.actual_positive_rate;
    metrics["predicted_positive_rate"] = m.predicted_positive_rate;
    metrics["confusion_matrix"] = {{"tp", m.true_positives},
                                   {"fp", m.false_positives},
                                   {"tn", m.true_negatives},
                                   {"fn", m.false_negatives}};
  }
  out["metrics"] = std::move(metrics);
  out["training_version"] = r.training_version.empty() ? Json(nullptr) : Json(r.training_version);
  out["drift_detected"] = r.drift_detected;
  out["primary_metric"] = std::string(PrimaryMetric(r.task));
  Json drift = Json::array();
  for (const stats::PerformanceDrift& d : r.drift) {
    Json item;
    item["metric"] = d.metric;
    item["status"] = d.status;
    item["drift_detected"] = d.drift_detected;
    item["training_value"] = OptionalNumber(d.training_value);
    item["recent_value"] = OptionalNumber(d.recent_value);
    item["degradation_pct"] = d.degradation ? Json(*d.degradation * 100.0) : Json(nullptr);
    item["threshold_pct"] = d.threshold * 100.0;
    item["sample_size"] = d.sample_size;
    item["recent_interval"] = Interval(d.recent_low, d.recent_high, 1.0);
    item["degradation_interval_pct"] = Interval(d.degradation_low, d.degradation_high, 100.0);
    item["pvalue"] = OptionalNumber(d.pvalue);
    item["significant"] = d.significant;
    item["above_threshold"] = d.above_threshold;
    item["confidence_level"] = d.confidence;
    item["interval_method"] = d.interval_method.empty() ? Json(nullptr) : Json(d.interval_method);
    drift.push_back(std::move(item));
  }
  out["performance_drift"] = std::move(drift);
  return out;
}

profile::CurrentColumns BuildColumns(const profile::ReferenceProfile& reference,
                                     std::span<const Row> rows, int64_t* bad_rows) {
  profile::CurrentColumnsBuilder builder(reference);
  int64_t bad = 0;
  for (const Row& row : rows) {
    if (!builder.AddFeaturesJson(row.features_json).ok()) {
      ++bad;
      continue;
    }
    builder.AddPrediction(row.prediction);
    if (row.actual) builder.AddActual(*row.actual);
  }
  if (bad_rows != nullptr) *bad_rows = bad;
  return std::move(builder).Finish();
}

Result<DriftResult> ComputeDrift(const profile::ReferenceProfile& reference,
                                 const profile::CurrentColumns& current,
                                 const stats::DriftOptions& options) {
  DriftResult result;
  result.reference_rows = reference.rows;
  result.current_rows = current.rows;
  if (reference.rows == 0 || current.rows == 0) {
    result.status = "insufficient_data";
    return result;
  }
  std::vector<stats::FeatureInput> inputs;
  for (size_t i = 0; i < reference.features.size(); ++i) {
    const profile::FeatureProfile& f = reference.features[i];
    stats::FeatureInput in;
    in.name = f.name;
    // A mistyped value is as unusable as a missing one: both count as current missing, so a
    // window with rows but no usable value is decided by the presence test, not dropped.
    const int64_t mismatched = i < current.type_mismatches.size() ? current.type_mismatches[i] : 0;
    if (f.type == profile::FeatureType::kNumeric) {
      if (f.numeric.sorted.empty()) continue;  // nothing to compare against
      in.reference_sorted = f.numeric.sorted;
      in.current_sorted = current.numeric[i].sorted;
      in.reference_missing = f.numeric.missing;
      in.current_missing = current.numeric[i].missing + mismatched;
      if (in.current_sorted.empty() && in.current_missing == 0) continue;
    } else {
      if (CountsTotal(f.categorical.counts) == 0) continue;
      in.categorical = true;
      in.reference_counts = &f.categorical.counts;
      in.current_counts = &current.categorical[i].counts;
      in.reference_missing = f.categorical.missing;
      in.current_missing = current.categorical[i].missing + mismatched;
      if (CountsTotal(current.categorical[i].counts) == 0 && in.current_missing == 0) continue;
    }
    inputs.push_back(std::move(in));
  }
  if (!inputs.empty()) {
    auto report = stats::ComputeDriftReport(inputs, options);
    if (!report.has_value()) return report.error();
    result.features = std::move(*report);
  }
  // Prediction and target drift: the same tests on the prediction / actual columns.
  auto column_drift = [&](const std::optional<profile::NumericColumn>& ref,
                          const profile::NumericColumn& cur,
                          const char* name) -> Result<std::optional<stats::FeatureDrift>> {
    if (!ref || ref->sorted.empty() || cur.sorted.empty()) {
      return std::optional<stats::FeatureDrift>();
    }
    stats::FeatureInput in;
    in.name = name;
    in.reference_sorted = ref->sorted;
    in.current_sorted = cur.sorted;
    stats::DriftOptions single = options;
    single.test_per_feature.clear();
    auto it = options.test_per_feature.find(name);
    if (it != options.test_per_feature.end()) single.test_per_feature[name] = it->second;
    auto report = stats::ComputeDriftReport(std::span<const stats::FeatureInput>(&in, 1), single);
    if (!report.has_value()) return report.error();
    return std::optional<stats::FeatureDrift>(report->features.at(0));
  };
  auto prediction = column_drift(reference.prediction, current.prediction, "prediction");
  if (!prediction.has_value()) return prediction.error();
  result.prediction = std::move(*prediction);
  auto target = column_drift(reference.actual, current.actual, "actual");
  if (!target.has_value()) return target.error();
  result.target = std::move(*target);
  result.status = "ok";
  return result;
}

Json ToJson(const stats::FeatureDrift& f) {
  Json out;
  out["feature"] = f.name;
  out["type"] = f.type;
  out["test"] = std::string(stats::DriftTestName(f.test));
  out["score"] = f.score;
  out["pvalue"] = OptionalNumber(f.pvalue);
  out["pvalue_method"] = f.pvalue_method.empty() ? Json(nullptr) : Json(f.pvalue_method);
  if (f.levels > 0) out["levels"] = f.levels;
  out["threshold"] = f.threshold;
  out["drift_detected"] = f.drift_detected;
  out["pvalue_bh"] = OptionalNumber(f.pvalue_bh);
  out["drift_detected_bh"] = f.drift_detected_bh;
  out["reference_size"] = f.reference_size;
  out["current_size"] = f.current_size;
  if (!f.statistics.empty()) {
    Json s = Json::object();
    for (const auto& [k, v] : f.statistics) s[k] = std::isfinite(v) ? Json(v) : Json(nullptr);
    out["statistics"] = std::move(s);
  }
  return out;
}

Json ToJson(const DriftResult& r) {
  Json out;
  out["status"] = r.status;
  out["reference_rows"] = r.reference_rows;
  out["current_rows"] = r.current_rows;
  if (r.features) {
    out["dataset_drift"] = r.features->dataset_drift;
    out["drift_share"] = r.features->drift_share;
    out["drift_share_bh"] = r.features->drift_share_bh;
    out["dataset_pvalue"] = OptionalNumber(r.features->dataset_pvalue);
    out["drifted_features"] = r.features->drifted;
    out["drifted_features_bh"] = r.features->drifted_bh;
    out["number_of_features"] = static_cast<int64_t>(r.features->features.size());
    Json features = Json::array();
    for (const stats::FeatureDrift& f : r.features->features) features.push_back(ToJson(f));
    out["features"] = std::move(features);
  } else {
    out["dataset_drift"] = false;
    out["features"] = Json::array();
  }
  out["prediction_drift"] = r.prediction ? ToJson(*r.prediction) : Json(nullptr);
  out["target_drift"] = r.target ? ToJson(*r.target) : Json(nullptr);
  return out;
}

Json ToJson(const profile::QualityReport& report) {
  Json out;
  out["rows"] = report.rows;
  Json features = Json::array();
  for (const profile::FeatureQuality& f : report.features) {
    Json item;
    item["feature"] = f.name;
    item["type"] = std::string(profile::FeatureTypeName(f.type));
    item["missing"] = f.missing;
    item["missing_rate"] = f.missing_rate;
    item["reference_missing_rate"] = f.reference_missing_rate;
    item["type_mismatches"] = f.type_mismatches;
    if (f.type == profile::FeatureType::kNumeric) {
      item["out_of_range"] = f.out_of_range;
      item["out_of_range_rate"] = f.out_of_range_rate;
      item["reference_min"] = f.reference_min;
      item["reference_max"] = f.reference_max;
    } else {
      item["unseen"] = f.unseen;
      item["unseen_rate"] = f.unseen_rate;
      Json unseen = Json::array();
      for (const auto& [category, count] : f.unseen_categories) {
        unseen.push_back({{"category", category}, {"count", count}});
      }
      item["unseen_categories"] = std::move(unseen);
    }
    features.push_back(std::move(item));
  }
  out["features"] = std::move(features);
  out["unknown_features"] = report.unknown_features;
  return out;
}

std::vector<HistoryPoint> ComputeHistory(registry::ModelTask task, std::span<const Row> rows,
                                         std::string_view metric, int64_t bucket_ms,
                                         const QualitySettings& settings) {
  std::map<int64_t, std::vector<Row>> buckets;
  for (const Row& row : rows) {
    int64_t start = row.created_at_ms - (row.created_at_ms % bucket_ms);
    if (row.created_at_ms < 0 && row.created_at_ms % bucket_ms != 0) start -= bucket_ms;
    buckets[start].push_back(row);
  }
  std::vector<HistoryPoint> out;
  for (const auto& [start, bucket_rows] : buckets) {
    const PerformanceResult r = ComputePerformance(task, bucket_rows, {}, "", "", settings);
    HistoryPoint p;
    p.start_ms = start;
    p.sample_size = r.with_actual;
    if (r.status == "ok") p.value = MetricValue(r, metric);
    out.push_back(p);
  }
  return out;
}

}  // namespace mw::monitor
