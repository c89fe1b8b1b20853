// Issue 20, items 5 and 6 against the real binary: the on-disk layout teams keep, imported with
// training metrics and no task, then predictions with actuals: /performance answers with MAE
// under the inferred task (and says it was inferred), the evaluator exports the MAE gauge; a
// reference uploaded as NDJSON in the event shape (lines of a prediction log) drives /drift.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Prediction i of the window: actual 40 + i % 13, error (i % 4) * 0.5 with alternating sign.
double ActualOf(int i) { return 40.0 + i % 13; }
double PredictionOf(int i) { return ActualOf(i) + (i % 2 == 0 ? 1 : -1) * (i % 4) * 0.5; }

class TaskInferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path latest = dir_.path() / "models" / "demand" / "restaurant_1" / "latest";
    fs::create_directories(latest);
    std::ofstream(latest / "metadata.json")
        << R"({"metrics": {"mae": 4.0, "rmse": 5.5, "r2": 0.8}, "framework": "lightgbm"})";
    data_ = (dir_.path() / "data").string();
    const auto imported = RunCommand({ModelwatchBinary(), "registry", "import",
                                      (dir_.path() / "models").string(), "--data-dir", data_});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    server_ = std::make_unique<ModelwatchProcess>(
        ServerOptions{{"--set", "quality.evaluation_interval_seconds=1"}, {}, data_});
    ASSERT_TRUE(server_->Start()) << server_->output();
  }

  json GetJson(const std::string& target) {
    auto r = server_->Client().Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  // n predictions of restaurant_1 with actuals (PredictionOf / ActualOf) and two features.
  void PostPredictions(int n) {
    Lcg rng{11};
    json events = json::array();
    for (int i = 0; i < n; ++i) {
      events.push_back({{"id", "p-" + std::to_string(i)},
                        {"model", "demand"},
                        {"segment", "restaurant_1"},
                        {"features", {{"temp", rng.Normal(20, 3)}, {"weekday", kDays[i % 7]}}},
                        {"prediction", PredictionOf(i)},
                        {"actual", ActualOf(i)}});
    }
    auto r = server_->Client().PostJson("/v1/predictions", json{{"events", events}}.dump());
    ASSERT_EQ(r.status, 202) << r.body;
  }

  TempDir dir_;
  std::string data_;
  std::unique_ptr<ModelwatchProcess> server_;
};

TEST_F(TaskInferenceTest, ImportedMetricsWithoutATaskGiveMaeTheGaugeAndTheInferredTask) {
  // The import registers no task: the registry keeps saying so.
  EXPECT_EQ(GetJson("/v1/models/demand")["task"], "unknown");
  constexpr int kRows = 40;
  PostPredictions(kRows);
  double abs_errors = 0;
  for (int i = 0; i < kRows; ++i) abs_errors += std::fabs(PredictionOf(i) - ActualOf(i));
  const double mae = abs_errors / kRows;  // (0 + 0.5 + 1 + 1.5) / 4 = 0.75
  ASSERT_DOUBLE_EQ(mae, 0.75);

  const json one = GetJson("/v1/models/demand/performance?segment=restaurant_1&window=1d");
  EXPECT_EQ(one["status"], "ok") << one.dump();
  EXPECT_EQ(one["task"], "regression");
  EXPECT_EQ(one["task_inferred"], true);
  EXPECT_EQ(one["sample_size"], kRows);
  EXPECT_NEAR(one["metrics"]["mae"].get<double>(), mae, 1e-12);
  EXPECT_EQ(one["training_version"], "latest");
  ASSERT_TRUE(one["performance_drift"].is_array()) << one.dump();
  ASSERT_GE(one["performance_drift"].size(), 1u);
  EXPECT_EQ(one["performance_drift"][0]["metric"], "mae");
  EXPECT_DOUBLE_EQ(one["performance_drift"][0]["training_value"].get<double>(), 4.0);

  const json all = GetJson("/v1/models/demand/performance");
  EXPECT_EQ(all["task"], "regression");
  EXPECT_EQ(all["task_inferred"], true);
  const json history = GetJson("/v1/models/demand/history?metric=mae&bucket=1d");
  EXPECT_EQ(history["task"], "regression");
  EXPECT_EQ(history["task_inferred"], true);

  // The evaluator (every second) exports the gauge of the inferred task.
  const std::string series = R"(ml_model_mae{model="demand",segment="restaurant_1"})";
  std::string text;
  const bool seen = WaitUntil(
      [&] {
        text = server_->Client().Get("/metrics").body;
        return !std::isnan(ScrapedValue(text, series));
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(seen) << text;
  EXPECT_NEAR(ScrapedValue(text, series), mae, 1e-12);
  EXPECT_DOUBLE_EQ(
      ScrapedValue(
          text, R"(ml_model_training_mae{model="demand",segment="restaurant_1",version="latest"})"),
      4.0);
}

TEST_F(TaskInferenceTest, AnEventShapedNdjsonReferenceDrivesDrift) {
  // The reference: lines of a prediction log, as teams export their training rows.
  Lcg rng{5};
  std::ostringstream ndjson;
  for (int i = 0; i < 300; ++i) {
    ndjson << json{{"id", "train-" + std::to_string(i)},
                   {"timestamp", "2026-01-05T10:00:00Z"},
                   {"model", "demand"},
                   {"version", "latest"},
                   {"segment", "restaurant_1"},
                   {"features", {{"temp", rng.Normal(20, 3)}, {"weekday", kDays[i % 7]}}},
                   {"prediction", 50.0},
                   {"actual", 51.0}}
                  .dump()
           << "\n";
  }
  auto r = server_->Client().Send(
      "POST", "/v1/models/demand/versions/latest/reference?segment=restaurant_1", ndjson.str(),
      "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  const json stored = json::parse(r.body);
  EXPECT_EQ(stored["rows"], 300);
  ASSERT_EQ(stored["features"].size(), 2u) << stored.dump();
  EXPECT_EQ(stored["features"][0]["name"], "temp");
  EXPECT_EQ(stored["features"][0]["type"], "numeric");
  EXPECT_EQ(stored["features"][1]["name"], "weekday");
  EXPECT_EQ(stored["features"][1]["type"], "categorical");

  PostPredictions(100);
  const json drift = GetJson("/v1/models/demand/drift?segment=restaurant_1&window=1d");
  ASSERT_EQ(drift["segments"].size(), 1u) << drift.dump();
  const json& segment = drift["segments"][0];
  EXPECT_EQ(segment["reference_version"], "latest");
  ASSERT_EQ(segment["status"], "ok") << segment.dump();
  ASSERT_EQ(segment["features"].size(), 2u) << segment.dump();
  EXPECT_EQ(segment["features"][0]["feature"], "temp");
  EXPECT_EQ(segment["features"][1]["feature"], "weekday");
  for (const json& f : segment["features"]) {
    EXPECT_TRUE(f["drift_detected"].is_boolean()) << f.dump();
    EXPECT_TRUE(f["pvalue"].is_number()) << f.dump();
  }

  // A line of the other shape is refused, naming it.
  r = server_->Client().Send(
      "POST", "/v1/models/demand/versions/latest/reference?segment=restaurant_1",
      "{\"features\": {\"temp\": 1}}\n{\"temp\": 2}\n", "application/x-ndjson");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("line 2: no \\\"features\\\" object"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace mw::testing
