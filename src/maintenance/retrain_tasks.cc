#include "maintenance/retrain_tasks.h"

#include "maintenance/model_checks.h"

namespace mw::maintenance {

Result<TaskOutcome> CheckDriftAndRetrainTask::Run(TaskContext& ctx) {
  if (!trigger_.configured()) return NoRetrainTarget();
  const int64_t now = ctx.clock.NowMillis();
  auto checks = CheckModels(store_, quality_, now - options_.window_ms, now, ctx);
  if (!checks.has_value()) return checks.error();
  std::vector<RetrainCandidate> candidates;
  for (const SegmentCheck& c : *checks) {
    if (!c.performance_drift && !c.data_drift) continue;
    candidates.push_back({c.model, c.segment, c.version, DriftReason(c)});
  }
  auto outcome = RequestRetraining(store_, trigger_, name(), candidates, ctx);
  if (!outcome.has_value()) return outcome.error();
  outcome->message = std::to_string(checks->size()) + " segment(s) checked, " +
                     std::to_string(candidates.size()) + " drifted; " + outcome->message;
  return outcome;
}

Result<TaskOutcome> RetrainAllTask::Run(TaskContext& ctx) {
  if (!trigger_.configured()) return NoRetrainTarget();
  auto segments = ListModelSegments(store_);
  if (!segments.has_value()) return segments.error();
  std::vector<RetrainCandidate> candidates;
  for (const ModelSegment& s : *segments) {
    candidates.push_back({s.model, s.segment, s.version, "scheduled full retraining"});
  }
  return RequestRetraining(store_, trigger_, name(), candidates, ctx);
}

}  // namespace mw::maintenance
