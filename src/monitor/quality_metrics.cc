#include "monitor/quality_metrics.h"

#include <cmath>

#include "prometheus/counter.h"

namespace mw::monitor {
namespace {

const prometheus::Histogram::BucketBoundaries& ScoreBuckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.1, 0.2, 0.3, 0.4, 0.5,
                                                            0.6, 0.7, 0.8, 0.9, 1.0};
  return b;
}

// Gauge name suffix per metric (the names: _auc_score, _brier_score).
const std::vector<std::pair<std::string, std::string>>& PerformanceGauges() {
  static const std::vector<std::pair<std::string, std::string>> g = {
      {"mae", "mae"},
      {"rmse", "rmse"},
      {"mape", "mape"},
      {"r2", "r2"},
      {"mean_error", "mean_error"},
      {"auc", "auc_score"},
      {"average_precision", "average_precision"},
      {"accuracy", "accuracy"},
      {"precision", "precision"},
      {"recall", "recall"},
      {"f1", "f1"},
      {"log_loss", "log_loss"},
      {"brier", "brier_score"}};
  return g;
}

}  // namespace

QualityMetrics::QualityMetrics(prometheus::Registry& registry, std::string prefix,
                               std::string segment_label)
    : registry_(registry),
      prefix_(std::move(prefix)),
      segment_label_(std::move(segment_label)),
      score_family_(prometheus::BuildHistogram()
                        .Name(prefix_ + "_prediction_score")
                        .Help("Scores of binary classifiers' predictions (positive-class "
                              "probability), observed by the evaluator")
                        .Register(registry)),
      cache_hits_(prometheus::BuildCounter()
                      .Name("modelwatch_profile_cache_hits_total")
                      .Help("Reference-profile lookups answered from the profile cache")
                      .Register(registry)
                      .Add({})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("modelwatch_profile_cache_misses_total")
                        .Help("Reference-profile lookups that loaded the profile from the store")
                        .Register(registry)
                        .Add({})),
      cache_evictions_(prometheus::BuildCounter()
                           .Name("modelwatch_profile_cache_evictions_total")
                           .Help("Reference profiles evicted from the profile cache (least "
                                 "recently used)")
                           .Register(registry)
                           .Add({})),
      loaded_(prometheus::BuildGauge()
                  .Name("modelwatch_profile_cache_loaded")
                  .Help("Reference profiles loaded in the profile cache, per model")
                  .Register(registry)),
      passes_(prometheus::BuildCounter()
                  .Name("modelwatch_evaluator_passes_total")
                  .Help("Quality evaluator passes")
                  .Register(registry)
                  .Add({})),
      last_pass_seconds_(prometheus::BuildGauge()
                             .Name("modelwatch_evaluator_last_pass_seconds")
                             .Help("Duration of the last quality evaluator pass")
                             .Register(registry)
                             .Add({})),
      last_success_(prometheus::BuildGauge()
                        .Name("modelwatch_evaluator_last_success_timestamp_seconds")
                        .Help("Unix time of the last successful quality evaluator pass")
                        .Register(registry)
                        .Add({})) {}

prometheus::Family<prometheus::Gauge>& QualityMetrics::Gauge(const std::string& name,
                                                             const std::string& help) {
  auto it = gauges_.find(name);
  if (it != gauges_.end()) return *it->second;
  auto& family = prometheus::BuildGauge().Name(prefix_ + "_" + name).Help(help).Register(registry_);
  gauges_[name] = &family;
  return family;
}

void QualityMetrics::SetGauge(prometheus::Family<prometheus::Gauge>& family, Labels labels,
                              double value, const std::string& model, const std::string& segment,
                              const std::string& group) {
  labels["model"] = model;
  labels[segment_label_] = segment;
  family.Add(labels).Set(value);
  tracked_[{model, segment, group}].gauges.emplace_back(&family, std::move(labels));
}

void QualityMetrics::Clear(const std::string& model, const std::string& segment,
                           const std::string& group) {
  auto it = tracked_.find({model, segment, group});
  if (it == tracked_.end()) return;
  for (auto& [family, labels] : it->second.gauges) {
    if (family->Has(labels)) family->Remove(&family->Add(labels));
  }
  tracked_.erase(it);
}

void QualityMetrics::SetPerformance(const std::string& model, const std::string& segment,
                                    const PerformanceResult& r) {
  std::lock_guard lock(mu_);
  Clear(model, segment, "performance");
  const std::string g = "performance";
  SetGauge(Gauge("model_sample_size", "Predictions with actuals in the evaluation window"), {},
           static_cast<double>(r.with_actual), model, segment, g);
  SetGauge(Gauge("model_predictions_in_window", "Predictions in the evaluation window"), {},
           static_cast<double>(r.predictions), model, segment, g);
  if (r.status == "ok") {
    for (const auto& [metric, suffix] : PerformanceGauges()) {
      const std::optional<double> v = MetricValue(r, metric);
      if (!v || !std::isfinite(*v)) continue;
      SetGauge(Gauge("model_" + suffix, "Model " + metric + " over the evaluation window"), {}, *v,
               model, segment, g);
    }
  }
  for (const stats::PerformanceDrift& d : r.drift) {
    std::string suffix = d.metric;
    for (const auto& [metric, s] : PerformanceGauges()) {
      if (metric == d.metric) suffix = s;
    }
    if (d.training_value) {
      SetGauge(Gauge("model_training_" + suffix,
                     "Training " + d.metric + " of the model version compared with"),
               {{"version", r.training_version}}, *d.training_value, model, segment, g);
    }
    if (d.metric == PrimaryMetric(r.task) && d.degradation) {
      SetGauge(Gauge("model_degradation_ratio",
                     "Degradation of the primary metric against training (0.25 = 25% worse)"),
               {{"metric", d.metric}}, *d.degradation, model, segment, g);
    }
  }
  SetGauge(
      Gauge(
          "model_performance_drift",
          "1 when the primary metric degraded past the threshold against training, beyond sampling "
          "noise"),
      {}, r.drift_detected ? 1 : 0, model, segment, g);
}

void QualityMetrics::SetDrift(const std::string& model, const std::string& segment,
                              const DriftResult* drift, const profile::QualityReport* quality) {
  std::lock_guard lock(mu_);
  Clear(model, segment, "drift");
  const std::string g = "drift";
  if (drift != nullptr && drift->features) {
    for (const stats::FeatureDrift& f : drift->features->features) {
      SetGauge(Gauge("feature_drift_score",
                     "Drift statistic of a feature against the reference (test label)"),
               {{"feature", f.name}, {"test", std::string(stats::DriftTestName(f.test))}}, f.score,
               model, segment, g);
      SetGauge(Gauge("feature_drift_detected", "1 when the feature drifted"), {{"feature", f.name}},
               f.drift_detected ? 1 : 0, model, segment, g);
      auto psi = f.statistics.find("psi");
      if (psi != f.statistics.end() && std::isfinite(psi->second)) {
        SetGauge(Gauge("feature_psi", "Population stability index of a numeric feature"),
                 {{"feature", f.name}}, psi->second, model, segment, g);
      }
    }
    SetGauge(Gauge("data_drift_share", "Share of features that drifted"), {},
             drift->features->drift_share, model, segment, g);
  }
  if (drift != nullptr && drift->prediction) {
    SetGauge(Gauge("prediction_drift_score", "Drift statistic of the prediction column"),
             {{"test", std::string(stats::DriftTestName(drift->prediction->test))}},
             drift->prediction->score, model, segment, g);
  }
  if (quality != nullptr) {
    for (const profile::FeatureQuality& f : quality->features) {
      SetGauge(Gauge("feature_missing_rate", "Share of rows missing the feature"),
               {{"feature", f.name}}, f.missing_rate, model, segment, g);
    }
  }
}

void QualityMetrics::SetDriftDetected(const std::string& model, const std::string& segment,
                                      bool drifted) {
  std::lock_guard lock(mu_);
  Clear(model, segment, "status");
  SetGauge(Gauge("model_drift_detected",
                 "1 when the model drifted: performance degraded or dataset drift"),
           {}, drifted ? 1 : 0, model, segment, "status");
}

void QualityMetrics::SetRiskBands(const std::string& model, const std::string& segment, int64_t low,
                                  int64_t medium, int64_t high) {
  std::lock_guard lock(mu_);
  Clear(model, segment, "risk");
  auto& family = Gauge("predictions_risk_band",
                       "Classifier predictions in the evaluation window by risk band");
  SetGauge(family, {{"band", "low"}}, static_cast<double>(low), model, segment, "risk");
  SetGauge(family, {{"band", "medium"}}, static_cast<double>(medium), model, segment, "risk");
  SetGauge(family, {{"band", "high"}}, static_cast<double>(high), model, segment, "risk");
}

void QualityMetrics::ObserveScore(const std::string& model, const std::string& segment,
                                  double score) {
  std::lock_guard lock(mu_);
  score_family_.Add({{"model", model}, {segment_label_, segment}}, ScoreBuckets()).Observe(score);
}

void QualityMetrics::Remove(const std::string& model, const std::string& segment) {
  std::lock_guard lock(mu_);
  for (const char* group : {"performance", "drift", "status", "risk"}) {
    Clear(model, segment, group);
  }
}

void QualityMetrics::SetCache(const std::map<std::string, int64_t>& loaded_by_model, int64_t hits,
                              int64_t misses, int64_t evictions) {
  std::lock_guard lock(mu_);
  for (const auto& [type, count] : loaded_by_model) model_types_seen_.insert(type);
  for (const std::string& type : model_types_seen_) {
    auto it = loaded_by_model.find(type);
    loaded_.Add({{"model_type", type}})
        .Set(it == loaded_by_model.end() ? 0.0 : static_cast<double>(it->second));
  }
  if (hits > cache_hits_seen_) cache_hits_.Increment(static_cast<double>(hits - cache_hits_seen_));
  if (misses > cache_misses_seen_) {
    cache_misses_.Increment(static_cast<double>(misses - cache_misses_seen_));
  }
  if (evictions > cache_evictions_seen_) {
    cache_evictions_.Increment(static_cast<double>(evictions - cache_evictions_seen_));
  }
  cache_hits_seen_ = std::max(cache_hits_seen_, hits);
  cache_misses_seen_ = std::max(cache_misses_seen_, misses);
  cache_evictions_seen_ = std::max(cache_evictions_seen_, evictions);
}

void QualityMetrics::RecordPass(double seconds, bool ok, int64_t now_ms) {
  passes_.Increment();
  last_pass_seconds_.Set(seconds);
  if (ok) last_success_.Set(static_cast<double>(now_ms) / 1000.0);
}

}  // namespace mw::monitor
