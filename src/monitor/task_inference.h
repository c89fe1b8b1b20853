// The task a model's quality answers use when none is registered. Teams import their metadata
// without a "task" key (registry import leaves it kUnknown), and without a task there is no
// metric, gauge, performance drift or alert; so the task is inferred, and the answers say so
// ("task_inferred": true).
//
// Contract of ChooseTask (pure: no I/O, no clock; same input -> same answer):
//   0. a registered task (anything but kUnknown) is used as it is, inferred = false;
//   1. else the names of the training metrics of the version(s) compared with: any of
//      mae, rmse, r2, mape -> regression; any of auc, roc_auc, accuracy, f1, log_loss,
//      precision, recall, average_precision, brier -> binary classification. Names are matched
//      exactly (as the registry stores them, lower case). Names of both kinds, or of neither
//      (other names, no version, no metrics), go on to 2;
//   2. else the rows of the window: with at least one actual, when every actual is exactly 0 or 1
//      and every prediction of the window (rows without an actual included: a classifier's
//      scores are always probabilities) lies in [0, 1] -> binary classification; with any actual
//      otherwise -> regression. Non-finite values are neither 0/1 nor in [0, 1];
//   3. no actual in the window -> kUnknown, inferred = false (nothing to compute).
// A task from step 1 or 2 has inferred = true. The data rule (2) can change between windows as
// rows come and go; step 1 cannot, so a version with training metrics fixes the task.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>

#include "monitor/assessment.h"
#include "registry/model.h"

namespace mw::monitor {

struct TaskChoice {
  registry::ModelTask task = registry::ModelTask::kUnknown;
  bool inferred = false;  // true when `task` was not registered but inferred (steps 1-2)
};

// Step 1 alone: the task the metric names point to, nullopt when both kinds or neither.
std::optional<registry::ModelTask> TaskFromMetricNames(
    const std::map<std::string, double>& training_metrics);

// Step 2 (and 3) one row at a time, for windows not held as a span of rows.
class TaskEvidence {
 public:
  void Add(double prediction, const std::optional<double>& actual);
  // The task the rows added point to, nullopt without any actual.
  std::optional<registry::ModelTask> Task() const;

 private:
  bool any_actual_ = false;
  bool binary_ = true;
};

// Step 2 (and 3) alone: the task the window's values point to, nullopt without any actual.
std::optional<registry::ModelTask> TaskFromRows(std::span<const Row> rows);

// Steps 0-3. `training_metrics` are those of the version compared with (for an answer that pools
// several versions, the union of their names).
TaskChoice ChooseTask(registry::ModelTask registered,
                      const std::map<std::string, double>& training_metrics,
                      std::span<const Row> rows);
TaskChoice ChooseTask(registry::ModelTask registered,
                      const std::map<std::string, double>& training_metrics,
                      const TaskEvidence& rows);

}  // namespace mw::monitor
