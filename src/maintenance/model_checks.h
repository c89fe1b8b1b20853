// What the model tasks know about each (model, segment): the current window's performance and
// data drift as the quality engine answers them (monitor::QualityService, the same numbers as
// GET /v1/models/{model}/performance and /drift), and the registry's segments with the version in
// use. Shared by check-performance, check-drift-and-retrain and retrain-all.
//
// Thread-safety: plain functions; the store and the service are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "maintenance/task.h"
#include "monitor/service.h"
#include "store/store.h"

namespace mw::maintenance {

struct SegmentCheck {
  std::string model, segment;
  std::string version;        // the version the segment is compared with; "" when none
  monitor::Json performance;  // the segment's performance answer (null: none)
  monitor::Json drift;        // its drift answer (null: no rows; "status" no_reference: none)
  bool performance_drift = false;
  bool data_drift = false;
  bool evaluated = false;  // performance status "ok"
};

// Every (model, segment) with predictions in [from_ms, to_ms), by model then segment. Stops with
// kUnavailable "cancelled" when ctx is cancelled between models.
Result<std::vector<SegmentCheck>> CheckModels(store::Store& store, monitor::QualityService& quality,
                                              int64_t from_ms, int64_t to_ms,
                                              const TaskContext& ctx);

// "performance drift: mae +35.2% (training 1.2, recent 1.62)"; "data drift: 3 of 5 features
// drifted"; both joined with "; "; "" when neither.
std::string DriftReason(const SegmentCheck& check);
// The primary metric's item of a performance answer's "performance_drift" (null when none).
monitor::Json PrimaryDrift(const monitor::Json& performance);

// Every (model, segment) of the registry with the version in use: per segment with versions its
// latest one; a model without any version counts once, segment "" and version "".
struct ModelSegment {
  std::string model, segment, version;
};
Result<std::vector<ModelSegment>> ListModelSegments(store::Store& store);

// "demand/r1", or "demand" for the model-wide segment "".
std::string SegmentName(const std::string& model, const std::string& segment);

}  // namespace mw::maintenance
