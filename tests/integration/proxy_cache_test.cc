// The proxy's response cache in front of the real prediction service: hits are answered without
// an upstream call and counted exactly; with Redis as the backend, Redis going away leaves every
// request answered (uncached) and /health saying so, and its return brings the hits back.
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

namespace mw::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kCachedRoute =
    "[{path: \"/predict/{restaurant_id}\", methods: [POST], cache: {ttl: 300s}, capture: {model: "
    "demand_forecast, segment: {path: restaurant_id}, features: {request: /features}, "
    "prediction: {response: /prediction}}}]";

std::vector<std::string> Args(const PredictionService& svc, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--set", "proxy.upstream=" + svc.url(),
                                   "--set", "proxy.listen=127.0.0.1:0",
                                   "--set", std::string("proxy.routes=") + kCachedRoute};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string Body(int i) {
  return R"({"features":{"temp":)" + std::to_string(10 + i) + R"(,"weekday":"tue"}})";
}

// 10 times one body and 5 distinct bodies: 6 misses (6 upstream calls) and 9 hits.
void SendTenSameAndFiveDistinct(HttpClient& client, std::vector<HttpResult>* same) {
  for (int i = 0; i < 10; ++i) same->push_back(client.PostJson("/predict/4", Body(0)));
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(client.PostJson("/predict/4", Body(i)).status, 200);
}

TEST(ProxyCacheTest, HitsAreServedWithoutTheUpstreamAndTheRatioIsExact) {
  PredictionService svc;
  ASSERT_TRUE(svc.Start()) << svc.output();
  ModelwatchProcess mw(ServerOptions{Args(svc), {}, ""});
  ASSERT_TRUE(mw.Start()) << mw.output();
  HttpClient client = mw.ProxyClient();
  std::vector<HttpResult> same;
  SendTenSameAndFiveDistinct(client, &same);
  EXPECT_EQ(svc.calls("POST /predict/{restaurant_id}"), 6);
  const std::string m = mw.Client().Get("/metrics").body;
  EXPECT_EQ(ScrapedValue(m, R"(ml_cache_hits_total{cache_type="response"})"), 9);
  EXPECT_EQ(ScrapedValue(m, R"(ml_cache_misses_total{cache_type="response"})"), 6);
  ASSERT_EQ(same.size(), 10u);
  EXPECT_EQ(same[0].headers["x-modelwatch-cache"], "miss");
  std::set<std::string> ids;
  for (size_t i = 0; i < same.size(); ++i) {
    ASSERT_EQ(same[i].status, 200);
    EXPECT_EQ(same[i].body, same[0].body) << i;
    if (i > 0) {
      EXPECT_EQ(same[i].headers["x-modelwatch-cache"], "hit") << i;
    }
    ids.insert(same[i].headers["x-request-id"]);
  }
  EXPECT_EQ(ids.size(), 10u);  // every answer carries its own request id

  // A hit is captured as a prediction of its own, without latency_ms.
  HttpClient api = mw.Client();
  json hit;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto r = api.Get("/v1/predictions/" + same[5].headers["x-request-id"]);
        if (r.status == 200) hit = json::parse(r.body);
        return r.status == 200;
      },
      std::chrono::seconds(5)));
  EXPECT_TRUE(hit["latency_ms"].is_null());
  EXPECT_EQ(hit["prediction"], json::parse(same[0].body)["prediction"]);

  // A 500 is never cached.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(
        client.Send("POST", "/predict/4", Body(9), "application/json", {{"X-Test-Status", "500"}})
            .status,
        500);
  }
  EXPECT_EQ(svc.calls("POST /predict/{restaurant_id}"), 8);
}

TEST(ProxyCacheTest, RedisDownMeansUncachedAnswersNeverErrorsAndHitsResumeWhenItIsBack) {
  PredictionService svc;
  ASSERT_TRUE(svc.Start()) << svc.output();
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.output();
  ModelwatchProcess mw(ServerOptions{Args(svc, {"--set", "proxy.cache.backend=redis", "--set",
                                                "proxy.cache.redis_url=" + redis.url(), "--set",
                                                "proxy.cache.redis_retry_interval=200ms"}),
                                     {},
                                     ""});
  ASSERT_TRUE(mw.Start()) << mw.output();
  HttpClient client = mw.ProxyClient();
  HttpClient api = mw.Client();
  std::vector<HttpResult> same;
  SendTenSameAndFiveDistinct(client, &same);
  EXPECT_EQ(svc.calls("POST /predict/{restaurant_id}"), 6);
  std::string m = api.Get("/metrics").body;
  EXPECT_EQ(ScrapedValue(m, R"(ml_cache_hits_total{cache_type="response"})"), 9);
  EXPECT_EQ(ScrapedValue(m, R"(ml_cache_misses_total{cache_type="response"})"), 6);
  json health = json::parse(api.Get("/health").body);
  EXPECT_EQ(health["redis_connected"], true);

  redis.Kill();
  for (int i = 0; i < 20; ++i) {
    const auto r = client.PostJson("/predict/4", Body(0));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(svc.calls("POST /predict/{restaurant_id}"), 26);  // every one reached the upstream
  m = api.Get("/metrics").body;
  EXPECT_GE(ScrapedValue(m, R"(modelwatch_proxy_cache_bypassed_total{reason="redis_down"})"), 1);
  health = json::parse(api.Get("/health").body);
  EXPECT_EQ(health["redis_connected"], false);
  EXPECT_EQ(health["checks"]["redis"], "down");
  EXPECT_EQ(health["status"], "degraded");

  ASSERT_TRUE(redis.Restart()) << redis.output();  // empty: nothing was saved
  ASSERT_TRUE(WaitUntil(
      [&] {
        client.PostJson("/predict/4", Body(0));
        return client.PostJson("/predict/4", Body(0)).headers["x-modelwatch-cache"] == "hit";
      },
      std::chrono::seconds(5)));
  health = json::parse(api.Get("/health").body);
  EXPECT_EQ(health["redis_connected"], true);
}

}  // namespace
}  // namespace mw::testing
