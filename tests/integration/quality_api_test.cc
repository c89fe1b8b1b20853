// The quality engine end to end against the real binary: registry training metrics, reference
// uploads, logged predictions with known errors and a shifted feature, then /performance,
// /drift, /quality, /history, the evaluator's gauges on /metrics, the profile cache, and the
// performance / check-drift commands.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

struct FeatureRow {
  double temp;
  std::string weekday;
};

std::vector<FeatureRow> Rows(uint64_t seed, int n, double temp_shift) {
  Lcg rng{seed};
  std::vector<FeatureRow> rows;
  for (int i = 0; i < n; ++i) {
    rows.push_back({rng.Normal(20, 3) + temp_shift, kWeekdays[i % 7]});
  }
  return rows;
}

std::string ReferenceCsv(const std::vector<FeatureRow>& rows) {
  std::ostringstream out;
  out.precision(17);
  out << "temp,weekday,prediction,actual\n";
  for (const FeatureRow& r : rows) out << r.temp << "," << r.weekday << ",50,51\n";
  return out.str();
}

// Events whose error alternates +error/-error exactly (MAE = error).
std::string Events(const std::string& segment, const std::vector<FeatureRow>& rows, double error) {
  json events = json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    const double actual = 40.0 + static_cast<double>(i % 13);
    events.push_back({{"id", segment + "-" + std::to_string(i)},
                      {"model", "demand"},
                      {"segment", segment},
                      {"features", {{"temp", rows[i].temp}, {"weekday", rows[i].weekday}}},
                      {"prediction", actual + (i % 2 == 0 ? error : -error)},
                      {"actual", actual}});
  }
  return json{{"events", events}}.dump();
}

double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return NAN;
}

class QualityApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ModelwatchProcess>(
        ServerOptions{{"--set", "quality.evaluation_interval_seconds=1"}, {}, ""});
    ASSERT_TRUE(server_->Start()) << server_->output();
    auto client = server_->Client();
    ASSERT_EQ(client.Send("PUT", "/v1/models/demand", R"({"task":"regression"})").status, 201);
    for (const char* segment : {"restaurant_1", "restaurant_2"}) {
      auto r = client.Send("PUT", "/v1/models/demand/versions/v1",
                           json{{"segment", segment}, {"metrics", {{"mae", 2.0}}}}.dump());
      ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
      r = client.Send("POST",
                      std::string("/v1/models/demand/versions/v1/reference?segment=") + segment,
                      ReferenceCsv(Rows(7, 600, 0)), "text/csv");
      ASSERT_EQ(r.status, 200) << r.body;
      const json body = json::parse(r.body);
      EXPECT_EQ(body["rows"], 600);
      EXPECT_EQ(body["features"][0]["name"], "temp");
      EXPECT_EQ(body["features"][0]["type"], "numeric");
      EXPECT_EQ(body["features"][1]["type"], "categorical");
    }
    // restaurant_1: the reference's own rows, errors of exactly 2 (= training MAE).
    // restaurant_2: temperature 10 degrees higher, errors of exactly 4 (100 % worse).
    ASSERT_EQ(
        client.PostJson("/v1/predictions", Events("restaurant_1", Rows(7, 300, 0), 2.0)).status,
        202);
    ASSERT_EQ(
        client.PostJson("/v1/predictions", Events("restaurant_2", Rows(7, 300, 10), 4.0)).status,
        202);
  }

  json GetJson(const std::string& target, int status = 200) {
    auto r = server_->Client().Get(target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  std::unique_ptr<ModelwatchProcess> server_;
};

TEST_F(QualityApiTest, PerformanceComparesEachSegmentWithItsTrainingMae) {
  json ok = GetJson("/v1/models/demand/performance?segment=restaurant_1&window=1d");
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_EQ(ok["sample_size"], 300);
  EXPECT_DOUBLE_EQ(ok["metrics"]["mae"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(ok["metrics"]["rmse"].get<double>(), 2.0);
  EXPECT_EQ(ok["drift_detected"], false);
  EXPECT_EQ(ok["training_version"], "v1");

  json bad = GetJson("/v1/models/demand/performance?segment=restaurant_2");
  EXPECT_DOUBLE_EQ(bad["metrics"]["mae"].get<double>(), 4.0);
  EXPECT_EQ(bad["drift_detected"], true);
  const json& mae = bad["performance_drift"][0];
  EXPECT_EQ(mae["metric"], "mae");
  EXPECT_DOUBLE_EQ(mae["training_value"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(mae["recent_value"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(mae["degradation_pct"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(mae["threshold_pct"].get<double>(), 20.0);

  json all = GetJson("/v1/models/demand/performance");
  EXPECT_EQ(all["sample_size"], 600);
  ASSERT_EQ(all["segments"].size(), 2u);
  EXPECT_EQ(all["segments"][0]["segment"], "restaurant_1");
  EXPECT_EQ(all["segments"][0]["drift_detected"], false);
  EXPECT_EQ(all["segments"][1]["drift_detected"], true);
}

TEST_F(QualityApiTest, DriftFindsExactlyTheShiftedFeatureOfTheShiftedSegment) {
  json drift = GetJson("/v1/models/demand/drift");
  ASSERT_EQ(drift["segments"].size(), 2u);
  for (const json& segment : drift["segments"]) {
    const bool shifted = segment["segment"] == "restaurant_2";
    ASSERT_EQ(segment["status"], "ok") << segment.dump();
    for (const json& f : segment["features"]) {
      const bool expect = shifted && f["feature"] == "temp";
      EXPECT_EQ(f["drift_detected"], expect) << segment["segment"] << " " << f.dump();
    }
    EXPECT_EQ(segment["features"][0]["test"], "ks");  // 600 reference rows: KS / chi-square
    EXPECT_EQ(segment["features"][1]["test"], "chisquare");
  }
  EXPECT_EQ(drift["drift_detected"], true);  // 1 of 2 features = share 0.5 >= 0.5
}

TEST_F(QualityApiTest, QualityHistoryAndQueryErrors) {
  json quality = GetJson("/v1/models/demand/quality?segment=restaurant_2");
  const json& temp = quality["segments"][0]["features"][0];
  EXPECT_EQ(temp["feature"], "temp");
  EXPECT_EQ(temp["missing"], 0);
  EXPECT_GT(temp["out_of_range"].get<int64_t>(), 0);  // shifted past the reference's max

  json history = GetJson("/v1/models/demand/history?metric=mae&bucket=1h&segment=restaurant_2");
  ASSERT_GE(history["points"].size(), 1u);
  double weighted = 0;
  int64_t n = 0;
  for (const json& p : history["points"]) {
    weighted += p["value"].get<double>() * p["sample_size"].get<double>();
    n += p["sample_size"].get<int64_t>();
  }
  EXPECT_EQ(n, 300);
  EXPECT_NEAR(weighted / n, 4.0, 1e-12);

  json problem = GetJson("/v1/models/demand/performance?window=soon", 400);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/query/window");
  problem = GetJson("/v1/models/demand/history?metric=nope", 400);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/query/metric");
  // Names in the query follow the rules of names in paths and bodies.
  problem = GetJson("/v1/models/demand/drift?segment=%FFx", 400);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/query/segment");
  problem = GetJson("/v1/models/demand/performance?version=a%01b", 400);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/query/version");
  GetJson("/v1/models/nope/performance", 404);
}

TEST_F(QualityApiTest, EvaluatorExportsGaugesAndTheProfileCacheCanBeUnloaded) {
  auto client = server_->Client();
  std::string text;
  for (int i = 0; i < 100; ++i) {  // the evaluator runs every second
    text = client.Get("/metrics").body;
    if (!std::isnan(Sample(text, R"(ml_model_mae{model="demand",segment="restaurant_2"})"))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_DOUBLE_EQ(Sample(text, R"(ml_model_mae{model="demand",segment="restaurant_2"})"), 4.0);
  EXPECT_DOUBLE_EQ(
      Sample(text, R"(ml_model_training_mae{model="demand",segment="restaurant_2",version="v1"})"),
      2.0);
  EXPECT_DOUBLE_EQ(
      Sample(text, R"(ml_model_drift_detected{model="demand",segment="restaurant_2"})"), 1.0);
  EXPECT_DOUBLE_EQ(
      Sample(text, R"(ml_model_drift_detected{model="demand",segment="restaurant_1"})"), 0.0);
  EXPECT_DOUBLE_EQ(
      Sample(text,
             R"(ml_feature_drift_detected{feature="temp",model="demand",segment="restaurant_2"})"),
      1.0);
  const auto lint = RunCommand({"promtool", "check", "metrics"}, {}, text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;

  json cache = GetJson("/v1/admin/profiles");
  EXPECT_EQ(cache["capacity"], 10);
  EXPECT_GE(cache["loaded"].get<int64_t>(), 1);
  auto r = client.PostJson("/v1/admin/profiles/unload", R"({"model":"demand"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(json::parse(r.body)["unloaded"].size(), 1u);
  r = client.PostJson("/v1/admin/profiles/unload", R"({"modle":"demand"})");
  EXPECT_EQ(r.status, 422);

  json evaluator = GetJson("/v1/admin/evaluator");
  EXPECT_EQ(evaluator["enabled"], true);
  EXPECT_GE(evaluator["passes"].get<int64_t>(), 1);
  EXPECT_TRUE(evaluator["last_error"].is_null()) << evaluator.dump();
}

TEST_F(QualityApiTest, CheckDriftExitsOneOnDriftForCronAndCi) {
  const std::string bin = ModelwatchBinary();
  auto none = RunCommand(
      {bin, "check-drift", "--model", "demand", "--segment", "restaurant_1", "--server", Url()});
  EXPECT_EQ(none.exit_code, 0) << none.output;
  auto drift = RunCommand({bin, "check-drift", "--model", "demand", "--segment", "restaurant_2",
                           "--server", Url(), "--json"});
  EXPECT_EQ(drift.exit_code, 1) << drift.output;
  EXPECT_NE(drift.output.find("\"performance_drift\""), std::string::npos) << drift.output;
  EXPECT_NE(drift.output.find("\"data_drift\""), std::string::npos) << drift.output;
  auto unreachable =
      RunCommand({bin, "check-drift", "--model", "demand", "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.output;
  auto usage = RunCommand({bin, "check-drift", "--model", "demand", "--window", "soon"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  auto performance = RunCommand({bin, "performance", "--model", "demand", "--segment",
                                 "restaurant_2", "--window", "7d", "--server", Url()});
  EXPECT_EQ(performance.exit_code, 0) << performance.output;
  EXPECT_NE(performance.output.find("mae=4"), std::string::npos) << performance.output;
  EXPECT_NE(performance.output.find("DRIFT"), std::string::npos) << performance.output;
  // All segments: the total, then one line per segment (each once).
  auto all = RunCommand({bin, "performance", "--model", "demand", "--server", Url()});
  EXPECT_EQ(all.exit_code, 0) << all.output;
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t p = all.output.find(s); p != std::string::npos; p = all.output.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("(all)"), 1u) << all.output;
  EXPECT_EQ(count("restaurant_1 "), 1u) << all.output;
  EXPECT_EQ(count("restaurant_2 "), 1u) << all.output;
}

TEST_F(QualityApiTest, ReferenceUploadErrorsNameTheProblem) {
  auto client = server_->Client();
  auto r = client.Send("POST", "/v1/models/demand/versions/v1/reference", "a,b\n1\n", "text/csv");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("line 2"), std::string::npos) << r.body;
  r = client.Send("POST", "/v1/models/demand/versions/v1/reference", "x", "text/plain");
  EXPECT_EQ(r.status, 415);
  r = client.Send("POST", "/v1/models/nope/versions/v1/reference", "a\n1\n", "text/csv");
  EXPECT_EQ(r.status, 404);
  // A window of logged predictions as the reference of a new version.
  r = client.PostJson("/v1/models/demand/versions/v2/reference",
                      R"({"from": 0, "to": 4102444800, "segment": "restaurant_1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["rows"], 300);
  EXPECT_EQ(json::parse(r.body)["source"], "window");
  r = client.PostJson("/v1/models/demand/versions/v2/reference", R"({"from": "yesterday"})");
  EXPECT_EQ(r.status, 422) << r.body;
}

TEST_F(QualityApiTest, FeatureImportanceChangeBetweenVersions) {
  auto client = server_->Client();
  auto put = [&](const std::string& version, const json& importance) {
    auto r = client.Send("PUT", "/v1/models/demand/versions/" + version,
                         json{{"feature_importance", importance}}.dump());
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  };
  put("a", {{"temp", 0.5}, {"weekday", 0.3}, {"promo", 0.15}, {"rain", 0.05}});
  put("b", {{"temp", 0.1}, {"weekday", 0.3}, {"promo", 0.4}, {"rain", 0.2}});
  json change = GetJson("/v1/models/demand/importance-change?from=a&to=b");
  EXPECT_EQ(change["common_features"], 4);
  // Ranks a: temp 1, weekday 2, promo 3, rain 4; b: promo 1, weekday 2, rain 3, temp 4.
  // Spearman = 1 - 6 * (9 + 0 + 4 + 1) / (4 * 15) = -0.4.
  EXPECT_NEAR(change["spearman"].get<double>(), -0.4, 1e-12);
  EXPECT_EQ(change["moves"][0]["feature"], "temp");
  EXPECT_EQ(change["moves"][0]["moved"], -3);
  json latest = GetJson("/v1/models/demand/importance-change");  // the two newest: a -> b
  EXPECT_EQ(latest["from"], "a");
  EXPECT_EQ(latest["to"], "b");
  json problem = GetJson("/v1/models/demand/importance-change?from=a&to=zz", 400);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/query/to");
}

}  // namespace
}  // namespace mw::testing
