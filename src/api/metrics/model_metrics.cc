#include "api/metrics/model_metrics.h"

namespace mw::api {
namespace {

using GaugeFamily = prometheus::Family<prometheus::Gauge>;

GaugeFamily& RegisterGauges(telemetry::Metrics& m, const char* suffix, const char* help) {
  return prometheus::BuildGauge().Name(m.prefix() + suffix).Help(help).Register(m.registry());
}

}  // namespace

ModelVersionMetrics::ModelVersionMetrics(telemetry::Metrics& metrics)
    : metrics_(metrics),
      training_metric_family_(
          RegisterGauges(metrics, "_model_training_metric",
                         "Training metrics (mae, rmse, auc, ...) of the latest model "
                         "version per model and segment, from the registry.")),
      model_size_family_(RegisterGauges(metrics, "_model_size_bytes",
                                        "Size in bytes of the latest model version's artefact.")),
      training_duration_family_(
          RegisterGauges(metrics, "_model_training_duration_seconds",
                         "Training time in seconds of the latest model version.")),
      registered_models_family_(
          RegisterGauges(metrics, "_registered_models",
                         "Model and segment pairs with a latest registered version.")) {}

void ModelVersionMetrics::Record(const registry::ModelVersionInfo& v) {
  if (!v.is_latest) return;
  const std::string segment =
      v.segment.empty() || metrics_.AdmitSegment(v.segment) ? v.segment : "other";
  const prometheus::Labels base = {
      {"model_type", v.model}, {metrics_.segment_label(), segment}, {"version", v.version}};
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = latest_.try_emplace({v.model, segment});
  LatestVersion& latest = it->second;
  // Drop the previous latest's series (the new version may lack some of its metrics).
  for (const auto& [family, gauge] : latest.gauges) family->Remove(gauge);
  latest.gauges.clear();
  latest.version = v.version;
  for (const auto& [name, value] : v.training_metrics) {
    prometheus::Labels labels = base;
    labels["metric"] = name;
    prometheus::Gauge& g = training_metric_family_.Add(labels);
    g.Set(value);
    latest.gauges.emplace_back(&training_metric_family_, &g);
  }
  if (v.model_size_bytes) {
    prometheus::Gauge& g = model_size_family_.Add(base);
    g.Set(static_cast<double>(*v.model_size_bytes));
    latest.gauges.emplace_back(&model_size_family_, &g);
  }
  if (v.training_duration_seconds) {
    prometheus::Gauge& g = training_duration_family_.Add(base);
    g.Set(*v.training_duration_seconds);
    latest.gauges.emplace_back(&training_duration_family_, &g);
  }
  if (inserted) registered_models_family_.Add({{"model_type", v.model}}).Increment();
}

}  // namespace mw::api
