// The proxy's in-process capture sink: events the proxy captured (proxy/capture) are stored
// through the same decoder, model admission, store and counters as POST /v1/predictions
// (ingest_pipeline.h), without HTTP. Used by `serve` when proxy.forward_to is empty.
//
// Outcomes per item (one exchange's events; proxy/capture/sink.h):
//   stored      the item's events are stored (or were already, with the same content);
//   dropped     invalid (the decoder refused it: it never could be stored), max_models /
//               unregistered_model (admission refused its model), conflict (an id stored
//               before with other content, e.g. a client reusing an X-Request-Id);
//   retry_later the store's write queue is full or the store is unavailable: the capture queue
//               keeps the item and tries again.
// One Deliver appends the admitted items of the batch in one AppendPredictions (one group commit);
// when that is refused for a conflicting id, each item is appended on its own so only the
// conflicting item is dropped.
//
// Thread-safety: Deliver may be called from any thread, with earlier batches still pending; `done`
// is called on the store's completion thread. The context must outlive every pending Deliver.
#pragma once

#include <functional>
#include <vector>

#include "api/api.h"
#include "proxy/capture/sink.h"

namespace mw::api {

class CaptureIngest : public proxy::CaptureSink {
 public:
  explicit CaptureIngest(const IngestContext& ctx) : ctx_(ctx) {}

  void Deliver(std::vector<proxy::CaptureItem> items,
               std::function<void(std::vector<proxy::DeliveryOutcome>)> done) override;

 private:
  const IngestContext& ctx_;
};

}  // namespace mw::api
