// The ingest API over real HTTP against the real binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

class IngestApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ModelwatchProcess(ServerOptions{{"--set", "server.max_body_bytes=4096"}, {}, ""});
    ASSERT_TRUE(server_->Start()) << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  HttpClient client_{"127.0.0.1", server_->port()};
  static ModelwatchProcess* server_;

  json Problem(const HttpResult& r) {
    EXPECT_EQ(r.headers.at("content-type"), "application/problem+json") << r.body;
    return json::parse(r.body);
  }
};
ModelwatchProcess* IngestApiTest::server_ = nullptr;

TEST_F(IngestApiTest, SingleEventIsAcceptedWithItsId) {
  const auto r = client_.PostJson(
      "/v1/predictions",
      R"({"id":"single-1","model":"demand","segment":"restaurant_1","features":{"temp":21.5},"prediction":42.5})");
  ASSERT_EQ(r.status, 202) << r.body;
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["ids"], json::array({"single-1"}));
  EXPECT_EQ(body["inserted"], 1);
  const auto got = client_.Get("/v1/predictions/single-1");
  ASSERT_EQ(got.status, 200) << got.body;
  const auto p = json::parse(got.body);
  EXPECT_EQ(p["model"], "demand");
  EXPECT_EQ(p["segment"], "restaurant_1");
  EXPECT_DOUBLE_EQ(p["prediction"].get<double>(), 42.5);
  EXPECT_DOUBLE_EQ(p["features"]["temp"].get<double>(), 21.5);
}

TEST_F(IngestApiTest, MissingIdIsGeneratedAndReturned) {
  const auto r = client_.PostJson("/v1/predictions", R"({"model":"demand","prediction":1})");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["ids"][0];
  EXPECT_EQ(id.size(), 26u);
  EXPECT_EQ(client_.Get("/v1/predictions/" + id).status, 200);
}

TEST_F(IngestApiTest, EventsArrayIsAcceptedWhole) {
  const auto r = client_.PostJson(
      "/v1/predictions",
      R"({"events":[{"id":"arr-1","model":"demand","prediction":1},{"id":"arr-2","model":"demand","prediction":2}]})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["ids"], json::array({"arr-1", "arr-2"}));
}

// latency_ms feeds P_prediction_duration_seconds for newly stored events only (a retried batch
// is not observed twice), so teams that post their own events get the prediction-latency alerts.
TEST_F(IngestApiTest, LatencyMsFeedsThePredictionDurationHistogram) {
  const std::string body =
      R"({"events":[{"id":"lat-1","model":"latency_model","segment":"s","prediction":1,"latency_ms":120},)"
      R"({"id":"lat-2","model":"latency_model","segment":"s","prediction":2,"latency_ms":120},)"
      R"({"id":"lat-3","model":"latency_model","segment":"s","prediction":3,"latency_ms":4000},)"
      R"({"id":"lat-4","model":"latency_model","segment":"s","prediction":4}]})";
  ASSERT_EQ(client_.PostJson("/v1/predictions", body).status, 202);
  ASSERT_EQ(client_.PostJson("/v1/predictions", body).status, 202);  // retry: all duplicates
  const auto metrics = client_.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string series = R"(model_type="latency_model",segment="s")";
  for (const auto& [bucket, count] : std::vector<std::pair<std::string, int>>{
           {"0.1", 0}, {"0.25", 2}, {"2.5", 2}, {"5", 3}, {"+Inf", 3}}) {
    const std::string line = "ml_prediction_duration_seconds_bucket{" + series + ",le=\"" + bucket +
                             "\"} " + std::to_string(count) + "\n";
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line;
  }
  EXPECT_NE(metrics.body.find("ml_prediction_duration_seconds_count{" + series + "} 3\n"),
            std::string::npos);
}

TEST_F(IngestApiTest, NdjsonIsAccepted) {
  const auto r = client_.Send("POST", "/v1/predictions",
                              "{\"id\":\"nd-1\",\"model\":\"demand\",\"prediction\":1}\n"
                              "{\"id\":\"nd-2\",\"model\":\"demand\",\"prediction\":2}\n",
                              "application/x-ndjson");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["inserted"], 2);
}

TEST_F(IngestApiTest, MalformedJsonIs400) {
  const auto r = client_.PostJson("/v1/predictions", R"({"model":"demand",)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Problem(r)["status"], 400);
}

TEST_F(IngestApiTest, OversizedBodyIs413) {
  const auto r = client_.PostJson("/v1/predictions", std::string(8192, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Problem(r)["status"], 413);
}

TEST_F(IngestApiTest, WrongContentTypeIs415) {
  const auto r = client_.Send("POST", "/v1/predictions", R"({"model":"m","prediction":1})",
                              "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(Problem(r)["status"], 415);
}

TEST_F(IngestApiTest, SemanticErrorsAre422WithPointers) {
  const auto r = client_.PostJson(
      "/v1/predictions",
      R"({"events":[{"id":"bad-0","model":"demand","prediction":1},{"id":"bad-1","prediction":"x"}]})");
  ASSERT_EQ(r.status, 422) << r.body;
  const auto doc = Problem(r);
  std::set<std::string> pointers;
  for (const auto& e : doc["errors"]) pointers.insert(e["pointer"]);
  EXPECT_TRUE(pointers.count("/events/1/model")) << r.body;
  EXPECT_TRUE(pointers.count("/events/1/prediction")) << r.body;
  // A rejected batch stores nothing, not even its valid events.
  EXPECT_EQ(client_.Get("/v1/predictions/bad-0").status, 404);
}

TEST_F(IngestApiTest, FutureTimestampIs422) {
  const auto r = client_.PostJson(
      "/v1/predictions", R"({"model":"demand","prediction":1,"timestamp":"2999-01-01T00:00:00Z"})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Problem(r)["errors"][0]["pointer"], "/timestamp");
}

TEST_F(IngestApiTest, NanIs422) {
  const auto r = client_.Send("POST", "/v1/predictions",
                              "{\"id\":\"nan-1\",\"model\":\"demand\",\"prediction\":NaN}\n",
                              "application/x-ndjson");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Problem(r)["errors"][0]["pointer"], "/0/prediction");
}

TEST_F(IngestApiTest, SameIdSameContentIsAcceptedOnce) {
  const std::string event = R"({"id":"retry-1","model":"demand","segment":"r1","prediction":3.5})";
  const auto first = client_.PostJson("/v1/predictions", event);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto second = client_.PostJson("/v1/predictions", event);
  ASSERT_EQ(second.status, 202) << second.body;
  EXPECT_EQ(json::parse(second.body)["inserted"], 0);
  EXPECT_EQ(json::parse(second.body)["duplicates"], 1);
}

TEST_F(IngestApiTest, SameIdDifferentContentIs409) {
  ASSERT_EQ(
      client_.PostJson("/v1/predictions", R"({"id":"conf-1","model":"demand","prediction":1})")
          .status,
      202);
  const auto r = client_.PostJson(
      "/v1/predictions",
      R"({"events":[{"id":"conf-ok","model":"demand","prediction":1},{"id":"conf-1","model":"demand","prediction":2}]})");
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Problem(r)["errors"][0]["pointer"], "/events/1/id");
  EXPECT_EQ(client_.Get("/v1/predictions/conf-ok").status, 404);
}

TEST_F(IngestApiTest, ActualJoinsItsPrediction) {
  ASSERT_EQ(
      client_.PostJson("/v1/predictions", R"({"id":"act-1","model":"demand","prediction":10})")
          .status,
      202);
  const auto r = client_.PostJson("/v1/actuals", R"({"id":"act-1","actual":12})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["matched"], json::array({"act-1"}));
  const auto p = json::parse(client_.Get("/v1/predictions/act-1").body);
  EXPECT_DOUBLE_EQ(p["actual"].get<double>(), 12);
}

TEST_F(IngestApiTest, ActualBeforePredictionIsJoinedLater) {
  const auto r = client_.PostJson("/v1/actuals", R"({"actuals":[{"id":"early-1","actual":7}]})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["unmatched"], json::array({"early-1"}));
  const auto p =
      client_.PostJson("/v1/predictions", R"({"id":"early-1","model":"demand","prediction":6})");
  ASSERT_EQ(p.status, 202) << p.body;
  EXPECT_EQ(json::parse(p.body)["actuals_joined"], 1);
  const auto got = json::parse(client_.Get("/v1/predictions/early-1").body);
  EXPECT_DOUBLE_EQ(got["actual"].get<double>(), 7);
}

TEST_F(IngestApiTest, ActualsNdjsonAndErrors) {
  const auto bad = client_.PostJson("/v1/actuals", R"({"id":"x"})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Problem(bad)["errors"][0]["pointer"], "/actual");
  const auto ok = client_.Send("POST", "/v1/actuals", "{\"id\":\"nd-a\",\"actual\":1}\n",
                               "application/x-ndjson");
  EXPECT_EQ(ok.status, 202) << ok.body;
}

TEST_F(IngestApiTest, UnknownRouteIs404AndWrongMethodIs405) {
  EXPECT_EQ(client_.Get("/v1/nope").status, 404);
  EXPECT_EQ(client_.Get("/v1/predictions").status, 405);
}

}  // namespace
}  // namespace mw::testing
