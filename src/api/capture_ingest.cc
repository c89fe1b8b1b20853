#include "api/capture_ingest.h"

#include <atomic>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>

#include "api/ingest_pipeline.h"
#include "ingest/decode.h"

namespace mw::api {
namespace {

using proxy::DeliveryOutcome;
using Outcomes = std::vector<DeliveryOutcome>;

DeliveryOutcome Dropped(std::string_view reason) {
  return {DeliveryOutcome::Kind::kDropped, reason};
}

// One item that passed decoding and admission, ready to append.
struct Admitted {
  size_t item = 0;  // index into the Deliver call's items
  std::vector<ingest::PredictionEvent> events;
  std::shared_ptr<ModelCatalog::Admission> admission;
};

// Decodes and admits one item. Returns false with `outcome` set when the item is dropped.
bool Prepare(const IngestContext& ctx, const proxy::CaptureItem& item, size_t index, Admitted* out,
             DeliveryOutcome* outcome) {
  ingest::DecodedPredictions decoded = ingest::DecodePredictions(
      item.events_json, ingest::BodyFormat::kJson, MakeDecodeOptions(ctx));
  if (decoded.failure != ingest::DecodeFailure::kNone || decoded.events.empty()) {
    *outcome = Dropped("invalid");
    return false;
  }
  ModelCatalog::AdmitResult admitted = AdmitEventModels(ctx, decoded.events);
  if (!admitted.refused.empty()) {
    *outcome = Dropped(admitted.refused[0].reason == ModelCatalog::Refusal::Reason::kOverCap
                           ? std::string_view("max_models")
                           : std::string_view("unregistered_model"));
    return false;
  }
  out->item = index;
  out->events = std::move(decoded.events);
  out->admission = std::move(admitted.admission);
  return true;
}

DeliveryOutcome FromStoreError(const Status& error) {
  if (error.code() == StatusCode::kAlreadyExists) return Dropped("conflict");
  // Write queue full or store unavailable: the capture queue keeps the item (its own bounds
  // decide what later exchanges find) and tries again with back-off.
  return {DeliveryOutcome::Kind::kRetryLater, {}};
}

// The state of one Deliver call shared by its store callbacks.
struct Pending {
  std::vector<proxy::CaptureItem> items;
  Outcomes outcomes;
  std::function<void(Outcomes)> done;
  std::atomic<size_t> remaining{0};  // item-by-item appends still running

  void Finish() { done(std::move(outcomes)); }
};

// Appends one admitted item on its own (the fallback after a conflict in a merged batch).
void AppendAlone(const IngestContext& ctx, const std::shared_ptr<Pending>& pending,
                 Admitted admitted) {
  auto labels = std::make_shared<BatchLabels>(LabelBatch(admitted.events));
  const size_t item = admitted.item;
  ctx.store->AppendPredictions(
      std::move(admitted.events),
      [&ctx, pending, labels, item,
       admission = std::move(admitted.admission)](Result<store::PredictionBatchResult> result) {
        if (result) {
          admission->Commit();
          CountStoredPredictions(ctx, *labels, *result);
        } else {
          pending->outcomes[item] = FromStoreError(result.error());
        }
        if (pending->remaining.fetch_sub(1) == 1) pending->Finish();
      });
}

}  // namespace

void CaptureIngest::Deliver(std::vector<proxy::CaptureItem> items,
                            std::function<void(Outcomes)> done) {
  auto pending = std::make_shared<Pending>();
  pending->outcomes.assign(items.size(), DeliveryOutcome{});
  pending->done = std::move(done);

  std::vector<Admitted> admitted;
  admitted.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    Admitted a;
    if (Prepare(ctx_, items[i], i, &a, &pending->outcomes[i])) admitted.push_back(std::move(a));
  }
  pending->items = std::move(items);
  if (admitted.empty()) return pending->Finish();

  // The merged batch: one group commit for the whole delivery. The events move into it; the
  // item-by-item fallback decodes its items again (their bodies are kept, and decoding them is
  // deterministic: every captured event carries its id and timestamp).
  std::vector<ingest::PredictionEvent> events;
  for (Admitted& a : admitted) {
    std::move(a.events.begin(), a.events.end(), std::back_inserter(events));
    a.events.clear();
  }
  auto labels = std::make_shared<BatchLabels>(LabelBatch(events));
  auto held = std::make_shared<std::vector<Admitted>>(std::move(admitted));
  const IngestContext& ctx = ctx_;
  ctx.store->AppendPredictions(std::move(events), [&ctx, pending, labels, held](
                                                      Result<store::PredictionBatchResult> result) {
    if (result) {
      for (Admitted& a : *held) a.admission->Commit();
      CountStoredPredictions(ctx, *labels, *result);
      return pending->Finish();
    }
    if (result.error().code() != StatusCode::kAlreadyExists || held->size() == 1) {
      const DeliveryOutcome outcome = FromStoreError(result.error());
      for (const Admitted& a : *held) pending->outcomes[a.item] = outcome;
      return pending->Finish();
    }
    // Nothing of the merged batch was stored; one item's id conflicts. Each item alone, so
    // only the conflicting one is dropped.
    pending->remaining = held->size();
    for (Admitted& a : *held) {
      a.events = ingest::DecodePredictions(pending->items[a.item].events_json,
                                           ingest::BodyFormat::kJson, MakeDecodeOptions(ctx))
                     .events;
      AppendAlone(ctx, pending, std::move(a));
    }
  });
}

}  // namespace mw::api
