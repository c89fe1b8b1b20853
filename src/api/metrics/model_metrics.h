// The registry families (P = Metrics::prefix(), S = Metrics::segment_label()): the training
// metadata of the latest version of each (model, segment).
//   P_model_training_metric{model_type,S,version,metric}   (mae, rmse, auc, ...)
//   P_model_size_bytes{model_type,S,version}, P_model_training_duration_seconds{...}
//   P_registered_models{model_type}: (model, segment) pairs with a latest version.
// The segment shares the cap of Metrics::AdmitSegment (past it: S="other").
// Thread-safety: Record may be called from any thread concurrently.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "registry/model.h"
#include "telemetry/metrics.h"

namespace mw::api {

class ModelVersionMetrics {
 public:
  // Registers the families on metrics.registry(); `metrics` must outlive this.
  explicit ModelVersionMetrics(telemetry::Metrics& metrics);

  // A version registered with is_latest replaces the previous latest's series; one registered
  // with is_latest=false is ignored. Call it for every latest version at start-up too.
  void Record(const registry::ModelVersionInfo& version);

 private:
  struct LatestVersion {
    std::string version;
    std::vector<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>> gauges;
  };

  telemetry::Metrics& metrics_;
  prometheus::Family<prometheus::Gauge>& training_metric_family_;
  prometheus::Family<prometheus::Gauge>& model_size_family_;
  prometheus::Family<prometheus::Gauge>& training_duration_family_;
  prometheus::Family<prometheus::Gauge>& registered_models_family_;

  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, LatestVersion> latest_;  // (model, segment)
};

}  // namespace mw::api
