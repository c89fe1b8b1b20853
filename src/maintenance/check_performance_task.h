// check-performance: evaluates every model and segment now, stores the snapshots, and notifies
// when a (model, segment)'s performance degraded.
//
// With an evaluator (inside serve) it runs one evaluator pass (Evaluator::EvaluateOnce: the
// gauges and the stored snapshots are the evaluator's own) and reads the performance snapshots
// that pass stored. Without one (`modelwatch maintain` with no server, or the evaluator disabled)
// it asks the quality service for the last window_ms of each model and appends one "performance"
// and, where a reference exists, one "drift" snapshot per (model, segment).
//
// Degradation = the performance answer's drift_detected (the primary metric's degradation is
// significant and above the threshold). Each degraded (model, segment) is sent to `sink` (the
// notification router) as a firing alert "ModelPerformanceDegraded" with labels model, segment,
// severity=warning and annotations naming the metric, its training and recent values, the
// degradation and its interval; a (model, segment) that fired in an earlier run of this task
// object and is no longer degraded is sent as resolved. Without a sink each is logged as a
// warning. Outcome items = (model, segment)s evaluated.
//
// Thread-safety: the Runner never runs one task concurrently with itself.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "alerting/notify/alert.h"
#include "maintenance/task.h"
#include "monitor/evaluator.h"
#include "monitor/service.h"
#include "store/store.h"

namespace mw::maintenance {

struct CheckPerformanceOptions {
  int64_t window_ms = 86'400'000;  // quality.window_seconds (the service path)
};

class CheckPerformanceTask final : public Task {
 public:
  // `evaluator` and `sink` may be null; everything must outlive the task.
  CheckPerformanceTask(store::Store& store, monitor::QualityService& quality,
                       monitor::Evaluator* evaluator, alerting::AlertSink* sink,
                       CheckPerformanceOptions options)
      : store_(store), quality_(quality), evaluator_(evaluator), sink_(sink), options_(options) {}
  std::string_view name() const override { return "check-performance"; }
  bool destructive() const override { return false; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  struct Evaluated {
    std::string model, segment;
    monitor::Json performance;
  };
  Result<std::vector<Evaluated>> ByEvaluator(TaskContext& ctx);
  Result<std::vector<Evaluated>> ByService(TaskContext& ctx);
  void Notify(const Evaluated& e, TaskContext& ctx);
  void Resolve(const std::map<std::string, bool>& degraded_now, TaskContext& ctx);

  store::Store& store_;
  monitor::QualityService& quality_;
  monitor::Evaluator* evaluator_;
  alerting::AlertSink* sink_;
  const CheckPerformanceOptions options_;
  // Alerts this task fired and has not resolved, by fingerprint.
  std::map<std::string, alerting::AlertEvent> firing_;
};

// The alert of one degraded (model, segment) from its performance answer (pure; for tests).
alerting::AlertEvent DegradationAlert(const std::string& model, const std::string& segment,
                                      const monitor::Json& performance, int64_t now_ms);

}  // namespace mw::maintenance
