// Models without a registered task over a real SQLite store: the quality service's answers and
// the evaluator's gauges use the task inferred from the training metric names or the window's
// values, and say so; a registered task wins; a task that changes drops the old task's series.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "monitor/evaluator.h"
#include "monitor/service.h"
#include "profile/profile_cache.h"
#include "store/sqlite_store.h"
#include "telemetry/test_util.h"

namespace mw::monitor {
namespace {

namespace fs = std::filesystem;
using registry::ModelTask;
using telemetry_test::Sample;

struct Logged {
  double prediction;
  std::optional<double> actual;
};

class InferredTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mw-inferred-task-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store::SqliteStoreOptions o;
    o.path = (dir_ / "m.db").string();
    o.clock = &clock_;
    auto store = store::OpenSqliteStore(o);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    service_ = std::make_unique<QualityService>(*store_, cache_, ServiceOptions{}, clock_);
  }
  void TearDown() override {
    service_.reset();
    if (store_) store_->Close();
    fs::remove_all(dir_);
  }

  // A version as `registry import` writes it: no model document, so the model's task is unknown.
  void ImportVersion(const std::string& model, const std::string& segment,
                     std::map<std::string, double> metrics) {
    registry::ModelVersionInfo v;
    v.model = model;
    v.segment = segment;
    v.version = "latest";
    v.training_metrics = std::move(metrics);
    ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
  }

  void Log(const std::string& model, const std::string& segment, const std::vector<Logged>& rows) {
    std::vector<ingest::PredictionEvent> events;
    for (const Logged& row : rows) {
      ingest::PredictionEvent e;
      e.id = model + "-" + std::to_string(++next_id_);
      e.model = model;
      e.segment = segment;
      e.timestamp_ms = clock_.NowMillis() - 60'000;
      e.features_json = "{}";
      e.prediction = row.prediction;
      e.actual = row.actual;
      e.content_hash = static_cast<uint64_t>(next_id_);
      events.push_back(std::move(e));
    }
    std::promise<bool> done;
    store_->AppendPredictions(std::move(events), [&](Result<store::PredictionBatchResult> r) {
      done.set_value(r.has_value());
    });
    ASSERT_TRUE(done.get_future().get());
  }

  // 20 regression rows whose errors alternate +2/-2 (MAE 2, RMSE 2).
  static std::vector<Logged> RegressionRows() {
    std::vector<Logged> rows;
    for (int i = 0; i < 20; ++i) {
      const double actual = 40.0 + i % 13;
      rows.push_back({actual + (i % 2 == 0 ? 2.0 : -2.0), actual});
    }
    return rows;
  }
  // 20 scores in [0, 1] with 0/1 actuals, the positives scored higher (AUC 1).
  static std::vector<Logged> ClassifierRows() {
    std::vector<Logged> rows;
    for (int i = 0; i < 20; ++i) rows.push_back({i % 2 == 0 ? 0.8 : 0.1, i % 2 == 0 ? 1.0 : 0.0});
    return rows;
  }

  WindowQuery Query(const std::string& model, std::optional<std::string> segment) const {
    WindowQuery q;
    q.model = model;
    q.segment = std::move(segment);
    q.from_ms = clock_.NowMillis() - 3'600'000;
    q.to_ms = clock_.NowMillis();
    return q;
  }

  Json PerformanceOf(const std::string& model, std::optional<std::string> segment) {
    auto answer = service_->Performance(Query(model, std::move(segment)));
    EXPECT_TRUE(answer.has_value()) << answer.error().ToString();
    return answer.has_value() ? *answer : Json();
  }

  std::string Scrape() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  profile::ProfileCache cache_{2};
  std::unique_ptr<QualityService> service_;
  prometheus::Registry registry_;
  QualityMetrics metrics_{registry_, "ml", "segment"};
  int64_t next_id_ = 0;
};

TEST_F(InferredTaskTest, ImportedRegressionMetricsGiveMaeAndItsDriftWithoutARegisteredTask) {
  ImportVersion("demand", "restaurant_1", {{"mae", 4.0}, {"rmse", 5.5}, {"r2", 0.8}});
  Log("demand", "restaurant_1", RegressionRows());
  ASSERT_EQ(store_->GetModel("demand")->task, ModelTask::kUnknown);

  const Json one = PerformanceOf("demand", "restaurant_1");
  EXPECT_EQ(one["status"], "ok") << one.dump();
  EXPECT_EQ(one["task"], "regression");
  EXPECT_EQ(one["task_inferred"], true);
  EXPECT_EQ(one["sample_size"], 20);
  EXPECT_DOUBLE_EQ(one["metrics"]["mae"].get<double>(), 2.0);
  EXPECT_EQ(one["training_version"], "latest");
  // The pooled answer: the segment's version names the task for the total and the segment.
  const Json all = PerformanceOf("demand", std::nullopt);
  EXPECT_EQ(all["task"], "regression");
  EXPECT_EQ(all["task_inferred"], true);
  ASSERT_EQ(all["segments"].size(), 1u);
  EXPECT_EQ(all["segments"][0]["task"], "regression");
  EXPECT_EQ(all["segments"][0]["task_inferred"], true);
  EXPECT_DOUBLE_EQ(all["segments"][0]["metrics"]["mae"].get<double>(), 2.0);

  auto history = service_->History(Query("demand", std::nullopt), "mae", 86'400'000);
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  EXPECT_EQ((*history)["task"], "regression");
  EXPECT_EQ((*history)["task_inferred"], true);
  ASSERT_EQ((*history)["points"].size(), 1u);
  EXPECT_DOUBLE_EQ((*history)["points"][0]["value"].get<double>(), 2.0);

  Evaluator evaluator(*store_, *service_, &metrics_, clock_, EvaluatorOptions{});
  ASSERT_TRUE(evaluator.EvaluateOnce().ok()) << evaluator.status().last_error;
  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(ml_model_mae{model="demand",segment="restaurant_1"})"), 2.0) << text;
  EXPECT_EQ(Sample(text, R"(ml_model_training_mae{model="demand",segment="restaurant_1",)"
                         R"(version="latest"})"),
            4.0);
  EXPECT_EQ(Sample(text, R"(ml_model_performance_drift{model="demand",segment="restaurant_1"})"),
            0.0);
  store::SnapshotQuery sq;
  sq.model = "demand";
  sq.kind = "performance";
  auto snapshots = store_->QuerySnapshots(sq);
  ASSERT_TRUE(snapshots.has_value());
  ASSERT_EQ(snapshots->size(), 1u);
  const auto payload = nlohmann::json::parse((*snapshots)[0].payload_json);
  EXPECT_EQ(payload["task"], "regression");
  EXPECT_EQ(payload["task_inferred"], true);
}

TEST_F(InferredTaskTest, ZeroOneActualsWithScoresMakeAClassifierFromTheDataAlone) {
  Log("churn", "", ClassifierRows());  // a model seen in traffic only: no version, no task
  const Json answer = PerformanceOf("churn", "");
  EXPECT_EQ(answer["status"], "ok") << answer.dump();
  EXPECT_EQ(answer["task"], "binary_classification");
  EXPECT_EQ(answer["task_inferred"], true);
  EXPECT_DOUBLE_EQ(answer["metrics"]["auc"].get<double>(), 1.0);

  Evaluator evaluator(*store_, *service_, &metrics_, clock_, EvaluatorOptions{});
  ASSERT_TRUE(evaluator.EvaluateOnce().ok()) << evaluator.status().last_error;
  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(ml_model_auc_score{model="churn",segment=""})"), 1.0) << text;
  EXPECT_EQ(Sample(text, R"(ml_prediction_score_count{model="churn",segment=""})"), 20.0);
}

TEST_F(InferredTaskTest, ARegisteredTaskWinsAndIsNotMarkedInferred) {
  registry::ModelInfo m;
  m.name = "risk";
  m.task = ModelTask::kBinaryClassification;
  ASSERT_TRUE(store_->UpsertModel(m).ok());
  ImportVersion("risk", "", {{"mae", 1.0}});  // names that would say regression
  Log("risk", "", ClassifierRows());
  const Json answer = PerformanceOf("risk", "");
  EXPECT_EQ(answer["task"], "binary_classification");
  EXPECT_EQ(answer["task_inferred"], false);
  EXPECT_EQ(answer["status"], "ok");
}

TEST_F(InferredTaskTest, NoActualsAndNoMetricNamesLeaveTheTaskUnknownAndTheGaugesUnset) {
  Log("quiet", "", {{3.0, std::nullopt}, {4.0, std::nullopt}});
  const Json answer = PerformanceOf("quiet", "");
  EXPECT_EQ(answer["status"], "unknown_task");
  EXPECT_EQ(answer["task"], "unknown");
  EXPECT_EQ(answer["task_inferred"], false);
  Evaluator evaluator(*store_, *service_, &metrics_, clock_, EvaluatorOptions{});
  ASSERT_TRUE(evaluator.EvaluateOnce().ok()) << evaluator.status().last_error;
  EXPECT_FALSE(Sample(Scrape(), R"(ml_model_sample_size{model="quiet",segment=""})").has_value());
}

TEST_F(InferredTaskTest, ATaskInferredFromDataThatChangesDropsTheOldTasksSeries) {
  Log("flip", "", ClassifierRows());
  Evaluator evaluator(*store_, *service_, &metrics_, clock_, EvaluatorOptions{});
  ASSERT_TRUE(evaluator.EvaluateOnce().ok()) << evaluator.status().last_error;
  EXPECT_EQ(Sample(Scrape(), R"(ml_model_auc_score{model="flip",segment=""})"), 1.0);
  EXPECT_TRUE(Sample(Scrape(), R"(ml_predictions_risk_band{band="high",model="flip",segment=""})")
                  .has_value());
  Log("flip", "", {{0.5, 7.0}});  // an actual of 7: no longer a classifier's window
  ASSERT_TRUE(evaluator.EvaluateOnce().ok()) << evaluator.status().last_error;
  const std::string text = Scrape();
  EXPECT_TRUE(Sample(text, R"(ml_model_mae{model="flip",segment=""})").has_value()) << text;
  EXPECT_FALSE(Sample(text, R"(ml_model_auc_score{model="flip",segment=""})").has_value());
  EXPECT_FALSE(
      Sample(text, R"(ml_predictions_risk_band{band="high",model="flip",segment=""})").has_value());
}

}  // namespace
}  // namespace mw::monitor
