// QualityService: the quality engine's on-demand answers for the HTTP API and the CLI — reads a
// window of logged predictions from the store, the training metrics from the registry and the
// reference profile (through the LRU cache), and assembles them with assessment.h.
//
// Windows are on the event timestamp (created_at), [from, to). Without a segment a model's answer
// covers every segment pooled, plus a per-segment breakdown (each segment compared with its own
// training metrics: per-segment models are first class). At most max_rows rows are read per
// window (the newest are kept); a truncated answer says so. A model registered without a task
// gets one inferred for /performance and /history (task_inference.h), which say so with
// "task_inferred": true.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "monitor/assessment.h"
#include "monitor/task_inference.h"
#include "profile/profile.h"
#include "profile/profile_cache.h"
#include "store/store.h"

namespace mw::monitor {

// The longest window a query may ask for (`window`, `bucket`): 3650d, about 10 years.
inline constexpr int64_t kMaxWindowMillis = int64_t{3650} * 86'400'000;

struct WindowQuery {
  std::string model;
  std::optional<std::string> segment;  // nullopt = all segments
  std::optional<std::string> version;  // nullopt = any version
  int64_t from_ms = 0, to_ms = 0;      // [from, to)
};

struct ServiceOptions {
  QualitySettings settings;
  stats::DriftOptions drift;
  int64_t max_rows = 1'000'000;
};

class QualityService {
 public:
  // `store` and `cache` must outlive the service. `clock` is not used: every window comes with its
  // query.
  QualityService(store::Store& store, profile::ProfileCache& cache, ServiceOptions options,
                 const Clock& clock);

  const ServiceOptions& options() const { return options_; }

  // kNotFound for an unknown model. The JSON bodies are documented in docs/api.md.
  Result<Json> Performance(const WindowQuery& q);
  Result<Json> Drift(const WindowQuery& q);
  Result<Json> Quality(const WindowQuery& q);
  // kInvalidArgument for an unknown metric or a bucket below one minute.
  Result<Json> History(const WindowQuery& q, const std::string& metric, int64_t bucket_ms);

  // The reference of (model, version, segment): the segment's own, else the model-wide one
  // (segment ""). nullptr when none is stored. Loaded through the cache.
  Result<std::shared_ptr<const profile::ReferenceProfile>> Reference(const std::string& model,
                                                                     const std::string& version,
                                                                     const std::string& segment);
  // The version a segment's answers are compared with: `version` when given, else the latest of
  // the segment, else the model-wide latest. Empty when the model has no versions.
  struct VersionChoice {
    std::string version;
    std::string segment;  // of the version row ("" = model-wide)
    std::map<std::string, double> training_metrics;
  };
  Result<VersionChoice> ChooseVersion(const std::string& model, const std::string& segment,
                                      const std::optional<std::string>& version);

  // Rows of the window, oldest first. `truncated` is set when more than max_rows matched.
  Result<std::vector<Row>> LoadRows(const WindowQuery& q, bool* truncated);

 private:
  Json WindowJson(const WindowQuery& q) const;
  // The fields every windowed answer starts with, in the documented order: model, segment,
  // version (Performance only), window, truncated.
  Json WindowAnswer(const WindowQuery& q, bool truncated, bool with_version) const;
  // The model (kNotFound when unknown) and the rows of its window.
  struct Window {
    registry::ModelInfo model;
    std::vector<Row> rows;
    bool truncated = false;
  };
  Result<Window> LoadWindow(const WindowQuery& q);
  // The task of a windowed answer (task_inference.h): the registered one, else inferred from the
  // training metric names of the version the query's segment is compared with (for a query
  // without a segment, together with those of every segment's version), else from the rows.
  // With `with_segments` and no segment in the query, `segments` holds each segment's own
  // version, task (inferred from its version's names and its own rows, as the evaluator does)
  // and rows, in segment order.
  struct SegmentPlan {
    std::string segment;
    VersionChoice choice;
    TaskChoice task;
    std::vector<Row> rows;
  };
  struct TaskPlan {
    VersionChoice overall;  // the version the query's segment ("" when pooled) is compared with
    TaskChoice task;
    std::vector<SegmentPlan> segments;
  };
  Result<TaskPlan> PlanTask(const WindowQuery& q, const registry::ModelInfo& model,
                            const std::vector<Row>& rows, bool with_segments);
  // The version a segment's window is compared with (ChooseVersion) and its reference profile
  // (Reference); the profile is null when the version is empty or has no reference.
  struct SegmentReference {
    std::string version;
    std::shared_ptr<const profile::ReferenceProfile> profile;
  };
  Result<SegmentReference> ReferenceFor(const WindowQuery& q, const std::string& segment);
  // The "segments" array of Drift and Quality: per segment of `rows` (which it consumes; all
  // rows form one group when the query names a segment) an item with "segment"; with
  // `version_first`, "reference_version" (null when none) comes next for every segment. A segment
  // without a reference profile gets "status": "no_reference"; otherwise `fill` adds its numbers
  // from the current columns and "unparsable_rows" follows. The first error of `fill` or of a
  // reference lookup is returned.
  using SegmentFill = std::function<Status(Json& item, const SegmentReference& ref,
                                           const profile::CurrentColumns& columns)>;
  Result<Json> SegmentItems(const WindowQuery& q, std::vector<Row>& rows, bool version_first,
                            const SegmentFill& fill);

  store::Store& store_;
  profile::ProfileCache& cache_;
  const ServiceOptions options_;
};

}  // namespace mw::monitor
