// QualityMetrics: the quality engine's Prometheus gauges, registered on the process registry
// (telemetry/metrics.h) under the same prefix P and segment label S. Families:
//   P_model_mae, P_model_rmse, P_model_mape, P_model_r2, P_model_auc_score,
//   P_model_average_precision, P_model_accuracy, P_model_f1, P_model_log_loss,
//   P_model_brier_score{model,S}                  gauges: the evaluation window's value
//   P_model_training_mae, ..._rmse, ..._mape, ..._r2, ..._auc_score{model,S,version}
//                                                 gauges: the training value compared with
//   P_model_degradation_ratio{model,S,metric}     gauge: degradation of the primary metric (0.25 =
//                                                 25 % worse than training)
//   P_model_drift_detected{model,S}               gauge 0/1: performance drift or dataset drift
//   P_model_performance_drift{model,S}            gauge 0/1: the primary metric degraded
//   P_model_sample_size{model,S}                  gauge: rows with actuals in the window
//   P_model_predictions_in_window{model,S}        gauge: rows in the window
//   P_feature_drift_score{model,S,feature,test}   gauge: the chosen test's statistic/distance
//   P_feature_psi{model,S,feature}                gauge: PSI of numeric features
//   P_feature_drift_detected{model,S,feature}     gauge 0/1
//   P_data_drift_share{model,S}                   gauge: share of drifted features
//   P_feature_missing_rate{model,S,feature}       gauge
//   P_predictions_risk_band{model,S,band}         gauge: classifier predictions in the window by
//                                                 band: low [0, 0.3), medium [0.3, 0.7), high [0.7,
//                                                 1]
//   P_prediction_score{model,S}                   histogram of classifier scores (0.1 .. 1.0)
// modelwatch's own machinery, with the fixed modelwatch_ prefix whatever P is:
//   modelwatch_profile_cache_loaded{model_type}   gauge: reference profiles loaded (LRU cache) per
//                                                 model (model_type holds the model name, as in
//                                                 P_predictions_total)
//   modelwatch_profile_cache_hits_total, modelwatch_profile_cache_misses_total,
//   modelwatch_profile_cache_evictions_total      counters of the profile cache (no labels; the
//                                                 watched service's response cache is the
//                                                 proxy's P_cache_*{cache_type="response"})
//   modelwatch_evaluator_passes_total, modelwatch_evaluator_last_pass_seconds,
//   modelwatch_evaluator_last_success_timestamp_seconds
// Series of a (model, segment) that no longer has data are removed at the next pass.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "monitor/assessment.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace mw::monitor {

class QualityMetrics {
 public:
  QualityMetrics(prometheus::Registry& registry, std::string prefix, std::string segment_label);

  // Replaces every performance series of (model, segment).
  void SetPerformance(const std::string& model, const std::string& segment,
                      const PerformanceResult& result);
  // Replaces every drift/quality series of (model, segment); null drift clears them.
  void SetDrift(const std::string& model, const std::string& segment, const DriftResult* drift,
                const profile::QualityReport* quality);
  void SetDriftDetected(const std::string& model, const std::string& segment, bool drifted);
  void SetRiskBands(const std::string& model, const std::string& segment, int64_t low,
                    int64_t medium, int64_t high);
  void ObserveScore(const std::string& model, const std::string& segment, double score);
  // Drops every series of (model, segment).
  void Remove(const std::string& model, const std::string& segment);

  // Profile cache: absolute counts (the cache counts; these export the increase).
  void SetCache(const std::map<std::string, int64_t>& loaded_by_model, int64_t hits, int64_t misses,
                int64_t evictions);
  void RecordPass(double seconds, bool ok, int64_t now_ms);

 private:
  using Labels = std::map<std::string, std::string>;
  struct Tracked {  // series created per (model, segment), for removal
    std::vector<std::pair<prometheus::Family<prometheus::Gauge>*, Labels>> gauges;
  };
  void SetGauge(prometheus::Family<prometheus::Gauge>& family, Labels labels, double value,
                const std::string& model, const std::string& segment, const std::string& group);
  void Clear(const std::string& model, const std::string& segment, const std::string& group);
  prometheus::Family<prometheus::Gauge>& Gauge(const std::string& name, const std::string& help);

  prometheus::Registry& registry_;
  const std::string prefix_;
  const std::string segment_label_;
  std::mutex mu_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;
  // (model, segment, group) -> series to remove when replaced
  std::map<std::tuple<std::string, std::string, std::string>, Tracked> tracked_;
  prometheus::Family<prometheus::Histogram>& score_family_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Counter& cache_evictions_;
  prometheus::Family<prometheus::Gauge>& loaded_;
  int64_t cache_hits_seen_ = 0, cache_misses_seen_ = 0, cache_evictions_seen_ = 0;
  prometheus::Counter& passes_;
  prometheus::Gauge& last_pass_seconds_;
  prometheus::Gauge& last_success_;
  std::set<std::string> model_types_seen_;
};

}  // namespace mw::monitor
