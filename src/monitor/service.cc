#include "monitor/service.h"

#include <algorithm>
#include <set>

#include "common/time_format.h"
#include "monitor/profile_key.h"
#include "profile/serialize.h"

namespace mw::monitor {
namespace {

constexpr int64_t kPage = 50000;

// Copies every member of `from` into `into` (`from` is held by value: iterating the items of a
// temporary would dangle).
void MergeInto(Json& into, Json from) {
  for (auto& [key, value] : from.items()) into[key] = std::move(value);
}

std::map<std::string, std::vector<Row>> BySegment(const std::vector<Row>& rows) {
  std::map<std::string, std::vector<Row>> out;
  for (const Row& row : rows) out[row.segment].push_back(row);
  return out;
}

// The window's rows by segment: all of them under the segment asked for, else per segment.
std::map<std::string, std::vector<Row>> SegmentGroups(const WindowQuery& q,
                                                      std::vector<Row>& rows) {
  std::map<std::string, std::vector<Row>> groups;
  if (q.segment) {
    groups[*q.segment] = std::move(rows);
  } else {
    groups = BySegment(rows);
  }
  return groups;
}

}  // namespace

QualityService::QualityService(store::Store& store, profile::ProfileCache& cache,
                               ServiceOptions options, const Clock& /*clock*/)
    : store_(store), cache_(cache), options_(std::move(options)) {}

Result<std::vector<Row>> QualityService::LoadRows(const WindowQuery& q, bool* truncated) {
  store::PredictionQuery pq;
  pq.model = q.model;
  pq.segment = q.segment;
  pq.version = q.version;
  pq.from_ms = q.from_ms;
  pq.to_ms = q.to_ms;
  pq.limit = kPage;
  std::vector<Row> rows;
  bool cut = false;
  while (true) {
    auto page = store_.QueryPredictions(pq);
    if (!page.has_value()) return page.error();
    const bool last = static_cast<int64_t>(page->size()) < kPage;
    if (!page->empty()) pq.after_seq = page->back().seq;
    for (ingest::PredictionRecord& r : *page) rows.push_back(ToRow(std::move(r)));
    if (static_cast<int64_t>(rows.size()) > options_.max_rows) {
      // Keep the newest max_rows (in append order).
      rows.erase(rows.begin(), rows.end() - options_.max_rows);
      cut = true;
    }
    if (last) break;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.created_at_ms < b.created_at_ms; });
  if (truncated != nullptr) *truncated = cut;
  return rows;
}

Result<QualityService::VersionChoice> QualityService::ChooseVersion(
    const std::string& model, const std::string& segment,
    const std::optional<std::string>& version) {
  auto versions = store_.ListModelVersions(model);
  if (!versions.has_value()) return versions.error();
  const registry::ModelVersionInfo* chosen = nullptr;
  auto pick = [&](const std::string& seg, bool latest_only) {
    for (const registry::ModelVersionInfo& v : *versions) {
      if (v.segment != seg) continue;
      if (version ? v.version == *version : (!latest_only || v.is_latest)) {
        chosen = &v;
        if (!version) return;
      }
    }
  };
  pick(segment, true);
  if (chosen == nullptr && !segment.empty()) pick("", true);
  VersionChoice out;
  if (chosen != nullptr) {
    out.version = chosen->version;
    out.segment = chosen->segment;
    out.training_metrics = chosen->training_metrics;
  }
  return out;
}

Result<std::shared_ptr<const profile::ReferenceProfile>> QualityService::Reference(
    const std::string& model, const std::string& version, const std::string& segment) {
  using Ptr = std::shared_ptr<const profile::ReferenceProfile>;
  for (const std::string& seg : {segment, std::string()}) {
    auto record = store_.GetReferenceProfile(model, version, seg);
    if (!record.has_value() && record.error().code() == StatusCode::kNotFound) {
      if (seg.empty()) break;
      continue;
    }
    if (!record.has_value()) return record.error();
    auto bytes = std::make_shared<std::string>(std::move(record->profile));
    return cache_.Get(ProfileKey{model, version, seg}.Encode(), [bytes]() -> Result<Ptr> {
      auto profile = profile::DeserializeProfile(*bytes);
      if (!profile.has_value()) return profile.error();
      return Ptr(std::make_shared<profile::ReferenceProfile>(std::move(*profile)));
    });
  }
  return Ptr();
}

Json QualityService::WindowJson(const WindowQuery& q) const {
  Json w;
  w["from"] = FormatRfc3339Millis(q.from_ms);
  w["to"] = FormatRfc3339Millis(q.to_ms);
  return w;
}

Result<QualityService::Window> QualityService::LoadWindow(const WindowQuery& q) {
  auto model = store_.GetModel(q.model);
  if (!model.has_value()) return model.error();
  Window window;
  window.model = std::move(*model);
  auto rows = LoadRows(q, &window.truncated);
  if (!rows.has_value()) return rows.error();
  window.rows = std::move(*rows);
  return window;
}

Result<QualityService::SegmentReference> QualityService::ReferenceFor(const WindowQuery& q,
                                                                      const std::string& segment) {
  auto choice = ChooseVersion(q.model, segment, q.version);
  if (!choice.has_value()) return choice.error();
  SegmentReference ref;
  ref.version = choice->version;
  if (!ref.version.empty()) {
    auto loaded = Reference(q.model, ref.version, segment);
    if (!loaded.has_value()) return loaded.error();
    ref.profile = *loaded;
  }
  return ref;
}

Json QualityService::WindowAnswer(const WindowQuery& q, bool truncated, bool with_version) const {
  Json out;
  out["model"] = q.model;
  out["segment"] = q.segment ? Json(*q.segment) : Json(nullptr);
  if (with_version) out["version"] = q.version ? Json(*q.version) : Json(nullptr);
  out["window"] = WindowJson(q);
  out["truncated"] = truncated;
  return out;
}

Result<QualityService::TaskPlan> QualityService::PlanTask(const WindowQuery& q,
                                                          const registry::ModelInfo& model,
                                                          const std::vector<Row>& rows,
                                                          bool with_segments) {
  TaskPlan plan;
  auto choice = ChooseVersion(q.model, q.segment.value_or(""), q.version);
  if (!choice.has_value()) return choice.error();
  plan.overall = std::move(*choice);
  // The pooled answer compares each segment with its own version: their metric names all speak
  // for the model's task.
  std::map<std::string, double> names = plan.overall.training_metrics;
  if (!q.segment && with_segments) {
    for (auto& [segment, seg_rows] : BySegment(rows)) {
      auto seg_choice = ChooseVersion(q.model, segment, q.version);
      if (!seg_choice.has_value()) return seg_choice.error();
      names.insert(seg_choice->training_metrics.begin(), seg_choice->training_metrics.end());
      SegmentPlan part;
      part.segment = segment;
      part.task = ChooseTask(model.task, seg_choice->training_metrics, seg_rows);
      part.choice = std::move(*seg_choice);
      part.rows = std::move(seg_rows);
      plan.segments.push_back(std::move(part));
    }
  } else if (!q.segment) {
    std::set<std::string> segments;
    for (const Row& row : rows) segments.insert(row.segment);
    for (const std::string& segment : segments) {
      auto seg_choice = ChooseVersion(q.model, segment, q.version);
      if (!seg_choice.has_value()) return seg_choice.error();
      names.insert(seg_choice->training_metrics.begin(), seg_choice->training_metrics.end());
    }
  }
  plan.task = ChooseTask(model.task, names, rows);
  return plan;
}

Result<Json> QualityService::Performance(const WindowQuery& q) {
  auto window = LoadWindow(q);
  if (!window.has_value()) return window.error();
  const std::vector<Row>& rows = window->rows;
  Json out = WindowAnswer(q, window->truncated, /*with_version=*/true);
  auto plan = PlanTask(q, window->model, rows, /*with_segments=*/true);
  if (!plan.has_value()) return plan.error();
  const auto assess = [&](const TaskChoice& task, std::span<const Row> part,
                          const VersionChoice& choice) {
    PerformanceResult r = ComputePerformance(task.task, part, choice.training_metrics,
                                             choice.version, q.model, options_.settings);
    r.task_inferred = task.inferred;
    return ToJson(r);
  };
  MergeInto(out, assess(plan->task, rows, plan->overall));
  if (!q.segment) {
    Json segments = Json::array();
    for (const SegmentPlan& part : plan->segments) {
      Json item;
      item["segment"] = part.segment;
      MergeInto(item, assess(part.task, part.rows, part.choice));
      segments.push_back(std::move(item));
    }
    out["segments"] = std::move(segments);
  }
  return out;
}

Result<Json> QualityService::SegmentItems(const WindowQuery& q, std::vector<Row>& rows,
                                          bool version_first, const SegmentFill& fill) {
  Json segments = Json::array();
  for (const auto& [segment, seg_rows] : SegmentGroups(q, rows)) {
    auto ref = ReferenceFor(q, segment);
    if (!ref.has_value()) return ref.error();
    Json item;
    item["segment"] = segment;
    if (version_first) {
      item["reference_version"] = ref->version.empty() ? Json(nullptr) : Json(ref->version);
    }
    if (!ref->profile) {
      item["status"] = "no_reference";
      segments.push_back(std::move(item));
      continue;
    }
    int64_t bad_rows = 0;
    const profile::CurrentColumns columns = BuildColumns(*ref->profile, seg_rows, &bad_rows);
    if (Status st = fill(item, *ref, columns); !st.ok()) return st;
    item["unparsable_rows"] = bad_rows;
    segments.push_back(std::move(item));
  }
  return segments;
}

Result<Json> QualityService::Drift(const WindowQuery& q) {
  auto window = LoadWindow(q);
  if (!window.has_value()) return window.error();
  Json out = WindowAnswer(q, window->truncated, /*with_version=*/false);
  bool any_drift = false;
  const auto fill = [&](Json& item, const SegmentReference& ref,
                        const profile::CurrentColumns& columns) -> Status {
    auto drift = ComputeDrift(*ref.profile, columns, options_.drift);
    if (!drift.has_value()) return drift.error();
    MergeInto(item, ToJson(*drift));
    any_drift = any_drift || (drift->features && drift->features->dataset_drift);
    return Status::Ok();
  };
  auto segments = SegmentItems(q, window->rows, /*version_first=*/true, fill);
  if (!segments.has_value()) return segments.error();
  out["drift_detected"] = any_drift;
  out["segments"] = std::move(*segments);
  return out;
}

Result<Json> QualityService::Quality(const WindowQuery& q) {
  auto window = LoadWindow(q);
  if (!window.has_value()) return window.error();
  Json out = WindowAnswer(q, window->truncated, /*with_version=*/false);
  const auto fill = [&](Json& item, const SegmentReference& ref,
                        const profile::CurrentColumns& columns) -> Status {
    item["status"] = "ok";
    item["reference_version"] = ref.version;
    MergeInto(item, ToJson(profile::ComputeQuality(*ref.profile, columns)));
    return Status::Ok();
  };
  auto segments = SegmentItems(q, window->rows, /*version_first=*/false, fill);
  if (!segments.has_value()) return segments.error();
  out["segments"] = std::move(*segments);
  return out;
}

Result<Json> QualityService::History(const WindowQuery& q, const std::string& metric,
                                     int64_t bucket_ms) {
  if (!IsKnownMetric(metric)) return InvalidArgument("unknown metric \"" + metric + "\"");
  if (bucket_ms < 60'000) return InvalidArgument("bucket must be at least 1m");
  auto window = LoadWindow(q);
  if (!window.has_value()) return window.error();
  std::vector<Row>& rows = window->rows;
  const bool truncated = window->truncated;
  auto plan = PlanTask(q, window->model, rows, /*with_segments=*/false);
  if (!plan.has_value()) return plan.error();
  const TaskChoice task = plan->task;
  Json out;
  out["model"] = q.model;
  out["segment"] = q.segment ? Json(*q.segment) : Json(nullptr);
  out["metric"] = metric;
  out["task"] = std::string(registry::ModelTaskName(task.task));
  out["task_inferred"] = task.inferred;
  out["bucket_seconds"] = bucket_ms / 1000;
  out["window"] = WindowJson(q);
  out["truncated"] = truncated;
  Json points = Json::array();
  for (const HistoryPoint& p :
       ComputeHistory(task.task, rows, metric, bucket_ms, options_.settings)) {
    points.push_back({{"start", FormatRfc3339Millis(p.start_ms)},
                      {"sample_size", p.sample_size},
                      {"value", p.value ? Json(*p.value) : Json(nullptr)}});
  }
  out["points"] = std::move(points);
  return out;
}

}  // namespace mw::monitor
