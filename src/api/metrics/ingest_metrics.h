// The ingest families (P = Metrics::prefix(), S = Metrics::segment_label()), recorded by the
// ingest handlers once events are stored or refused:
//   P_predictions_total{model_type,S}                     counter
//   P_prediction_duration_seconds{model_type,S}           histogram the latency_ms the events
//                                                                  report (how long the model
//                                                                  took), 0.5 ms .. 10 s
//   P_actuals_total{model_type,matched="true|false"}      counter
//   modelwatch_segment_overflow_total                              counter  predictions exported as
//                                                                  S="other"
//   modelwatch_ingest_batch_size                                   histogram events per request,
//                                                                  1 .. 100000
//   modelwatch_ingest_rejected_total{reason}                       counter
//
// Cardinality: the segment label takes at most max_segments distinct values, shared with the
// model-version gauges (Metrics::AdmitSegment); later values are exported as "other" and counted
// in modelwatch_segment_overflow_total. Model names and reasons come from the registry and the
// code. Hot path: a known series is found under a shared lock, with no allocation. Thread-safety:
// every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "telemetry/http_metrics.h"  // RequestDurationBuckets
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::api {

// Bucket boundaries of modelwatch_ingest_batch_size (and modelwatch_store_group_commit_rows), for
// tests and dashboards.
const std::vector<double>& IngestBatchSizeBuckets();

class IngestMetrics {
 public:
  // Registers the families on metrics.registry(); `metrics` must outlive this.
  explicit IngestMetrics(telemetry::Metrics& metrics);

  // Counts <= 0 are ignored.
  void RecordPredictions(std::string_view model, std::string_view segment, int64_t count);
  // The own latencies (latency_ms / 1000) of newly stored predictions of one model and segment,
  // under the same labels as P_predictions_total: one series lookup for the whole group, as the
  // ingest handler calls it once per (model, segment) of a batch. Negative or non-finite values
  // (NaN marks an event that reported none) are skipped.
  void RecordPredictionLatencies(std::string_view model, std::string_view segment,
                                 std::span<const double> seconds);
  // model may be empty when actuals arrive without one; it is exported as "unknown".
  void RecordActuals(std::string_view model, int64_t matched, int64_t unmatched);
  // Actuals carry no model (ingest/event.h): model_type="unknown".
  void RecordActuals(int64_t matched, int64_t unmatched) { RecordActuals("", matched, unmatched); }
  void RecordBatch(int64_t size);  // events in one ingest request
  // reason: a short fixed token ("validation", "too_large", "conflict", "queue_full", ...).
  void RecordRejected(std::string_view reason, int64_t count = 1);

 private:
  telemetry::Metrics& metrics_;
  prometheus::Family<prometheus::Counter>& predictions_family_;
  prometheus::Family<prometheus::Histogram>& latency_family_;
  prometheus::Family<prometheus::Counter>& actuals_family_;
  prometheus::Counter& segment_overflow_;
  prometheus::Histogram& batch_size_;
  prometheus::Family<prometheus::Counter>& rejected_family_;
  telemetry::SeriesCache<prometheus::Counter*> predictions_;
  telemetry::SeriesCache<prometheus::Histogram*> latency_;
  telemetry::SeriesCache<prometheus::Counter*> actuals_;
  telemetry::SeriesCache<prometheus::Counter*> rejected_;
};

}  // namespace mw::api
