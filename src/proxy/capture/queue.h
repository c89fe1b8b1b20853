// The capture queue: takes the exchanges the proxy captured, extracts their events on its own
// thread and hands them in batches to a CaptureSink, so that capture never delays or fails a
// proxied request. Bounded: when full, exchanges are dropped (and counted), never waited for.
//
// Flow. Offer puts an exchange on a deque (bounded by max_events exchanges and max_bytes of
// request+response body). The capture thread takes exchanges off it, runs ExtractEvents (an
// exchange without events is counted dropped{its reason}), makes one CaptureItem per exchange
// and sends batches of items (at most batch_events events and kMaxBatchJsonBytes of JSON; an
// item larger than either goes alone) to the sink when a batch is full or flush_interval_ms
// after its oldest item became ready, with at most max_in_flight_batches batches awaiting their
// `done`. Outcomes: stored and dropped are counted; a retry_later item goes back to the front
// (order kept) and sending pauses for a back-off of 10 ms doubling to 1 s, reset by a stored
// outcome.
//
// Shutdown. Drain stops accepting (later Offers count dropped{shutdown}), sends what is left
// without waiting for flush deadlines, and waits for the outstanding `done`s; after its timeout
// what remains is counted dropped{shutdown} and late `done`s are ignored. Stop ends the thread;
// without a Drain the rest is dropped{shutdown}.
//
// Counting: events_total{result="queued"} counts extracted events; every queued event ends as
// stored or dropped (a sink's reason or shutdown), so after Drain/Stop queued = stored + the
// drops of queued events. The flush deadlines and back-offs read the injected Clock; the thread
// waits at most flush_interval_ms (or 10 ms) of real time between looks at it, so a FakeClock
// moved by a test is noticed promptly.
//
// Thread-safety: every method may be called from any thread concurrently, except Stop (and the
// destructor) from the sink's Deliver or `done` on the capture thread (it joins that thread). The
// sink and the clock must outlive the queue; `metrics` and `reporter` (may be null) too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/background.h"
#include "common/clock.h"
#include "proxy/capture/capture_metrics.h"
#include "proxy/capture/extract.h"
#include "proxy/capture/sink.h"
#include "proxy/capture/spec.h"

namespace mw::proxy {

struct CaptureQueueOptions {
  size_t max_events = 100000;        // exchanges awaiting extraction
  size_t max_bytes = 64 << 20;       // their request + response body bytes
  size_t batch_events = 1000;        // events per batch handed to the sink
  int64_t flush_interval_ms = 20;    // the longest a ready item waits for a fuller batch
  size_t max_in_flight_batches = 4;  // batches handed to the sink and not yet answered
};

class CaptureQueue {
 public:
  static constexpr size_t kMaxBatchJsonBytes = 8 << 20;

  CaptureQueue(CaptureQueueOptions options, CaptureSink& sink, CaptureMetrics* metrics,
               const Clock& clock, BackgroundErrorReporter* reporter);
  ~CaptureQueue();  // Stop()
  CaptureQueue(const CaptureQueue&) = delete;
  CaptureQueue& operator=(const CaptureQueue&) = delete;

  // Starts the capture thread. Idempotent; no effect after Stop.
  void Start();

  // Queues `exchange` for capture per `spec` (non-null). False, with the exchange counted
  // dropped{queue_full} (or {shutdown} after Drain/Stop), when it was not queued. Never blocks
  // on the sink.
  bool Offer(std::shared_ptr<const CaptureSpec> spec, Exchange&& exchange);

  // Stops accepting, delivers everything queued and waits up to timeout_ms (real time) for the
  // sink's answers. True when nothing was dropped as shutdown; false after the timeout, with the
  // rest counted dropped{shutdown}. Needs Start for anything to be delivered.
  bool Drain(int64_t timeout_ms);

  // Ends the capture thread (joins it); what is still queued or in flight is counted
  // dropped{shutdown}. Idempotent.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the sink's `done` callbacks
};

}  // namespace mw::proxy
