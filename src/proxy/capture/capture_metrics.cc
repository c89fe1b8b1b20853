#include "proxy/capture/capture_metrics.h"

#include <string>

#include "proxy/capture/extract.h"

namespace mw::proxy {
namespace {

using prometheus::Counter;
using prometheus::Gauge;

prometheus::Family<Counter>& RegisterCaptureEvents(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_proxy_capture_events_total")
      .Help(
          "Captured prediction events by result: queued for delivery, sampled_out, opted_out, "
          "stored.")
      .Register(m.registry());
}

prometheus::Family<Counter>& RegisterCaptureDropped(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_proxy_capture_dropped_total")
      .Help(
          "Captured events lost, by reason (exchanges, for the reasons decided before "
          "extraction: queue_full, invalid, no_prediction, batch_mismatch, "
          "prediction_not_scalar, shutdown).")
      .Register(m.registry());
}

Gauge& RegisterCaptureQueueGauge(telemetry::Metrics& m, const std::string& name,
                                 const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(m.registry()).Add({});
}

// A reason is a label value of its own only when it looks like the fixed tokens code uses.
bool CaptureMetricsIsToken(std::string_view reason) {
  if (reason.empty() || reason.size() > 64) return false;
  for (const char c : reason) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

CaptureMetrics::CaptureMetrics(telemetry::Metrics& metrics)
    : events_family_(RegisterCaptureEvents(metrics)),
      queued_(events_family_.Add({{"result", "queued"}})),
      sampled_out_(events_family_.Add({{"result", "sampled_out"}})),
      opted_out_(events_family_.Add({{"result", "opted_out"}})),
      stored_(events_family_.Add({{"result", "stored"}})),
      dropped_family_(RegisterCaptureDropped(metrics)),
      queue_events_(RegisterCaptureQueueGauge(
          metrics, "modelwatch_proxy_capture_queue_events",
          "Captured exchanges awaiting extraction plus events awaiting delivery.")),
      queue_bytes_(RegisterCaptureQueueGauge(
          metrics, "modelwatch_proxy_capture_queue_bytes",
          "Bytes of the captured exchanges and events the capture queue holds.")) {
  other_ = DroppedSeries(kDropOther);
  for (const std::string_view reason :
       {kDropQueueFull, kDropInvalid, kDropNoPrediction, kDropBatchMismatch,
        kDropPredictionNotScalar, kDropShutdown}) {
    DroppedSeries(reason);
  }
}

prometheus::Counter* CaptureMetrics::DroppedSeries(std::string_view reason) {
  if (!CaptureMetricsIsToken(reason)) return other_;
  // make() runs under the cache's exclusive lock, so reasons_ counts each new value once.
  return dropped_.Get({reason}, [&]() -> Counter* {
    if (reasons_.load() >= kMaxReasons && other_ != nullptr) return other_;
    reasons_.fetch_add(1);
    return &dropped_family_.Add({{"reason", std::string(reason)}});
  });
}

void CaptureMetrics::Queued(uint64_t events) { queued_.Increment(static_cast<double>(events)); }

void CaptureMetrics::SampledOut(uint64_t events) {
  sampled_out_.Increment(static_cast<double>(events));
}

void CaptureMetrics::OptedOut(uint64_t events) {
  opted_out_.Increment(static_cast<double>(events));
}

void CaptureMetrics::Stored(uint64_t events) { stored_.Increment(static_cast<double>(events)); }

void CaptureMetrics::Dropped(std::string_view reason, uint64_t count) {
  if (count > 0) DroppedSeries(reason)->Increment(static_cast<double>(count));
}

void CaptureMetrics::SetQueue(size_t events, size_t bytes) {
  queue_events_.Set(static_cast<double>(events));
  queue_bytes_.Set(static_cast<double>(bytes));
}

}  // namespace mw::proxy
