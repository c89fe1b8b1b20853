// Where the capture queue (queue.h) hands captured events: the seam between the proxy and the
// event store (a forwarder over HTTP, or the in-process ingest path). A sink decides per item
// whether it was stored, refused for good, or should be tried again later.
//
// Thread-safety: implementations must accept Deliver from the queue's capture thread while
// earlier batches are still awaiting `done`.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::proxy {

// The events of one exchange, as one ingest request body.
struct CaptureItem {
  std::string events_json;  // {"events":[...]}: the events of one exchange, in row order
  size_t events = 0;        // how many events events_json holds (> 0)
  std::string route;        // the route template the exchange matched (for logs and metrics)
};

// What became of one item.
struct DeliveryOutcome {
  enum class Kind {
    kStored,      // accepted by the store (duplicates of stored events included)
    kDropped,     // refused for good: counted as dropped{reason}, never retried
    kRetryLater,  // not delivered now (store busy or unreachable): the queue retries it
  };
  Kind kind = Kind::kStored;
  // For kDropped: a fixed token with static storage (e.g. "store_unavailable", "conflict"),
  // the dropped_total{reason} label value; ignored otherwise.
  std::string_view reason;
};

class CaptureSink {
 public:
  virtual ~CaptureSink() = default;

  // Delivers `items` and calls `done` exactly once with one outcome per item, in item order,
  // from any thread, possibly before Deliver returns. Must not block for long: the queue's
  // capture thread calls it. `done` may be called after the queue gave up waiting for it
  // (Drain's timeout); the queue then ignores it, so it stays safe to call.
  virtual void Deliver(std::vector<CaptureItem> items,
                       std::function<void(std::vector<DeliveryOutcome>)> done) = 0;
};

}  // namespace mw::proxy
