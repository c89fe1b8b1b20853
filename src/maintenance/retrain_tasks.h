// check-drift-and-retrain and retrain-all: trigger retraining (retrain_trigger.h) for the
// (model, segment)s that drifted in the current window, or for all of them.
//
// check-drift-and-retrain: every (model, segment) with predictions in the last window_ms whose
// performance drifted (the primary metric's degradation significant and above the threshold,
// as GET /v1/models/{model}/performance says) or whose data drifted (dataset drift against the
// reference profile, as /drift says). The reason names what drifted and by how much.
// retrain-all: every (model, segment) of the registry (ListModelSegments), reason "scheduled full
// retraining".
// Both: refused (kFailedPrecondition) when neither a command nor a webhook is configured; the
// cooldown, recording and dry run of RequestRetraining.
//
// Thread-safety: the Runner never runs one task concurrently with itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "maintenance/retrain_trigger.h"
#include "maintenance/task.h"
#include "monitor/service.h"
#include "store/store.h"

namespace mw::maintenance {

struct CheckDriftOptions {
  RetrainTarget target;
  int64_t window_ms = 86'400'000;  // quality.window_seconds
};

class CheckDriftAndRetrainTask final : public Task {
 public:
  // `store` and `quality` must outlive the task.
  CheckDriftAndRetrainTask(store::Store& store, monitor::QualityService& quality,
                           CheckDriftOptions options)
      : store_(store), quality_(quality), options_(options), trigger_(options.target) {}
  std::string_view name() const override { return "check-drift-and-retrain"; }
  bool destructive() const override { return false; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  monitor::QualityService& quality_;
  const CheckDriftOptions options_;
  const RetrainTrigger trigger_;
};

class RetrainAllTask final : public Task {
 public:
  RetrainAllTask(store::Store& store, RetrainTarget target) : store_(store), trigger_(target) {}
  std::string_view name() const override { return "retrain-all"; }
  bool destructive() const override { return false; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  const RetrainTrigger trigger_;
};

}  // namespace mw::maintenance
