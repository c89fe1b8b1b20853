#include "api/ingest_pipeline.h"

#include <cmath>
#include <limits>
#include <map>
#include <string_view>

#include "common/ulid.h"

namespace mw::api {

ingest::DecodeOptions MakeDecodeOptions(const IngestContext& ctx) {
  ingest::DecodeOptions o;
  o.now_ms = ctx.clock->NowMillis();
  o.max_future_ms = ctx.limits->max_future_seconds * 1000;
  o.max_events = ctx.limits->max_events_per_request;
  o.task_of = [catalog = ctx.catalog](std::string_view model) { return catalog->TaskOf(model); };
  o.generate_id = [now = o.now_ms] { return GenerateUlid(now); };
  return o;
}

ModelCatalog::AdmitResult AdmitEventModels(const IngestContext& ctx,
                                           const std::vector<ingest::PredictionEvent>& events) {
  std::vector<std::string_view> models;
  models.reserve(events.size());
  for (const ingest::PredictionEvent& e : events) models.push_back(e.model);
  const AdmissionPolicy policy{static_cast<size_t>(ctx.limits->max_models),
                               ctx.limits->require_registered_models};
  ModelCatalog::AdmitResult admitted = ctx.catalog->Admit(models, policy);
  if (!admitted.refused.empty()) {
    bool loaded = false;
    for (const auto& r : admitted.refused) {
      auto found = ctx.catalog->LoadOne(*ctx.store, r.model);
      loaded = loaded || (found.has_value() && *found);
    }
    if (loaded) admitted = ctx.catalog->Admit(models, policy);
  }
  return admitted;
}

BatchLabels LabelBatch(const std::vector<ingest::PredictionEvent>& events) {
  BatchLabels labels;
  labels.ids.reserve(events.size());
  labels.latency_seconds.reserve(events.size());
  labels.set_of.reserve(events.size());
  std::map<std::pair<std::string_view, std::string_view>, uint32_t> index;
  for (const auto& e : events) {
    labels.ids.push_back(e.id);
    labels.latency_seconds.push_back(e.latency_ms ? *e.latency_ms / 1000.0
                                                  : std::numeric_limits<double>::quiet_NaN());
    auto [it, fresh] =
        index.try_emplace({e.model, e.segment}, static_cast<uint32_t>(labels.sets.size()));
    if (fresh) labels.sets.emplace_back(e.model, e.segment);
    labels.set_of.push_back(it->second);
  }
  return labels;
}

void CountStoredPredictions(const IngestContext& ctx, const BatchLabels& labels,
                            const store::PredictionBatchResult& result) {
  std::vector<int64_t> counts(labels.sets.size(), 0);
  std::vector<std::vector<double>> latencies(labels.sets.size());
  for (size_t i = 0; i < labels.set_of.size(); ++i) {
    if (i < result.duplicate.size() && result.duplicate[i]) continue;
    ++counts[labels.set_of[i]];
    if (!std::isnan(labels.latency_seconds[i])) {
      latencies[labels.set_of[i]].push_back(labels.latency_seconds[i]);
    }
  }
  for (size_t k = 0; k < counts.size(); ++k) {
    if (!latencies[k].empty()) {
      ctx.metrics->RecordPredictionLatencies(labels.sets[k].first, labels.sets[k].second,
                                             latencies[k]);
    }
    if (counts[k] > 0) {
      ctx.metrics->RecordPredictions(labels.sets[k].first, labels.sets[k].second, counts[k]);
    }
  }
}

}  // namespace mw::api
