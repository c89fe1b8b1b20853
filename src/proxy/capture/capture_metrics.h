// The capture's metric families (modelwatch's own bookkeeping, so no prefix):
//   modelwatch_proxy_capture_events_total{result}   counter  captured events by what became of
//       them: queued (extracted and handed to the queue's delivery), sampled_out, opted_out
//       (decided by the proxy before the queue), stored (the sink stored them)
//   modelwatch_proxy_capture_dropped_total{reason}  counter  events lost, by reason: queue_full,
//       the extraction's reasons (extract.h: invalid, no_prediction, batch_mismatch,
//       prediction_not_scalar), shutdown, and whatever fixed token a sink drops with
//       (store_unavailable, conflict, ...). Before extraction an exchange's events are not
//       known, so queue_full, the extraction's reasons and a shutdown of a not yet extracted
//       exchange count one per exchange; after extraction drops count events.
//   modelwatch_proxy_capture_queue_events           gauge    exchanges awaiting extraction plus
//       events awaiting delivery (those the sink has not answered yet included)
//   modelwatch_proxy_capture_queue_bytes            gauge    their bytes (bodies, event JSON)
//
// Reason values come from code, never from requests; still, at most kMaxReasons distinct values
// get a series of their own, and a value past the cap or not a token ([a-z0-9_], 1-64 bytes) is
// counted as "other", so a misbehaving sink cannot grow the exposition without bound.
//
// Every result series and the queue's and extraction's reasons are created at construction (0).
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::proxy {

// Drop reasons of the queue itself (the extraction's are in extract.h).
inline constexpr std::string_view kDropQueueFull = "queue_full";
inline constexpr std::string_view kDropShutdown = "shutdown";
inline constexpr std::string_view kDropOther = "other";

class CaptureMetrics {
 public:
  static constexpr size_t kMaxReasons = 32;  // distinct reason values, "other" included

  // Registers the families on metrics.registry(); `metrics` must outlive this.
  explicit CaptureMetrics(telemetry::Metrics& metrics);

  void Queued(uint64_t events);
  void SampledOut(uint64_t events);
  void OptedOut(uint64_t events);
  void Stored(uint64_t events);
  // `reason`: a fixed token (see above); `count` events (or exchanges, before extraction).
  void Dropped(std::string_view reason, uint64_t count);
  void SetQueue(size_t events, size_t bytes);

 private:
  prometheus::Counter* DroppedSeries(std::string_view reason);

  prometheus::Family<prometheus::Counter>& events_family_;
  prometheus::Counter& queued_;
  prometheus::Counter& sampled_out_;
  prometheus::Counter& opted_out_;
  prometheus::Counter& stored_;
  prometheus::Family<prometheus::Counter>& dropped_family_;
  telemetry::SeriesCache<prometheus::Counter*> dropped_;
  std::atomic<size_t> reasons_ = 0;  // distinct reason series created (under dropped_'s lock)
  prometheus::Counter* other_ = nullptr;
  prometheus::Gauge& queue_events_;
  prometheus::Gauge& queue_bytes_;
};

}  // namespace mw::proxy
