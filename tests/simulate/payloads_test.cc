#include "simulate/payloads.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mw::simulate {
namespace {

constexpr int64_t kTrafficStart = 1'750'000'000'000;

TrafficGenerator Small() {
  GeneratorOptions o;
  o.start_ms = kTrafficStart;
  o.restaurants = 2;
  o.training_rows = 30;
  o.risk_versions = 2;
  auto g = TrafficGenerator::Create(o);
  EXPECT_TRUE(g.has_value());
  return std::move(*g);
}

TEST(PayloadsTest, PredictionsBodyIsTheEventsOfPredictionJson) {
  auto g = Small();
  std::vector<Prediction> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(g.Next(kTrafficStart + i * 1000));
  const auto body = nlohmann::json::parse(PredictionsBody(batch));
  ASSERT_EQ(body.size(), 1u);
  ASSERT_EQ(body["events"].size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(body["events"][i], nlohmann::json::parse(PredictionJson(batch[i]).dump())) << i;
  }
  const auto first = PredictionJson(batch[0]);
  EXPECT_EQ(first["id"], "sim-1");
  EXPECT_EQ(first["timestamp"], "2025-06-15T15:06:40.000Z");
}

TEST(PayloadsTest, ActualsBody) {
  const std::vector<Actual> actuals = {{"sim-1", 42, kTrafficStart},
                                       {"sim-2", 0.5, kTrafficStart + 1}};
  EXPECT_EQ(ActualsBody(actuals),
            R"({"actuals":[{"id":"sim-1","actual":42,"timestamp":"2025-06-15T15:06:40.000Z"},)"
            R"({"id":"sim-2","actual":0.5,"timestamp":"2025-06-15T15:06:40.001Z"}]})");
  EXPECT_EQ(ActualJson(actuals[1]).dump(),
            R"({"id":"sim-2","actual":0.5,"timestamp":"2025-06-15T15:06:40.001Z"})");
  EXPECT_EQ(ActualsBody({}), R"({"actuals":[]})");
}

TEST(PayloadsTest, RegistrationDocuments) {
  auto g = Small();
  const ModelSetup& demand = g.models()[0];
  EXPECT_EQ(nlohmann::json::parse(ModelDocument(demand)),
            (nlohmann::json{{"task", "regression"}, {"description", demand.description}}));
  const auto v = nlohmann::json::parse(VersionDocument(demand.versions[1], 7));
  EXPECT_EQ(v["segment"], "restaurant_2");
  EXPECT_EQ(v["latest"], true);
  EXPECT_EQ(v["training_rows"], 30);
  EXPECT_EQ(v["seed"], 7);
  EXPECT_EQ(v["metrics"]["mae"].get<double>(), demand.versions[1].metrics.at("mae"));
  EXPECT_FALSE(v.contains("feature_importance"));
  const auto r = nlohmann::json::parse(VersionDocument(g.models()[1].versions[1], 7));
  EXPECT_FALSE(r.contains("segment"));
  EXPECT_EQ(r["feature_importance"].size(), 5u);
  EXPECT_TRUE(r["metrics"].contains("auc"));
}

TEST(PayloadsTest, ReferenceIsOneObjectPerTrainingRow) {
  auto g = Small();
  const ModelSetup& risk = g.models()[1];
  const VersionSetup& v1 = risk.versions[0];
  const std::string ndjson = ReferenceNdjson(risk, v1);
  ASSERT_FALSE(ndjson.empty());
  EXPECT_EQ(ndjson.back(), '\n');
  std::istringstream lines(ndjson);
  std::string line;
  size_t n = 0;
  for (; std::getline(lines, line); ++n) {
    const auto row = nlohmann::ordered_json::parse(line);
    std::vector<std::string> keys;
    for (const auto& [key, value] : row.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"age", "bmi", "systolic_bp", "smoker", "region",
                                              "prediction", "actual"}));
    EXPECT_TRUE(row["age"].is_number_integer());
    EXPECT_EQ(row["prediction"].get<double>(), v1.training[n].prediction);
    EXPECT_EQ(row["actual"].get<double>(), v1.training[n].actual);
  }
  EXPECT_EQ(n, v1.training.size());
}

TEST(PayloadsTest, PathsEncodeTheirSegments) {
  EXPECT_EQ(ModelPath("demand_forecast"), "/v1/models/demand_forecast");
  EXPECT_EQ(VersionPath("a b", "v/1"), "/v1/models/a%20b/versions/v%2F1");
  EXPECT_EQ(ReferencePath("demand_forecast", "v1", "restaurant_3"),
            "/v1/models/demand_forecast/versions/v1/reference?segment=restaurant_3");
  EXPECT_EQ(ReferencePath("patient_risk", "v2", ""),
            "/v1/models/patient_risk/versions/v2/reference");
  EXPECT_EQ(EncodePathSegment("caf\xc3\xa9~.-_"), "caf%C3%A9~.-_");
}

}  // namespace
}  // namespace mw::simulate
