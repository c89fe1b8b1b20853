// The sidecar proxy in front of the real FastAPI + scikit-learn prediction service
// (tests/integration/upstream/prediction_service.py): what the watched API's metrics count, what
// is captured and joined to its actual, sampling and opting out, client disconnects, and the
// upstream going down and coming back.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"
#include "integration/raw_connection.h"
#include "proxy/capture/sample.h"

namespace mw::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The routes of the service with capture on its predict routes (flow YAML for --set).
constexpr const char* kCaptureRoutes =
    "[{path: \"/predict/{restaurant_id}\", methods: [POST], capture: {model: demand_forecast, "
    "segment: {path: restaurant_id}, version: {response: /model_version}, features: {request: "
    "/features}, prediction: {response: /prediction}}},"
    " {path: /predict/batch, methods: [POST], capture: {model: demand_forecast, segment: "
    "{request: /restaurant_id}, features: {request: /instances/*}, prediction: {response: "
    "/predictions/*}}},"
    " {path: \"/v1/models/{model}:predict\", capture: {model: {path: model}, feature_names: [age, "
    "bmi, glucose]}},"
    " {path: \"/v2/models/{model}/infer\", capture: {model: {path: model}, output: probability}}]";

std::vector<std::string> ProxyArgs(const PredictionService& svc, const std::string& routes,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--set", "proxy.upstream=" + svc.url(), "--set", "proxy.listen=127.0.0.1:0",
      "--set", "proxy.routes=" + routes,      "--set", "proxy.health_interval=1s",
      "--set", "proxy.health_timeout=500ms"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class ProxyTest : public ::testing::Test {
 protected:
  void Start(const std::string& routes, std::vector<std::string> extra = {}) {
    ASSERT_TRUE(svc_.Start()) << svc_.output();
    mw_ =
        std::make_unique<ModelwatchProcess>(ServerOptions{ProxyArgs(svc_, routes, extra), {}, ""});
    ASSERT_TRUE(mw_->Start()) << mw_->output();
    ASSERT_NE(mw_->proxy_port(), 0) << mw_->output();
  }
  std::string Metrics() { return mw_->Client().Get("/metrics").body; }
  // The stored prediction of `id`, waiting for the capture queue (up to 5 s); null when none.
  json StoredPrediction(const std::string& id, milliseconds limit = milliseconds(5000)) {
    HttpClient api = mw_->Client();
    json found;
    WaitUntil(
        [&] {
          auto r = api.Get("/v1/predictions/" + id);
          if (r.status != 200) return false;
          found = json::parse(r.body);
          return true;
        },
        limit);
    return found;
  }

  PredictionService svc_;
  std::unique_ptr<ModelwatchProcess> mw_;
};

TEST_F(ProxyTest, RequestCountsByEndpointTemplateAndStatusEqualWhatTheClientSent) {
  Start(kCaptureRoutes);
  HttpClient client = mw_->ProxyClient();
  const std::string body = R"({"features":{"temp":21.5,"weekday":"fri","promo":true,"lag_7":40}})";
  for (int i = 0; i < 7; ++i) EXPECT_EQ(client.PostJson("/predict/3", body).status, 200);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(
        client.Send("POST", "/predict/3", body, "application/json", {{"X-Test-Status", "500"}})
            .status,
        500);
  }
  const std::string batch = R"({"restaurant_id":"3","instances":[{"temp":20},{"temp":25}]})";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.PostJson("/predict/batch", batch).status, 200);
  EXPECT_EQ(client.Get("/nope").status, 404);

  // The proxy records a request once its answer is written: the client may read it first.
  ASSERT_TRUE(WaitUntil([&] { return ScrapedValue(Metrics(), "ml_api_requests_in_flight") == 0; }));
  const std::string m = Metrics();
  EXPECT_EQ(
      ScrapedValue(
          m,
          R"(ml_api_requests_total{endpoint="/predict/{restaurant_id}",method="POST",status="200"})"),
      7);
  EXPECT_EQ(
      ScrapedValue(
          m,
          R"(ml_api_requests_total{endpoint="/predict/{restaurant_id}",method="POST",status="500"})"),
      2);
  EXPECT_EQ(
      ScrapedValue(
          m, R"(ml_api_requests_total{endpoint="/predict/batch",method="POST",status="200"})"),
      3);
  EXPECT_EQ(
      ScrapedValue(m, R"(ml_api_requests_total{endpoint="unmatched",method="GET",status="404"})"),
      1);
  EXPECT_EQ(
      ScrapedValue(
          m,
          R"(ml_api_errors_total{endpoint="/predict/{restaurant_id}",method="POST",status="500"})"),
      2);
  EXPECT_EQ(
      ScrapedValue(m, R"(ml_api_errors_total{endpoint="unmatched",method="GET",status="404"})"), 1);
  EXPECT_EQ(ScrapedValue(m, "ml_api_requests_in_flight"), 0);
  // The upstream counted exactly what went through.
  EXPECT_EQ(svc_.calls("POST /predict/{restaurant_id}"), 9);
  EXPECT_EQ(svc_.calls("POST /predict/batch"), 3);
  EXPECT_EQ(svc_.calls("GET unmatched"), 1);
}

TEST_F(ProxyTest, LatencyBucketsMatchTheUpstreamsKnownDelays) {
  Start("[]");  // /sleep/{ms} comes from the service's OpenAPI document
  HttpClient client = mw_->ProxyClient();
  ASSERT_TRUE(WaitUntil([&] {
    return ScrapedValue(Metrics(), R"(modelwatch_proxy_openapi_fetches_total{result="ok"})") >= 1;
  }));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.Get("/sleep/100").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Get("/sleep/600").status, 200);
  const std::string m = Metrics();
  const std::string h =
      R"(ml_api_request_duration_seconds_bucket{endpoint="/sleep/{ms}",method="GET",le=")";
  EXPECT_EQ(ScrapedValue(m, h + "0.075\"}"), 0);
  EXPECT_EQ(ScrapedValue(m, h + "0.25\"}"), 5);
  EXPECT_EQ(ScrapedValue(m, h + "0.5\"}"), 5);
  EXPECT_EQ(ScrapedValue(m, h + "0.75\"}"), 8);
  EXPECT_EQ(ScrapedValue(
                m, R"(ml_api_request_duration_seconds_count{endpoint="/sleep/{ms}",method="GET"})"),
            8);
  const double sum = ScrapedValue(
      m, R"(ml_api_request_duration_seconds_sum{endpoint="/sleep/{ms}",method="GET"})");
  EXPECT_GE(sum, 2.3);
  EXPECT_LE(sum, 3.5);
}

TEST_F(ProxyTest, EveryCapturedEventEqualsTheExchangeAndItsActualJoinsByRequestId) {
  Start(kCaptureRoutes);
  HttpClient client = mw_->ProxyClient();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const json features = {
        {"temp", 15.0 + i}, {"weekday", "sat"}, {"promo", i % 2 == 0}, {"lag_7", 30 + i}};
    const auto r =
        client.PostJson("/predict/" + std::to_string(10 + i), json{{"features", features}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string id = r.headers.at("x-request-id");
    const json answer = json::parse(r.body);
    const json stored = StoredPrediction(id);
    ASSERT_FALSE(stored.is_null()) << "no captured prediction for " << id << "\n" << mw_->output();
    EXPECT_EQ(stored["model"], "demand_forecast");
    EXPECT_EQ(stored["segment"], std::to_string(10 + i));
    EXPECT_EQ(stored["version"], "v1");
    EXPECT_EQ(stored["features"], features);
    EXPECT_DOUBLE_EQ(stored["prediction"].get<double>(), answer["prediction"].get<double>());
    ASSERT_TRUE(stored["latency_ms"].is_number());
    EXPECT_GE(stored["latency_ms"].get<double>(), 0);
    ids.push_back(id);
  }
  // A client-chosen request id is kept and is the event's id.
  auto r = client.Send("POST", "/predict/7", R"({"features":{"temp":1}})", "application/json",
                       {{"X-Request-Id", "order-4711"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("x-request-id"), "order-4711");
  EXPECT_FALSE(StoredPrediction("order-4711").is_null());

  // A 500 is counted, never captured.
  r = client.Send("POST", "/predict/3", R"({"features":{}})", "application/json",
                  {{"X-Test-Status", "500"}});
  ASSERT_EQ(r.status, 500);
  const std::string failed_id = r.headers.at("x-request-id");

  // Batch rows: one event each, id <request id>-<row>.
  r = client.PostJson("/predict/batch",
                      R"({"restaurant_id":"9","instances":[{"temp":20},{"temp":25},{"temp":30}]})");
  ASSERT_EQ(r.status, 200);
  const json predictions = json::parse(r.body)["predictions"];
  for (int row = 0; row < 3; ++row) {
    const json stored = StoredPrediction(r.headers.at("x-request-id") + "-" + std::to_string(row));
    ASSERT_FALSE(stored.is_null());
    EXPECT_EQ(stored["segment"], "9");
    EXPECT_DOUBLE_EQ(stored["features"]["temp"].get<double>(), 20 + 5 * row);
    EXPECT_DOUBLE_EQ(stored["prediction"].get<double>(), predictions[row].get<double>());
  }
  EXPECT_EQ(mw_->Client().Get("/v1/predictions/" + failed_id).status, 404);

  // The actual, posted later by the request id, joins the captured prediction.
  HttpClient api = mw_->Client();
  r = api.PostJson("/v1/actuals", json{{"id", ids[0]}, {"actual", 45}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["matched_count"], 1);
  EXPECT_DOUBLE_EQ(StoredPrediction(ids[0])["actual"].get<double>(), 45);

  // Prediction latency: one observation per stored event that carried one (5 + 1 + 3).
  const std::string m = Metrics();
  EXPECT_EQ(ScrapedValue(m, R"(ml_predictions_total{model_type="demand_forecast",segment="10"})"),
            1);
  double count = 0;
  for (int s : {10, 11, 12, 13, 14, 7, 9}) {
    const double c = ScrapedValue(
        m, R"(ml_prediction_duration_seconds_count{model_type="demand_forecast",segment=")" +
               std::to_string(s) + "\"}");
    if (!std::isnan(c)) count += c;
  }
  EXPECT_EQ(count, 9);
}

TEST_F(ProxyTest, KServeV1AndOpenInferenceV2BodiesAreCapturedPerRow) {
  Start(kCaptureRoutes);
  HttpClient client = mw_->ProxyClient();
  auto r = client.PostJson("/v1/models/risk:predict", R"({"instances":[[50,27,100],[70,31,140]]})");
  ASSERT_EQ(r.status, 200) << r.body;
  json answer = json::parse(r.body);
  for (int row = 0; row < 2; ++row) {
    const json stored = StoredPrediction(r.headers.at("x-request-id") + "-" + std::to_string(row));
    ASSERT_FALSE(stored.is_null()) << mw_->output();
    EXPECT_EQ(stored["model"], "risk");
    EXPECT_DOUBLE_EQ(stored["features"]["bmi"].get<double>(), row == 0 ? 27 : 31);
    EXPECT_DOUBLE_EQ(stored["prediction"].get<double>(), answer["predictions"][row].get<double>());
  }
  r = client.PostJson(
      "/v2/models/risk/infer",
      R"({"id":"v2-req","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[50,27,100,70,31,140]}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  answer = json::parse(r.body);
  json probability;
  for (const auto& o : answer["outputs"]) {
    if (o["name"] == "probability") probability = o["data"];
  }
  ASSERT_EQ(probability.size(), 2u) << r.body;
  for (int row = 0; row < 2; ++row) {
    const json stored = StoredPrediction("v2-req-" + std::to_string(row));
    ASSERT_FALSE(stored.is_null()) << r.body << "\n" << Metrics();
    EXPECT_DOUBLE_EQ(stored["features"]["x_1"].get<double>(), row == 0 ? 27 : 31);
    EXPECT_NEAR(stored["prediction"].get<double>(), probability[row].get<double>(), 1e-6);
  }
}

TEST_F(ProxyTest, SamplingKeepsExactlyTheIdsWhoseHashIsBelowTheRateAndTheHeaderOptsOut) {
  Start(
      "[{path: \"/predict/{restaurant_id}\", capture: {model: demand_forecast, segment: {path: "
      "restaurant_id}, features: {request: /features}, prediction: {response: /prediction}, "
      "sample: 0.5}}]");
  HttpClient client = mw_->ProxyClient();
  std::vector<std::string> kept, left;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "s-" + std::to_string(i);
    const auto r = client.Send("POST", "/predict/1", R"({"features":{"temp":3}})",
                               "application/json", {{"X-Request-Id", id}});
    ASSERT_EQ(r.status, 200);
    (proxy::Sampled(id, 0.5) ? kept : left).push_back(id);
  }
  ASSERT_GT(kept.size(), 60u);
  ASSERT_GT(left.size(), 60u);
  for (const auto& id : kept) EXPECT_FALSE(StoredPrediction(id).is_null()) << id;
  HttpClient api = mw_->Client();
  for (const auto& id : left) EXPECT_EQ(api.Get("/v1/predictions/" + id).status, 404) << id;
  EXPECT_EQ(
      ScrapedValue(Metrics(), R"(modelwatch_proxy_capture_events_total{result="sampled_out"})"),
      static_cast<double>(left.size()));

  // Opted out: not captured, and the header never reaches the upstream.
  ASSERT_TRUE(svc_.Reset());
  const auto r =
      client.Send("POST", "/predict/1", R"({"features":{"temp":3}})", "application/json",
                  {{"X-Request-Id", kept[0] + "-again"}, {"X-Modelwatch-Capture", "off"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ScrapedValue(Metrics(), R"(modelwatch_proxy_capture_events_total{result="opted_out"})"),
            1);
  const json seen = json::parse(svc_.Client().Get("/_test/requests").body);
  ASSERT_FALSE(seen.empty());
  for (const auto& req : seen) {
    for (const auto& h : req["headers"]) EXPECT_NE(h[0], "x-modelwatch-capture");
  }
}

TEST_F(ProxyTest, AGracefulStopDrainsTheCaptureQueueIntoTheStore) {
  // Batches wait up to a minute for more events, so at SIGTERM every capture is still queued.
  Start(kCaptureRoutes, {"--set", "proxy.capture_flush_interval=1m"});
  HttpClient client = mw_->ProxyClient();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const auto r =
        client.PostJson("/predict/8", R"({"features":{"temp":)" + std::to_string(i) + "}}");
    ASSERT_EQ(r.status, 200);
    ids.push_back(r.headers.at("x-request-id"));
  }
  ASSERT_EQ(mw_->Client().Get("/v1/predictions/" + ids[0]).status, 404);  // still queued
  const std::string data_dir = mw_->data_dir();
  EXPECT_EQ(mw_->Terminate(), 0) << mw_->output();
  // The same data directory, without the proxy: every capture was stored before the store closed.
  ModelwatchProcess after(ServerOptions{{}, {}, data_dir});
  ASSERT_TRUE(after.Start()) << after.output();
  HttpClient api = after.Client();
  for (const auto& id : ids) EXPECT_EQ(api.Get("/v1/predictions/" + id).status, 200) << id;
}

TEST_F(ProxyTest, AClientThatLeavesCancelsTheUpstreamCall) {
  Start("[{path: \"/sleep/{ms}\"}]");
  {
    RawConnection raw(mw_->proxy_port());
    raw.Write("GET /sleep/3000 HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(milliseconds(300));
    raw.Close();
  }
  EXPECT_TRUE(WaitUntil([&] { return svc_.cancelled() == 1; }, milliseconds(3000)))
      << "cancelled=" << svc_.cancelled();
  EXPECT_TRUE(WaitUntil([&] {
    const std::string m = Metrics();
    return ScrapedValue(m, "modelwatch_proxy_client_disconnects_total") == 1 &&
           ScrapedValue(
               m, R"(ml_api_requests_total{endpoint="/sleep/{ms}",method="GET",status="499"})") ==
               1;
  })) << Metrics();
  EXPECT_EQ(ScrapedValue(Metrics(), "ml_api_requests_in_flight"), 0);
}

// The shipped ServiceDown rule (config/rules/default.yml), evaluated every second without its
// `for: 1m`, so the test sees it fire and resolve in seconds.
constexpr const char* kServiceDownRules = R"(groups:
  - name: service_api
    interval: 1s
    rules:
      - alert: ServiceDown
        expr: service_up == 0
        labels:
          severity: critical
        annotations:
          summary: The prediction service is down
          description: The prediction service behind modelwatch's proxy does not answer.
          runbook: Check the service's process.
)";

// The alerts named `name` in GET /v1/alerts, in the given state.
size_t AlertsInState(HttpClient& api, const std::string& name, const std::string& state) {
  const auto r = api.Get("/v1/alerts");
  if (r.status != 200) return 0;
  size_t n = 0;
  const json body = json::parse(r.body);  // named: a temporary's member would dangle in the loop
  for (const auto& a : body["alerts"]) {
    if (a["alertname"] == name && a["state"] == state) ++n;
  }
  return n;
}

TEST_F(ProxyTest, TheUpstreamDownGives502AndServiceUp0ThenRecovers) {
  TempDir rules;
  Start("[{path: \"/sleep/{ms}\"}]",
        // Nothing resolves before the quality evaluator's first pass (docs/alerting.md): 1 s.
        {"--set", "proxy.response_timeout=1s", "--set", "quality.evaluation_interval_seconds=1",
         "--set", "alerting.rules_file=" + rules.Write("rules.yml", kServiceDownRules)});
  HttpClient client = mw_->ProxyClient();
  HttpClient api = mw_->Client();
  ASSERT_TRUE(WaitUntil([&] { return ScrapedValue(Metrics(), "ml_service_up") == 1; }));

  // Slow: 504 once the response timeout passes.
  auto t0 = Clock::now();
  auto r = client.Get("/sleep/3000");
  auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_GE(took, 950);
  EXPECT_LE(took, 1800);
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");

  svc_.Kill();
  t0 = Clock::now();
  r = client.Get("/sleep/1");
  took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_LT(took, 1000);
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  EXPECT_NE(json::parse(r.body)["detail"].get<std::string>().find(svc_.url()), std::string::npos)
      << r.body;
  EXPECT_TRUE(
      WaitUntil([&] { return ScrapedValue(Metrics(), "ml_service_up") == 0; }, milliseconds(4000)));
  EXPECT_TRUE(WaitUntil([&] { return AlertsInState(api, "ServiceDown", "firing") == 1; },
                        milliseconds(5000)))
      << api.Get("/v1/alerts").body;
  json health = json::parse(api.Get("/health").body);
  EXPECT_EQ(health["status"], "degraded");
  EXPECT_EQ(health["upstream"]["up"], false);
  EXPECT_EQ(health["checks"]["upstream"], "down");

  ASSERT_TRUE(svc_.Restart()) << svc_.output();
  EXPECT_TRUE(
      WaitUntil([&] { return ScrapedValue(Metrics(), "ml_service_up") == 1; }, milliseconds(4000)));
  EXPECT_TRUE(WaitUntil([&] { return AlertsInState(api, "ServiceDown", "firing") == 0; },
                        milliseconds(5000)))
      << api.Get("/v1/alerts").body;
  EXPECT_EQ(client.Get("/sleep/1").status, 200);
  health = json::parse(api.Get("/health").body);
  EXPECT_EQ(health["upstream"]["up"], true);
  EXPECT_EQ(health["model_loaded"], true);

  // What the upstream's health says becomes gauges.
  ASSERT_EQ(svc_.Client().PostJson("/_test/state", R"({"database_connected":false})").status, 200);
  EXPECT_TRUE(WaitUntil([&] { return ScrapedValue(Metrics(), "ml_database_connected") == 0; },
                        milliseconds(4000)));
}

}  // namespace
}  // namespace mw::testing
