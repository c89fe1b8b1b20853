// The task a model without a registered one is given: the registered task wins, then the
// training metric names, then the window's values; each rule and its boundaries.
#include "monitor/task_inference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mw::monitor {
namespace {

using registry::ModelTask;

Row Logged(double prediction, std::optional<double> actual) {
  Row r;
  r.prediction = prediction;
  r.actual = actual;
  return r;
}

const std::vector<Row> kRegressionRows = {Logged(12, 10), Logged(8, 9.5)};
const std::vector<Row> kBinaryRows = {Logged(0.9, 1), Logged(0.2, 0), Logged(0.4, std::nullopt)};

TEST(TaskInferenceTest, ARegisteredTaskWinsOverMetricNamesAndData) {
  const TaskChoice c =
      ChooseTask(ModelTask::kBinaryClassification, {{"mae", 4.0}}, kRegressionRows);
  EXPECT_EQ(c.task, ModelTask::kBinaryClassification);
  EXPECT_FALSE(c.inferred);
  const TaskChoice r = ChooseTask(ModelTask::kRegression, {{"auc", 0.8}}, kBinaryRows);
  EXPECT_EQ(r.task, ModelTask::kRegression);
  EXPECT_FALSE(r.inferred);
}

TEST(TaskInferenceTest, RegressionMetricNamesMakeARegressionModel) {
  for (const char* name : {"mae", "rmse", "r2", "mape"}) {
    // The data alone would say binary classification: the names come first.
    const TaskChoice c = ChooseTask(ModelTask::kUnknown, {{name, 1.0}, {"n_rows", 5}}, kBinaryRows);
    EXPECT_EQ(c.task, ModelTask::kRegression) << name;
    EXPECT_TRUE(c.inferred) << name;
  }
  // The layout of the issue: {"metrics": {"mae": 4.0, "rmse": 5.5, "r2": 0.8}}, no rows at all.
  const TaskChoice c = ChooseTask(ModelTask::kUnknown, {{"mae", 4.0}, {"rmse", 5.5}, {"r2", 0.8}},
                                  std::span<const Row>());
  EXPECT_EQ(c.task, ModelTask::kRegression);
  EXPECT_TRUE(c.inferred);
}

TEST(TaskInferenceTest, ClassificationMetricNamesMakeABinaryClassifier) {
  for (const char* name : {"auc", "roc_auc", "accuracy", "f1", "log_loss", "precision", "recall",
                           "average_precision", "brier"}) {
    const TaskChoice c = ChooseTask(ModelTask::kUnknown, {{name, 0.5}}, kRegressionRows);
    EXPECT_EQ(c.task, ModelTask::kBinaryClassification) << name;
    EXPECT_TRUE(c.inferred) << name;
  }
}

TEST(TaskInferenceTest, NamesOfBothKindsOrNeitherLeaveItToTheData) {
  EXPECT_EQ(TaskFromMetricNames({{"mae", 1}, {"auc", 0.8}}), std::nullopt);
  EXPECT_EQ(TaskFromMetricNames({{"loss", 1}, {"MAE", 1}}), std::nullopt);  // exact names only
  EXPECT_EQ(TaskFromMetricNames({}), std::nullopt);
  TaskChoice c = ChooseTask(ModelTask::kUnknown, {{"mae", 1}, {"auc", 0.8}}, kBinaryRows);
  EXPECT_EQ(c.task, ModelTask::kBinaryClassification);
  EXPECT_TRUE(c.inferred);
  c = ChooseTask(ModelTask::kUnknown, {{"loss", 1}}, kRegressionRows);
  EXPECT_EQ(c.task, ModelTask::kRegression);
  EXPECT_TRUE(c.inferred);
}

TEST(TaskInferenceTest, ZeroOneActualsWithProbabilitiesAreABinaryClassifier) {
  EXPECT_EQ(TaskFromRows(kBinaryRows), ModelTask::kBinaryClassification);
  // The bounds are inclusive; one class only is still a classifier's window.
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(0.0, 0), Logged(1.0, 0)}),
            ModelTask::kBinaryClassification);
}

TEST(TaskInferenceTest, AnyOtherActualOrAScoreOutsideZeroOneIsRegression) {
  EXPECT_EQ(TaskFromRows(kRegressionRows), ModelTask::kRegression);
  // An actual of 2 among 0/1 ones.
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(0.5, 1), Logged(0.5, 2)}), ModelTask::kRegression);
  // 0/1 actuals but a prediction of 1.5, even on a row without an actual.
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(0.5, 1), Logged(1.5, std::nullopt)}),
            ModelTask::kRegression);
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(-0.01, 0)}), ModelTask::kRegression);
  // NaN is not a probability.
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(std::nan(""), 1)}), ModelTask::kRegression);
}

TEST(TaskInferenceTest, EvidenceAddedRowByRowDecidesAsTheSpanDoes) {
  for (const std::vector<Row>* rows : {&kBinaryRows, &kRegressionRows}) {
    TaskEvidence evidence;
    for (const Row& row : *rows) evidence.Add(row.prediction, row.actual);
    EXPECT_EQ(evidence.Task(), TaskFromRows(*rows));
    const TaskChoice c = ChooseTask(ModelTask::kUnknown, {}, evidence);
    EXPECT_EQ(c.task, *TaskFromRows(*rows));
    EXPECT_TRUE(c.inferred);
  }
  EXPECT_EQ(TaskEvidence().Task(), std::nullopt);
}

TEST(TaskInferenceTest, NoActualAndNoNamesStaysUnknownAndIsNotInferred) {
  EXPECT_EQ(TaskFromRows(std::vector<Row>{Logged(0.5, std::nullopt)}), std::nullopt);
  const TaskChoice c =
      ChooseTask(ModelTask::kUnknown, {}, std::vector<Row>{Logged(3.0, std::nullopt)});
  EXPECT_EQ(c.task, ModelTask::kUnknown);
  EXPECT_FALSE(c.inferred);
  EXPECT_EQ(ChooseTask(ModelTask::kUnknown, {}, TaskEvidence()).task, ModelTask::kUnknown);
}

}  // namespace
}  // namespace mw::monitor
