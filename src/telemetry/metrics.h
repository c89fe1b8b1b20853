// Metrics: the process-wide Prometheus registry of modelwatch, the process/host collectors, and
// the text our own HTTP server serves on /metrics (prometheus-cpp core only; no exposer).
//
// Telemetry knows no domain: every subsystem registers and owns its metric families on
// registry(), named prefix() + "_..." (P = options.prefix, default "ml") when they describe the
// watched service and "modelwatch_..." when they describe modelwatch's own machinery, in the
// order the program wires them (which is the order of the families in the exposition):
//   modelwatch_http_*                          telemetry/http_metrics.h (for api/metrics)
//   P_predictions_total, P_actuals_total, P_prediction_duration_seconds, modelwatch_ingest_*,
//   modelwatch_segment_overflow_total          api/metrics/ingest_metrics.h
//   modelwatch_store_*                         api/metrics/store_metrics.h
//   P_model_*, P_registered_models             api/metrics/model_metrics.h
//   modelwatch_background_errors_total         telemetry/background_errors.h
//   modelwatch_build_info{version} = 1         RegisterBuildInfo below
//   quality, drift, evaluator, profile cache,  monitor/quality_metrics.h, alerting/
//   alerting, outbox
//   P_api_*, P_cache_*, P_service_up, ...,     proxy/ (the watched API through the proxy)
//   modelwatch_proxy_*
//   process_* and P_system_*                   system_collectors.h, read at each Serialize
// Labelled families appear in the output once they have a first sample.
//
// The segment label (options.segment_label, default "segment") is shared by every family that
// carries one: AdmitSegment caps its distinct values at max_segments for all of them together.
//
// Label values are exported as valid UTF-8 without control characters: Serialize replaces what
// is not (names stored before common/names.h checked them) with U+FFFD.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"
#include "common/strings.h"
#include "prometheus/registry.h"
#include "telemetry/series_cache.h"
#include "telemetry/system_collectors.h"

namespace mw::telemetry {

struct MetricsOptions {
  std::string prefix = "ml";              // [a-zA-Z_][a-zA-Z0-9_]*, not ending in '_'
  std::string segment_label = "segment";  // a label name, e.g. "restaurant_id"; not one of
                                          // model_type, version, metric, le, quantile, __*
  int64_t max_segments = 1000;            // >= 0; 0 exports every segment as "other"
  std::string data_dir;                   // file system for P_system_disk_*; empty = none
  std::string version = "unknown";        // modelwatch_build_info{version}
  bool system_metrics = true;             // export process_* and P_system_*
  std::string proc_root = "/proc";        // source of process_* and P_system_* (tests: fixtures)
};

class Metrics final {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // OK, or kInvalidArgument naming the bad option (metrics.prefix, metrics.segment_label,
  // metrics.max_segments).
  static Status Validate(const MetricsOptions& options);
  // Validates, then builds. Never throws.
  static Result<std::unique_ptr<Metrics>> Create(const MetricsOptions& options);
  // Precondition: Validate(options).ok() (config validation guarantees it); throws
  // std::invalid_argument otherwise. Registers no family.
  explicit Metrics(const MetricsOptions& options);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  const std::string& prefix() const { return prefix_; }
  const std::string& segment_label() const { return segment_label_; }
  const MetricsOptions& options() const { return options_; }
  // The registry every subsystem adds its families to.
  prometheus::Registry& registry() { return *registry_; }

  // True when `segment` may be exported as a label value: it is empty ("no segment", never
  // counted), was admitted before, or fewer than max_segments distinct values were admitted so
  // far (then it is admitted now). False: export it as "other".
  bool AdmitSegment(std::string_view segment);

  // Text exposition format 0.0.4 of every family, process/host metrics read now.
  std::string Serialize() const;

 private:
  const MetricsOptions options_;
  const std::string prefix_;
  const std::string segment_label_;
  const size_t max_segments_;
  std::shared_ptr<prometheus::Registry> registry_;

  std::unique_ptr<telemetry::ProcessCollector> process_collector_;
  std::unique_ptr<telemetry::HostCollector> host_collector_;

  mutable std::shared_mutex segments_mutex_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> segments_;
};

// modelwatch_build_info{version} = 1 ("Always 1; the version label identifies the running build.").
void RegisterBuildInfo(Metrics& metrics);

}  // namespace mw::telemetry
