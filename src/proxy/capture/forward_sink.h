// ForwardSink: the capture sink of a sidecar that stores nothing itself (`proxy.forward_to`): it
// POSTs the captured events to a central modelwatch's ingest API, `<base_url>/v1/predictions`
// (docs/api.md), where they are stored exactly as if the service had sent them.
//
// Requests. One POST per batch handed to Deliver: the items' events concatenated into one body
// {"events":[...]} (Content-Type: application/json, `Authorization: Bearer <token>` when a token
// is set), sent by the sink's own worker thread, one request at a time in the order the batches
// came (the queue may hand several batches at once: they wait their turn), each bounded by
// `timeout`. Deliver itself only queues the batch, so the capture thread never waits for the
// network. Events carry their ids, and the central's ingest is idempotent for equal content, so
// a batch sent again after an answer that got lost stores nothing twice.
//
// Outcomes per item, by the central's answer:
//   2xx                         kStored.
//   400, 409, 413, 422          the batch is refused as a whole (one bad event refuses all of
//                               it): each item is sent alone, once, and is kStored (2xx) or
//                               kDropped "rejected" (one of these four again); an item that then
//                               meets any other answer is kRetryLater, as are the items after it.
//   429, 5xx, no answer         kRetryLater (the queue sends them again), and the sink backs off:
//                               its next request waits 100 ms, doubling to 10 s while failures
//                               go on, or what Retry-After (seconds) says, up to 60 s.
//   401, 403                    kRetryLater with the same back-off (a token can be fixed without
//                               losing what was captured meanwhile), logged as an error at most
//                               every 10 s; so is any other status (a wrong base_url: 404, ...).
// An item whose events_json is not {"events":[...]} is kDropped "invalid" without being sent.
//
// Buffer. `buffer_events` caps the events awaiting delivery: those of batches the sink holds
// (queued or being sent) and those it answered kRetryLater and expects back from the queue (an
// item is recognised on its return by its content's hash). An item that would exceed the cap is
// kDropped "buffer_full" at once. So while the central is down at most buffer_events events are
// kept in flight between queue and sink; newer ones are counted as lost instead of growing
// memory. An item the queue never sends back (its shutdown) stays counted until the sink ends.
//
// Metrics (ForwardMetrics, modelwatch's own bookkeeping, no prefix):
//   modelwatch_proxy_forward_requests_total{result}  counter  requests by answer: stored,
//       rejected, unauthorized, throttled (429), server_error (5xx), unreachable (no answer),
//       unexpected (any other status); all seven from 0
//   modelwatch_proxy_forward_buffer_events           gauge    events awaiting delivery
// Drops and stores are counted by the queue from the outcomes (capture_metrics.h).
//
// Timing (back-off, log throttling) reads the injected Clock; the worker looks at it at least
// every 10 ms of real time, so a FakeClock moved by a test is noticed promptly.
//
// Thread-safety: Deliver may be called from any thread, concurrently, while earlier batches are
// in flight. `done` is called on the sink's worker thread (or inline, when no item of the batch
// was kept), never under the sink's lock. Stop (and the destructor) answers every batch not yet
// answered with kRetryLater and joins the worker; it must not be called from `done`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/background.h"
#include "common/clock.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "proxy/capture/sink.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::proxy {

// Drop reasons of the forward sink.
inline constexpr std::string_view kDropRejected = "rejected";
inline constexpr std::string_view kDropBufferFull = "buffer_full";

class ForwardMetrics {
 public:
  // Registers the families on metrics.registry(); `metrics` must outlive this.
  explicit ForwardMetrics(telemetry::Metrics& metrics);

  // `result`: stored, rejected, unauthorized, throttled, server_error, unreachable, unexpected.
  void Request(std::string_view result);
  void SetBufferEvents(size_t events);

 private:
  prometheus::Family<prometheus::Counter>& requests_family_;
  prometheus::Gauge& buffer_events_;
};

struct ForwardSinkOptions {
  std::string base_url;  // http:// or https://, without /v1/predictions (a trailing '/' is fine)
  std::string token;     // sent as "Authorization: Bearer <token>"; "" = no Authorization
  std::chrono::milliseconds timeout{5000};  // each request, connecting included
  size_t buffer_events = 100000;            // events awaiting delivery (see above)
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{10'000};
  telemetry::Logger* logger = nullptr;          // refusals and outages; null = not logged
  BackgroundErrorReporter* reporter = nullptr;  // an exception on the worker; null = stderr
};

class ForwardSink final : public CaptureSink {
 public:
  static constexpr int64_t kRetryAfterCapMs = 60'000;
  static constexpr int64_t kLogEveryMs = 10'000;

  // Starts the worker. `metrics` may be null; it and `clock` must outlive the sink.
  ForwardSink(ForwardSinkOptions options, ForwardMetrics* metrics, const Clock& clock);
  ~ForwardSink() override;  // Stop()
  ForwardSink(const ForwardSink&) = delete;
  ForwardSink& operator=(const ForwardSink&) = delete;

  void Deliver(std::vector<CaptureItem> items,
               std::function<void(std::vector<DeliveryOutcome>)> done) override;

  // Answers what is still held with kRetryLater and ends the worker. Idempotent.
  void Stop();

  // Events awaiting delivery (the gauge's value).
  size_t buffered_events() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mw::proxy
