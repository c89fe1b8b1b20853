// Metrics: the process-wide Prometheus registry of modelwatch and the text our own HTTP server
// serves on /metrics (prometheus-cpp core only; no exposer).
//
// Families (P = options.prefix, default "ml"; S = options.segment_label, default "segment"):
//   P_api_requests_total{method,endpoint,status}          counter  every request
//   P_api_errors_total{method,endpoint,status}            counter  requests answered 4xx/5xx
//   P_api_request_duration_seconds{method,endpoint}       histogram 0.5 ms .. 10 s
//   P_api_response_size_bytes{method,endpoint}            histogram 100 B .. 10 MB
//   P_api_requests_in_flight                              gauge
//   P_predictions_total{model_type,S}                     counter
//   P_actuals_total{model_type,matched="true|false"}      counter
//   P_segment_overflow_total                              counter  predictions exported as
//   S="other" P_ingest_batch_size                                   histogram events per request, 1
//   .. 100000 P_ingest_rejected_total{reason}                       counter
//   P_db_query_duration_seconds{operation}                histogram 0.1 ms .. 10 s
//   P_db_group_commits_total                              counter
//   P_db_group_commit_rows                                histogram rows per group commit
//   P_db_group_commit_duration_seconds                    histogram
//   P_db_connections{state="active|idle"}, P_db_connection_pool_size, P_db_write_queue_depth,
//   P_db_size_bytes, P_db_table_rows{table}               gauges (UpdateStoreStats)
//   P_model_training_metric{model_type,S,version,metric}, P_model_size_bytes{...},
//   P_model_training_duration_seconds{...}, P_registered_models{model_type} (RecordModelVersion)
//   P_build_info{version} = 1                             gauge
//   modelwatch_http_connections_open                      gauge    connections being served
//   modelwatch_http_connections_rejected_total{reason}    counter  refused: "max_connections"
//   modelwatch_http_accept_errors_total                   counter  failed accepts (EMFILE, ...)
//   modelwatch_background_errors_total{thread}            counter  background passes that threw
//     (the modelwatch_ families are the service's own health: their prefix is fixed, not P)
//   process_* and P_system_*                              see system_collectors.h
// Labelled families appear in the output once they have a first sample.
//
// Cardinality: `method` is folded to the standard HTTP methods or "other"; `endpoint` must be a
// route template (the HTTP server passes one, or "unmatched"), never a raw path; the segment label
// takes at most max_segments distinct values (the empty "no segment" value not counted), later
// values are exported as "other" and counted in P_segment_overflow_total. Model names, reasons,
// operations and table names come from the code or the registry and are not capped here.
//
// Label values are exported as valid UTF-8 without control characters: Serialize replaces what
// is not (names stored before common/names.h checked them) with U+FFFD.
//
// Hot path: recording looks up cached series pointers under a shared lock (no label-map building,
// no allocation once a series exists); Family::Add runs only on a series' first use.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "registry/model.h"
#include "store/store.h"
#include "telemetry/system_collectors.h"

namespace mw {

struct MetricsOptions {
  std::string prefix = "ml";              // [a-zA-Z_][a-zA-Z0-9_]*, not ending in '_'
  std::string segment_label = "segment";  // a label name, e.g. "restaurant_id"; not one of
                                          // model_type, version, metric, le, quantile, __*
  int64_t max_segments = 1000;            // >= 0; 0 exports every segment as "other"
  std::string data_dir;                   // file system for P_system_disk_*; empty = none
  std::string version = "unknown";        // P_build_info{version}
  bool system_metrics = true;             // export process_* and P_system_*
  std::string proc_root = "/proc";        // source of process_* and P_system_* (tests: fixtures)
};

// Bucket boundaries, exposed for tests and dashboards.
const std::vector<double>& RequestDurationBuckets();
const std::vector<double>& IngestBatchSizeBuckets();

namespace telemetry {
// Hash that lets unordered containers keyed by std::string be probed with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
}  // namespace telemetry

class Metrics final : public StoreObserver {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // OK, or kInvalidArgument naming the bad option (metrics.prefix, metrics.segment_label,
  // metrics.max_segments).
  static Status Validate(const MetricsOptions& options);
  // Validates, then builds. Never throws.
  static Result<std::unique_ptr<Metrics>> Create(const MetricsOptions& options);
  // Precondition: Validate(options).ok() (config validation guarantees it); throws
  // std::invalid_argument otherwise.
  explicit Metrics(const MetricsOptions& options);
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  const std::string& prefix() const { return prefix_; }
  // The registry, for subsystems that add their own families (named prefix() + "_...").
  prometheus::Registry& registry() { return *registry_; }

  // Text exposition format 0.0.4 of every family, process/host metrics read now.
  std::string Serialize() const;

  // HTTP requests (see RequestObserver for the http::ServerObserver that calls these).
  void RequestStarted();
  // endpoint: route template or "unmatched". Decrements in-flight.
  void RequestFinished(std::string_view method, std::string_view endpoint, int status,
                       double seconds, size_t response_bytes);

  // HTTP connections (see RequestObserver, the http::ServerObserver that calls these).
  void ConnectionOpened();
  void ConnectionClosed();
  // reason: a short fixed token from the server ("max_connections").
  void ConnectionRejected(std::string_view reason);
  void AcceptFailed();

  // Ingest. Counts <= 0 are ignored.
  void RecordPredictions(std::string_view model, std::string_view segment, int64_t count);
  // model may be empty when actuals arrive without one; it is exported as "unknown".
  void RecordActuals(std::string_view model, int64_t matched, int64_t unmatched);
  // Actuals carry no model (ingest/event.h): model_type="unknown".
  void RecordActuals(int64_t matched, int64_t unmatched) { RecordActuals("", matched, unmatched); }
  void RecordBatch(int64_t size);  // events in one ingest request
  // reason: a short fixed token ("validation", "too_large", "conflict", "queue_full", ...).
  void RecordRejected(std::string_view reason, int64_t count = 1);

  // A background thread's pass failed with an exception (common/background.h); thread: a fixed
  // token ("evaluator", "alert_engine", "store_writer", ...).
  void RecordBackgroundError(std::string_view thread);

  // Registry: exports the training metadata of the latest version of each (model, segment):
  //   P_model_training_metric{model_type,S,version,metric}   (mae, rmse, auc, ...)
  //   P_model_size_bytes{model_type,S,version}, P_model_training_duration_seconds{...}
  //   P_registered_models{model_type}: (model, segment) pairs with a latest version.
  // A version registered with is_latest replaces the previous latest's series; one registered
  // with is_latest=false is ignored. Call it for every latest version at start-up too.
  void RecordModelVersion(const ModelVersionInfo& version);

  // Store gauges: sets every gauge from a fresh snapshot (call before Serialize, e.g. per scrape).
  void UpdateStoreStats(const StoreStats& stats);

  // This object as the store's observer (SqliteStoreOptions::observer).
  StoreObserver* store_observer() { return this; }

  // StoreObserver.
  void OnQuery(std::string_view operation, double seconds) override;
  void OnGroupCommit(int64_t requests, int64_t rows, double seconds) override;

 private:
  struct RequestSeries {
    prometheus::Counter* requests;
    prometheus::Counter* errors;  // null below 400
    prometheus::Histogram* duration;
    prometheus::Histogram* size;
  };

  struct LatestVersion {
    std::string version;
    std::vector<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>> gauges;
  };

  bool AdmitSegment(std::string_view segment);

  const std::string prefix_;
  const std::string segment_label_;
  const size_t max_segments_;
  std::shared_ptr<prometheus::Registry> registry_;

  prometheus::Family<prometheus::Counter>& requests_family_;
  prometheus::Family<prometheus::Counter>& errors_family_;
  prometheus::Family<prometheus::Histogram>& duration_family_;
  prometheus::Family<prometheus::Histogram>& size_family_;
  prometheus::Gauge& in_flight_;
  prometheus::Family<prometheus::Counter>& predictions_family_;
  prometheus::Family<prometheus::Counter>& actuals_family_;
  prometheus::Counter& segment_overflow_;
  prometheus::Histogram& batch_size_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  prometheus::Family<prometheus::Histogram>& query_family_;
  prometheus::Counter& group_commits_;
  prometheus::Histogram& group_commit_rows_;
  prometheus::Histogram& group_commit_duration_;
  prometheus::Family<prometheus::Gauge>& connections_family_;
  prometheus::Gauge& connections_active_;
  prometheus::Gauge& connections_idle_;
  prometheus::Gauge& pool_size_;
  prometheus::Gauge& write_queue_depth_;
  prometheus::Gauge& db_size_bytes_;
  prometheus::Family<prometheus::Gauge>& table_rows_family_;
  prometheus::Family<prometheus::Gauge>& training_metric_family_;
  prometheus::Family<prometheus::Gauge>& model_size_family_;
  prometheus::Family<prometheus::Gauge>& training_duration_family_;
  prometheus::Family<prometheus::Gauge>& active_models_family_;
  prometheus::Gauge& connections_open_;
  prometheus::Family<prometheus::Counter>& connections_rejected_family_;
  prometheus::Counter& accept_errors_;
  prometheus::Family<prometheus::Counter>& background_errors_family_;

  std::unique_ptr<telemetry::ProcessCollector> process_collector_;
  std::unique_ptr<telemetry::HostCollector> host_collector_;

  // Series caches, keyed by label values joined with '\x1f'.
  mutable std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, RequestSeries, telemetry::StringHash, std::equal_to<>>
      request_series_;
  std::unordered_map<std::string, prometheus::Counter*, telemetry::StringHash, std::equal_to<>>
      predictions_;
  std::unordered_map<std::string, prometheus::Counter*, telemetry::StringHash, std::equal_to<>>
      actuals_;
  std::unordered_map<std::string, prometheus::Counter*, telemetry::StringHash, std::equal_to<>>
      rejected_;
  std::unordered_map<std::string, prometheus::Histogram*, telemetry::StringHash, std::equal_to<>>
      queries_;
  std::unordered_map<std::string, prometheus::Counter*, telemetry::StringHash, std::equal_to<>>
      background_errors_;

  mutable std::shared_mutex segments_mutex_;
  std::unordered_set<std::string, telemetry::StringHash, std::equal_to<>> segments_;

  std::mutex versions_mutex_;
  std::map<std::pair<std::string, std::string>, LatestVersion> latest_versions_;  // (model, seg)
};

// Folds an HTTP method to GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT, TRACE or "other".
std::string_view NormalizeMethod(std::string_view method);

}  // namespace mw
