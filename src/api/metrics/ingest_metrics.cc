#include "api/metrics/ingest_metrics.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

namespace mw::api {
namespace {

using prometheus::Counter;

// One registration function per family, so each name and HELP text reads in one place.
prometheus::Family<Counter>& RegisterPredictions(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name(m.prefix() + "_predictions_total")
      .Help("Prediction events stored, by model and segment.")
      .Register(m.registry());
}

prometheus::Family<prometheus::Histogram>& RegisterPredictionLatency(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name(m.prefix() + "_prediction_duration_seconds")
      .Help(
          "Time the model took per prediction, as the events report it (latency_ms), by model "
          "and segment.")
      .Register(m.registry());
}

prometheus::Family<Counter>& RegisterActuals(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name(m.prefix() + "_actuals_total")
      .Help(
          "Actual (ground truth) events stored, by model and whether a "
          "prediction was already there to join.")
      .Register(m.registry());
}

Counter& RegisterSegmentOverflow(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_segment_overflow_total")
      .Help(
          "Prediction events counted under segment \"other\" because the "
          "distinct segment values reached metrics.max_segments.")
      .Register(m.registry())
      .Add({});
}

prometheus::Histogram& RegisterBatchSize(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name("modelwatch_ingest_batch_size")
      .Help("Events per ingest request.")
      .Register(m.registry())
      .Add({}, IngestBatchSizeBuckets());
}

prometheus::Family<Counter>& RegisterRejected(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_ingest_rejected_total")
      .Help("Ingest requests rejected, by reason.")
      .Register(m.registry());
}

}  // namespace

const std::vector<double>& IngestBatchSizeBuckets() {
  static const std::vector<double> kBuckets = {1,   2,    5,    10,    50,    100,
                                               500, 1000, 5000, 10000, 50000, 100000};
  return kBuckets;
}

IngestMetrics::IngestMetrics(telemetry::Metrics& metrics)
    : metrics_(metrics),
      predictions_family_(RegisterPredictions(metrics)),
      latency_family_(RegisterPredictionLatency(metrics)),
      actuals_family_(RegisterActuals(metrics)),
      segment_overflow_(RegisterSegmentOverflow(metrics)),
      batch_size_(RegisterBatchSize(metrics)),
      rejected_family_(RegisterRejected(metrics)) {}

void IngestMetrics::RecordPredictions(std::string_view model, std::string_view segment,
                                      int64_t count) {
  if (count <= 0) return;
  if (!metrics_.AdmitSegment(segment)) {
    segment_overflow_.Increment(static_cast<double>(count));
    segment = "other";
  }
  Counter* counter = predictions_.Get({model, segment}, [&] {
    return &predictions_family_.Add(
        {{"model_type", std::string(model)}, {metrics_.segment_label(), std::string(segment)}});
  });
  counter->Increment(static_cast<double>(count));
}

void IngestMetrics::RecordPredictionLatencies(std::string_view model, std::string_view segment,
                                              std::span<const double> seconds) {
  const auto valid = [](double s) { return std::isfinite(s) && s >= 0; };
  if (std::none_of(seconds.begin(), seconds.end(), valid)) return;
  // RecordPredictions counts the overflow; the same "other" label is used here.
  if (!metrics_.AdmitSegment(segment)) segment = "other";
  prometheus::Histogram* histogram = latency_.Get({model, segment}, [&] {
    return &latency_family_.Add(
        {{"model_type", std::string(model)}, {metrics_.segment_label(), std::string(segment)}},
        telemetry::RequestDurationBuckets());
  });
  for (const double s : seconds) {
    if (valid(s)) histogram->Observe(s);
  }
}

void IngestMetrics::RecordActuals(std::string_view model, int64_t matched, int64_t unmatched) {
  if (model.empty()) model = "unknown";
  for (const auto& [value, count] : {std::pair<std::string_view, int64_t>{"true", matched},
                                     std::pair<std::string_view, int64_t>{"false", unmatched}}) {
    if (count <= 0) continue;
    // `value = value`: clang 14 cannot capture a structured binding (a C++20 feature it lacks).
    Counter* counter = actuals_.Get({model, value}, [&, value = value] {
      return &actuals_family_.Add(
          {{"model_type", std::string(model)}, {"matched", std::string(value)}});
    });
    counter->Increment(static_cast<double>(count));
  }
}

void IngestMetrics::RecordBatch(int64_t size) {
  if (size <= 0) return;
  batch_size_.Observe(static_cast<double>(size));
}

void IngestMetrics::RecordRejected(std::string_view reason, int64_t count) {
  if (count <= 0) return;
  Counter* counter = rejected_.Get({reason}, [&] {
    return &rejected_family_.Add({{"reason", std::string(reason)}});
  });
  counter->Increment(static_cast<double>(count));
}

}  // namespace mw::api
