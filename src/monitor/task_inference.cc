#include "monitor/task_inference.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace mw::monitor {
namespace {

// The training metric names that only make sense for one task (monitor/assessment.cc compares
// these; "roc_auc" is its alias of "auc", precision and recall are reported by classifiers).
constexpr std::array<std::string_view, 4> kRegressionMetricNames = {"mae", "rmse", "r2", "mape"};
constexpr std::array<std::string_view, 9> kClassificationMetricNames = {
    "auc",       "roc_auc", "accuracy",          "f1",   "log_loss",
    "precision", "recall",  "average_precision", "brier"};

template <size_t N>
bool NamesAny(const std::map<std::string, double>& metrics,
              const std::array<std::string_view, N>& names) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view name) { return metrics.contains(std::string(name)); });
}

}  // namespace

std::optional<registry::ModelTask> TaskFromMetricNames(
    const std::map<std::string, double>& training_metrics) {
  const bool regression = NamesAny(training_metrics, kRegressionMetricNames);
  const bool classification = NamesAny(training_metrics, kClassificationMetricNames);
  if (regression == classification) return std::nullopt;  // both kinds, or neither
  return regression ? registry::ModelTask::kRegression : registry::ModelTask::kBinaryClassification;
}

void TaskEvidence::Add(double prediction, const std::optional<double>& actual) {
  // Written so that NaN fails both tests.
  if (!(prediction >= 0.0 && prediction <= 1.0)) binary_ = false;
  if (!actual) return;
  any_actual_ = true;
  if (*actual != 0.0 && *actual != 1.0) binary_ = false;
}

std::optional<registry::ModelTask> TaskEvidence::Task() const {
  if (!any_actual_) return std::nullopt;
  return binary_ ? registry::ModelTask::kBinaryClassification : registry::ModelTask::kRegression;
}

std::optional<registry::ModelTask> TaskFromRows(std::span<const Row> rows) {
  TaskEvidence evidence;
  for (const Row& row : rows) evidence.Add(row.prediction, row.actual);
  return evidence.Task();
}

TaskChoice ChooseTask(registry::ModelTask registered,
                      const std::map<std::string, double>& training_metrics,
                      const TaskEvidence& rows) {
  if (registered != registry::ModelTask::kUnknown) return {registered, false};
  std::optional<registry::ModelTask> task = TaskFromMetricNames(training_metrics);
  if (!task) task = rows.Task();
  if (!task) return {};
  return {*task, true};
}

TaskChoice ChooseTask(registry::ModelTask registered,
                      const std::map<std::string, double>& training_metrics,
                      std::span<const Row> rows) {
  TaskEvidence evidence;
  // The rows matter only when neither the registry nor the names decide.
  if (registered == registry::ModelTask::kUnknown && !TaskFromMetricNames(training_metrics)) {
    for (const Row& row : rows) evidence.Add(row.prediction, row.actual);
  }
  return ChooseTask(registered, training_metrics, evidence);
}

}  // namespace mw::monitor
