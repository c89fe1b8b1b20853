// The steps of storing predictions that do not depend on how they arrived: decode options, model
// admission (ingest.max_models, ingest.require_registered_models) and the counting of newly stored
// events. Used by POST /v1/predictions (ingest_handlers.cc) and by the proxy's in-process capture
// sink (capture_ingest.h), so an event captured by the proxy meets exactly the rules and counters
// of one posted by a client.
//
// Thread-safety: the functions are reentrant; they call the context's catalog and metrics, which
// are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "ingest/decode.h"
#include "store/store.h"

namespace mw::api {

// The decoder's options for a request decoded now: the server's limits, the catalog's tasks and
// ULIDs for events without an id.
ingest::DecodeOptions MakeDecodeOptions(const IngestContext& ctx);

// Admits the models of `events` (ModelCatalog::Admit). A refused model may be in the store already
// (`registry import` while the server runs): those are loaded and admission is tried once more.
// On success `admission` is set (Commit it once the events are stored); otherwise `refused` names
// the refused models.
ModelCatalog::AdmitResult AdmitEventModels(const IngestContext& ctx,
                                           const std::vector<ingest::PredictionEvent>& events);

// What counting needs of a batch once the store owns its events: each event's id and latency and
// the index of its distinct (model, segment) pair.
struct BatchLabels {
  std::vector<std::string> ids;
  std::vector<double> latency_seconds;  // per event; NaN when it reported none
  std::vector<std::pair<std::string, std::string>> sets;
  std::vector<uint32_t> set_of;
};
BatchLabels LabelBatch(const std::vector<ingest::PredictionEvent>& events);

// Counts the newly stored events of a stored batch (P_predictions_total,
// P_prediction_duration_seconds), skipping the duplicates the store reports, so a retried batch
// is not counted twice.
void CountStoredPredictions(const IngestContext& ctx, const BatchLabels& labels,
                            const store::PredictionBatchResult& result);

}  // namespace mw::api
