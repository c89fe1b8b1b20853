// The FastAPI prediction service the proxy tests run behind modelwatch
// (tests/integration/upstream/prediction_service.py), checked on its own through the harness: its
// predictions are scikit-learn's for the seed, its /_test/* controls count and record what it was
// sent, /sleep notices a client that went away, and it restarts on the same port. The proxy tests
// rely on each of these, so each must hold before one of them can be trusted.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kUpstreamFeatures = R"({"temp":21.5,"weekday":"mon","promo":true,"lag_7":40})";

// What scikit-learn answers for `call` (Python source using `m`, the script's Models(seed)) in
// a fresh interpreter: the oracle the service's answers are compared with.
json UpstreamOracle(int seed, const std::string& call) {
  const std::string dir = SourceDir() + "/tests/integration/upstream";
  const CommandResult r =
      RunCommand({"/usr/bin/python3", "-c",
                  "import json, sys; sys.path.insert(0, '" + dir +
                      "'); import prediction_service as p; m = p.Models(" + std::to_string(seed) +
                      "); print(json.dumps(" + call + "))"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return json::parse(r.output, nullptr, false);
}

json ParsedBody(const HttpResult& r) { return json::parse(r.body, nullptr, false); }

// Sends raw request bytes on a connection of its own and closes it after `hold`, without reading.
void SendAndHangUp(uint16_t port, const std::string& bytes, std::chrono::milliseconds hold) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::this_thread::sleep_for(hold);
  socket.close();
}

// Sends raw request bytes and reads until the server closes (the request says Connection: close).
std::string SendRawAndRead(uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(bytes));
  std::string answer;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
  return answer;
}

class PredictionServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new PredictionService(7);
    ASSERT_TRUE(service_->Start()) << service_->output();
  }
  static void TearDownTestSuite() {
    delete service_;
    service_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(service_, nullptr);
    ASSERT_TRUE(service_->Reset()) << service_->output();
  }
  static PredictionService* service_;
};
PredictionService* PredictionServiceTest::service_ = nullptr;

TEST_F(PredictionServiceTest, PredictAnswersScikitLearnsRidgeForTheSeed) {
  HttpClient client = service_->Client();
  const HttpResult r =
      client.PostJson("/predict/17", std::string(R"({"features":)") + kUpstreamFeatures + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = ParsedBody(r);
  EXPECT_EQ(body["restaurant_id"], 17);
  EXPECT_EQ(body["model"], "demand_forecast");
  EXPECT_EQ(body["model_version"], "v1");
  const json expected = UpstreamOracle(
      7, std::string("m.predict_demand([") + "json.loads('" + kUpstreamFeatures + "')])");
  ASSERT_TRUE(expected.is_array()) << expected;
  EXPECT_EQ(body["prediction"].get<double>(), expected[0].get<double>());
  // Another seed trains another model: the value depends on the seed, not on a constant.
  const json other =
      UpstreamOracle(8, std::string("m.predict_demand([json.loads('") + kUpstreamFeatures + "')])");
  EXPECT_NE(other[0].get<double>(), expected[0].get<double>());
}

TEST_F(PredictionServiceTest, BatchAnswersOnePredictionPerInstance) {
  const std::string instances =
      R"([{"temp":10,"weekday":"sat"},{"temp":25.5,"promo":true},{"lag_7":70}])";
  const HttpResult r = service_->Client().PostJson(
      "/predict/batch", R"({"restaurant_id":4,"instances":)" + instances + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  const json expected = UpstreamOracle(7, "m.predict_demand(json.loads('" + instances + "'))");
  EXPECT_EQ(ParsedBody(r), json({{"predictions", expected}}));
  EXPECT_EQ(expected.size(), 3u);
}

TEST_F(PredictionServiceTest, RiskModelAnswersInV1AndOpenInferenceV2) {
  HttpClient client = service_->Client();
  const HttpResult v1 = client.PostJson(
      "/v1/models/risk:predict", R"({"instances":[[60,30,120],{"age":30,"bmi":22,"glucose":90}]})");
  ASSERT_EQ(v1.status, 200) << v1.body;
  const json expected =
      UpstreamOracle(7, "m.predict_risk(m.risk_rows([[60, 30, 120], [30, 22, 90]]))[1]");
  EXPECT_EQ(ParsedBody(v1), json({{"predictions", expected}}));
  for (const char* data : {"[60,30,120,30,22,90]", "[[60,30,120],[30,22,90]]"}) {
    const HttpResult v2 = client.PostJson(
        "/v2/models/risk/infer",
        std::string(R"({"id":"r1","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":)") +
            data + "}]}");
    ASSERT_EQ(v2.status, 200) << v2.body;
    const json body = ParsedBody(v2);
    EXPECT_EQ(body["id"], "r1");
    EXPECT_EQ(body["model_name"], "risk");
    ASSERT_EQ(body["outputs"].size(), 2u) << body;
    EXPECT_EQ(body["outputs"][0]["name"], "label");
    EXPECT_EQ(body["outputs"][0]["shape"], json({2}));
    EXPECT_EQ(body["outputs"][1]["name"], "probability");
    EXPECT_EQ(body["outputs"][1]["data"], expected) << data;
    EXPECT_EQ(body["outputs"][0]["data"], json({expected[0].get<double>() >= 0.5 ? 1 : 0,
                                                expected[1].get<double>() >= 0.5 ? 1 : 0}));
  }
  EXPECT_EQ(client.PostJson("/v2/models/risk/infer", R"({"inputs":[]})").status, 400);
}

TEST_F(PredictionServiceTest, CallsAreCountedPerRouteTemplate) {
  HttpClient client = service_->Client();
  const std::string predict = std::string(R"({"features":)") + kUpstreamFeatures + "}";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(client.PostJson("/predict/" + std::to_string(i), predict).status, 200);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(client.PostJson("/predict/batch", R"({"restaurant_id":1,"instances":[{}]})").status,
              200);
  }
  EXPECT_EQ(client.Get("/nope").status, 404);
  EXPECT_EQ(client.Get("/health").status, 200);
  EXPECT_EQ(client.Send("GET", "/predict/3").status, 405);
  EXPECT_EQ(client.Get("/_test/requests").status, 200);  // the controls are not counted
  EXPECT_EQ(service_->calls(), (std::map<std::string, int64_t>{{"POST /predict/{restaurant_id}", 3},
                                                               {"POST /predict/batch", 2},
                                                               {"GET unmatched", 2},
                                                               {"GET /health", 1}}));
  EXPECT_EQ(service_->calls("POST /predict/batch"), 2);
  EXPECT_EQ(service_->cancelled(), 0);
  ASSERT_TRUE(service_->Reset());
  EXPECT_TRUE(service_->calls().empty());
}

TEST_F(PredictionServiceTest, TestHeadersForceAStatusAndADelay) {
  HttpClient client = service_->Client();
  const std::string predict = std::string(R"({"features":)") + kUpstreamFeatures + "}";
  const HttpResult failed =
      client.Send("POST", "/predict/3", predict, "application/json", {{"X-Test-Status", "500"}});
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(ParsedBody(failed)["detail"], "status requested by X-Test-Status");
  EXPECT_EQ(client
                .Send("POST", "/predict/batch", R"({"instances":[]})", "application/json",
                      {{"X-Test-Status", "503"}})
                .status,
            503);
  const auto start = Clock::now();
  EXPECT_EQ(
      client.Send("POST", "/predict/3", predict, "application/json", {{"X-Test-Delay-Ms", "300"}})
          .status,
      200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(service_->calls("POST /predict/{restaurant_id}"), 2);
}

TEST_F(PredictionServiceTest, SleepCountsAClientThatHangsUpAsCancelled) {
  HttpClient client = service_->Client();
  const auto start = Clock::now();
  const HttpResult slept = client.Get("/sleep/150");
  EXPECT_EQ(slept.status, 200);
  EXPECT_EQ(ParsedBody(slept)["slept_ms"], 150);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
  SendAndHangUp(service_->port(), "GET /sleep/5000 HTTP/1.1\r\nHost: t\r\n\r\n",
                std::chrono::milliseconds(200));
  const auto hung_up = Clock::now();
  while (service_->cancelled() != 1 && Clock::now() - hung_up < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(service_->cancelled(), 1) << service_->output();
  EXPECT_LT(Clock::now() - hung_up, std::chrono::seconds(3));  // noticed, not slept out
  EXPECT_EQ(service_->calls("GET /sleep/{ms}"), 2);
}

TEST_F(PredictionServiceTest, HealthHasTheSeedShapesAndTestStateChangesThem) {
  HttpClient client = service_->Client();
  json health = ParsedBody(client.Get("/health"));
  EXPECT_EQ(health["status"], "healthy");
  EXPECT_TRUE(health["timestamp"].is_string());
  EXPECT_EQ(health["database_connected"], true);
  EXPECT_EQ(health["redis_connected"], true);
  EXPECT_EQ(health["model_loaded"], true);
  const json db = ParsedBody(client.Get("/health/db"));
  EXPECT_EQ(db["database_status"], "healthy");
  EXPECT_EQ(db["connection_pool"], json({{"total", 10}, {"active", 2}, {"idle", 8}}));
  EXPECT_EQ(db["table_stats"]["predictions"], 5000);

  ASSERT_EQ(client
                .PostJson("/_test/state", R"({"status":"unhealthy","database_connected":false,
      "model_loaded":null,"health_http_status":503,"connection_pool":{"total":5,"active":5,"idle":0},
      "table_stats":{"orders":1}})")
                .status,
            200);
  const HttpResult unhealthy = client.Get("/health");
  EXPECT_EQ(unhealthy.status, 503);
  health = ParsedBody(unhealthy);
  EXPECT_EQ(health["status"], "unhealthy");
  EXPECT_EQ(health["database_connected"], false);
  EXPECT_FALSE(health.contains("model_loaded"));  // null removes the field
  EXPECT_EQ(ParsedBody(client.Get("/health/db")),
            json({{"database_status", "healthy"},
                  {"connection_pool", {{"total", 5}, {"active", 5}, {"idle", 0}}},
                  {"table_stats", {{"orders", 1}}}}));
  EXPECT_EQ(client.PostJson("/_test/state", R"({"no_such_field":1})").status, 422);
  ASSERT_TRUE(service_->Reset());
  EXPECT_EQ(client.Get("/health").status, 200);
  EXPECT_EQ(ParsedBody(client.Get("/health"))["model_loaded"], true);
}

TEST_F(PredictionServiceTest, RequestsKeepTheRawHeadersInOrder) {
  const std::string body = R"({"features":{}})";
  const std::string answer =
      SendRawAndRead(service_->port(),
                     "POST /predict/5?x=1 HTTP/1.1\r\nHost: svc\r\nX-Dup: a\r\nX-DUP: b\r\n"
                     "Content-Type: application/json\r\nConnection: close\r\n"
                     "Content-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  const json recorded = ParsedBody(service_->Client().Get("/_test/requests"));
  ASSERT_EQ(recorded.size(), 1u) << recorded;
  EXPECT_EQ(recorded[0]["method"], "POST");
  EXPECT_EQ(recorded[0]["target"], "/predict/5?x=1");
  EXPECT_EQ(recorded[0]["headers"], json::parse(R"([["host","svc"],["x-dup","a"],["x-dup","b"],
                ["content-type","application/json"],["connection","close"],["content-length","15"]])"));
}

TEST_F(PredictionServiceTest, OpenApiListsTheServiceRoutesOnly) {
  const json openapi = ParsedBody(service_->Client().Get("/openapi.json"));
  std::vector<std::string> paths;
  for (const auto& [path, methods] : openapi["paths"].items()) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/health", "/health/db", "/predict/batch",
                                             "/predict/{restaurant_id}", "/sleep/{ms}",
                                             "/v1/models/risk:predict", "/v2/models/risk/infer"}));
  EXPECT_TRUE(openapi["paths"]["/predict/{restaurant_id}"].contains("post"));
}

TEST(PredictionServiceProcess, KillAndRestartOnTheSamePort) {
  PredictionService service(7);
  ASSERT_TRUE(service.Start()) << service.output();
  const uint16_t port = service.port();
  HttpClient client = service.Client();
  EXPECT_EQ(client.Get("/health").status, 200);
  service.Kill();
  EXPECT_FALSE(service.running());
  const HttpResult refused = client.Get("/health");
  EXPECT_EQ(refused.status, 0);
  EXPECT_FALSE(refused.error.empty());
  ASSERT_TRUE(service.Restart()) << service.output();
  EXPECT_EQ(service.port(), port);
  EXPECT_EQ(client.Get("/health").status, 200);
  // A new process counts from 0: the harness' readiness probe and the request above.
  EXPECT_EQ(service.calls("GET /health"), 2);
  EXPECT_EQ(service.Stop(), 0);  // SIGTERM: uvicorn's clean exit
  EXPECT_FALSE(service.running());
}

TEST(RedisServerProcess, KillAndRestartOnTheSamePortWithNothingKept) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.output();
  const uint16_t port = redis.port();
  EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(redis.Command("SET k hello"), "+OK\r\n");
  EXPECT_EQ(redis.Command("GET k"), "$5\r\nhello\r\n");
  EXPECT_EQ(redis.Command("DBSIZE"), ":1\r\n");
  redis.Kill();
  EXPECT_FALSE(redis.running());
  EXPECT_EQ(redis.Command("PING"), "");
  ASSERT_TRUE(redis.Restart()) << redis.output();
  EXPECT_EQ(redis.port(), port);
  EXPECT_EQ(redis.Command("DBSIZE"), ":0\r\n");  // --save "": nothing survived the kill
  EXPECT_EQ(redis.Stop(), 0);
}

TEST(ModelwatchProcessProxyPort, IsZeroWithoutAProxy) {
  ModelwatchProcess mw;
  ASSERT_TRUE(mw.Start()) << mw.output();
  EXPECT_NE(mw.port(), 0);
  EXPECT_EQ(mw.proxy_port(), 0);
}

}  // namespace
}  // namespace mw::testing
