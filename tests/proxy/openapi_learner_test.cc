// OpenApiLearner against a loopback server that plays the upstream's /openapi.json.
#include "proxy/route/openapi_learner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/test_util.h"
#include "testing/loopback_server.h"

namespace mw::proxy {
namespace {

using testing_util = mw::testing::LoopbackServer;

std::string Doc(const std::string& paths) {
  return R"({"openapi":"3.0.2","info":{"title":"t","version":"1"},"paths":{)" + paths + "}}";
}

struct Recorder {
  std::mutex mu;
  std::vector<std::vector<RouteSpec>> calls;
  OpenApiLearner::OnRoutes Callback() {
    return [this](std::vector<RouteSpec> routes) {
      std::lock_guard lock(mu);
      calls.push_back(std::move(routes));
    };
  }
};

TEST(OpenApiLearnerTest, HandsTheRoutesOnlyWhenTheyChange) {
  std::atomic<int> version = 1;
  testing_util upstream([&](const testing_util::Received&) {
    testing_util::Reply r;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = version == 1 ? Doc(R"("/predict/{restaurant_id}":{"post":{}},"/health":{"get":{}})")
                          : Doc(R"("/predict/batch":{"post":{}})");
    return r;
  });
  Recorder rec;
  OpenApiLearner learner({upstream.url() + "/openapi.json"}, rec.Callback(), nullptr);
  EXPECT_TRUE(learner.FetchOnce());
  EXPECT_TRUE(learner.FetchOnce());  // same document: no second call
  version = 2;
  EXPECT_TRUE(learner.FetchOnce());
  ASSERT_EQ(rec.calls.size(), 2u);
  ASSERT_EQ(rec.calls[0].size(), 2u);
  EXPECT_EQ(rec.calls[0][0].path, "/predict/{restaurant_id}");
  EXPECT_EQ(rec.calls[0][0].methods, std::vector<std::string>{"POST"});
  EXPECT_EQ(rec.calls[0][1].path, "/health");
  ASSERT_EQ(rec.calls[1].size(), 1u);
  EXPECT_EQ(rec.calls[1][0].path, "/predict/batch");
  EXPECT_EQ(upstream.requests()[0].target, "/openapi.json");
}

TEST(OpenApiLearnerTest, FailuresKeepTheLastRoutesAndAreCountedByResult) {
  std::atomic<int> mode = 0;
  testing_util upstream([&](const testing_util::Received&) {
    testing_util::Reply r;
    if (mode == 0) r.body = Doc(R"("/a":{"get":{}})");
    if (mode == 1) r.status = 404;
    if (mode == 2) r.body = "not json";
    return r;
  });
  telemetry::MetricsOptions mo;
  mo.prefix = "ml";
  mo.system_metrics = false;
  telemetry::Metrics metrics(mo);
  Recorder rec;
  OpenApiLearner learner({upstream.url() + "/openapi.json"}, rec.Callback(), &metrics);
  EXPECT_TRUE(learner.FetchOnce());
  mode = 1;
  EXPECT_FALSE(learner.FetchOnce());
  mode = 2;
  EXPECT_FALSE(learner.FetchOnce());
  EXPECT_EQ(rec.calls.size(), 1u);
  const std::string text = metrics.Serialize();
  using telemetry_test::Sample;
  EXPECT_EQ(Sample(text, R"(modelwatch_proxy_openapi_fetches_total{result="ok"})"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_proxy_openapi_fetches_total{result="http_error"})"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_proxy_openapi_fetches_total{result="invalid"})"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_proxy_openapi_fetches_total{result="unreachable"})"), 0);
}

TEST(OpenApiLearnerTest, AnUpstreamNotReadyYetIsRetriedSoonNotAtTheRefreshInterval) {
  std::atomic<bool> ready = false;
  testing_util upstream([&](const testing_util::Received&) {
    testing_util::Reply r;
    if (!ready) r.status = 503;
    r.body = Doc(R"("/predict/{id}":{"post":{}})");
    return r;
  });
  Recorder rec;
  OpenApiLearnerOptions o;
  o.url = upstream.url() + "/openapi.json";
  o.refresh_ms = 3600000;
  o.retry_ms = 50;
  OpenApiLearner learner(o, rec.Callback(), nullptr);
  learner.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(rec.calls.empty());
  ready = true;
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(rec.mu);
      if (!rec.calls.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  learner.Stop();
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.calls.size(), 1u);
  EXPECT_EQ(rec.calls[0][0].path, "/predict/{id}");
  EXPECT_GE(upstream.requests().size(), 3u);  // the 503s were retried every retry_ms
}

}  // namespace
}  // namespace mw::proxy
