// proxy.routes as serve checks and builds them (cli/wiring/proxy_routes.h).
#include "cli/wiring/proxy_routes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mw::cli {
namespace {

using Source = config::Config::ProxySource;

config::Config::ProxyRoute Route(std::string path, std::vector<std::string> methods = {}) {
  config::Config::ProxyRoute r;
  r.path = std::move(path);
  r.methods = std::move(methods);
  return r;
}

config::Config::ProxyCapture Capture() {
  config::Config::ProxyCapture c;
  c.model = Source{Source::Kind::kConstant, "demand"};
  return c;
}

std::vector<std::string> Messages(const config::Config::Proxy& p) {
  std::vector<std::string> out;
  for (const auto& e : CheckProxyRoutes(p)) out.push_back(e.key + ": " + e.reason);
  return out;
}

TEST(ProxyRoutesTest, ValidRoutesPass) {
  config::Config::Proxy p;
  auto r = Route("/predict/{restaurant_id}", {"POST"});
  r.capture = Capture();
  r.capture->segment = Source{Source::Kind::kPath, "restaurant_id"};
  r.capture->features = Source{Source::Kind::kRequest, "/instances/*"};
  r.capture->prediction = Source{Source::Kind::kResponse, "/predictions/*"};
  p.routes = {r, Route("/predict/batch", {"POST"})};
  EXPECT_TRUE(Messages(p).empty());
}

TEST(ProxyRoutesTest, EachProblemNamesItsKey) {
  config::Config::Proxy p;
  auto bad_param = Route("/predict/{restaurant_id}");
  bad_param.capture = Capture();
  bad_param.capture->segment = Source{Source::Kind::kPath, "shop"};
  auto two_stars = Route("/b");
  two_stars.capture = Capture();
  two_stars.capture->features = Source{Source::Kind::kRequest, "/instances/*/*"};
  auto one_starred = Route("/c");
  one_starred.capture = Capture();
  one_starred.capture->features = Source{Source::Kind::kRequest, "/instances/*"};
  one_starred.capture->prediction = Source{Source::Kind::kResponse, "/prediction"};
  p.routes = {bad_param, Route("/a/{x}{y}"), two_stars, one_starred};
  const auto m = Messages(p);
  ASSERT_EQ(m.size(), 4u) << ::testing::PrintToString(m);
  EXPECT_EQ(m[0],
            "proxy.routes[0].capture.segment: {path: shop} names no parameter of "
            "/predict/{restaurant_id}");
  EXPECT_TRUE(m[1].starts_with("proxy.routes[1].path: route template \"/a/{x}{y}\"")) << m[1];
  EXPECT_EQ(m[2], "proxy.routes[2].capture.features: \"/instances/*/*\": at most one \"*\"");
  EXPECT_EQ(m[3],
            "proxy.routes[3].capture: features and prediction must both have \"*\" or neither");
}

TEST(ProxyRoutesTest, ARedisUrlTheCacheCannotReadIsAConfigErrorOfItsKey) {
  config::Config::Proxy p;
  p.cache.backend = "redis";
  p.cache.redis_url = "redis://cache:99999";
  const auto errors = CheckProxy(p);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "proxy.cache.redis_url");
  EXPECT_EQ(errors[0].reason, "the port must be a number from 1 to 65535");
  p.cache.redis_url = "redis://cache:6379/2";
  EXPECT_TRUE(CheckProxy(p).empty());
  p.cache.backend = "memory";
  p.cache.redis_url = "redis://cache:99999";  // not read by the memory backend
  EXPECT_TRUE(CheckProxy(p).empty());
}

TEST(ProxyRoutesTest, DuplicateRoutesAreRefused) {
  config::Config::Proxy p;
  p.routes = {Route("/p/{id}", {"POST"}), Route("/p/{x}", {"POST", "GET"})};
  const auto m = Messages(p);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].starts_with("proxy.routes: ")) << m[0];
  EXPECT_NE(m[0].find("same path"), std::string::npos) << m[0];
}

TEST(ProxyRoutesTest, ConfiguredRoutesKeepTheirCaptureAndCacheByIndex) {
  config::Config::Proxy p;
  auto captured = Route("/predict/{id}", {"POST"});
  captured.capture = Capture();
  captured.capture->sample = 0.25;
  auto cached = Route("/lookup");
  cached.cache = config::Config::ProxyCache{60000, {"/features"}};
  p.routes = {captured, cached};
  const ConfiguredRoutes c = ProxyRoutesFromConfig(p);
  ASSERT_EQ(c.configs.size(), 2u);
  ASSERT_NE(c.configs[0].capture, nullptr);
  EXPECT_EQ(c.configs[0].capture->sample, 0.25);
  EXPECT_EQ(c.configs[0].capture->model->value, "demand");
  EXPECT_FALSE(c.configs[0].cache.has_value());
  EXPECT_EQ(c.configs[1].capture, nullptr);
  ASSERT_TRUE(c.configs[1].cache.has_value());
  EXPECT_EQ(c.configs[1].cache->ttl.count(), 60000);
  EXPECT_EQ(c.configs[1].cache->key, std::vector<std::string>{"/features"});
}

TEST(ProxyRoutesTest, LearnedRoutesNeverShadowConfiguredOnes) {
  config::Config::Proxy p;
  auto v2 = Route("/v2/models/{model}/infer", {"POST"});
  v2.capture = Capture();
  p.routes = {v2, Route("/predict/{restaurant_id}", {"POST"})};
  const ConfiguredRoutes c = ProxyRoutesFromConfig(p);
  const std::vector<proxy::RouteSpec> learned = {{"/v2/models/risk/infer", {"POST"}},
                                                 {"/predict/{id}", {"POST"}},
                                                 {"/predict/batch", {"POST"}},
                                                 {"/health", {"GET"}},
                                                 {"/sleep/{ms}", {"GET"}}};
  const auto snapshot = BuildRoutingSnapshot(c, learned, 200);
  auto endpoint = [&](const char* method, const char* path) {
    auto m = snapshot->table.Find(method, path);
    return m ? std::string(m->endpoint) : std::string("unmatched");
  };
  EXPECT_EQ(endpoint("POST", "/v2/models/risk/infer"), "/v2/models/{model}/infer");
  EXPECT_EQ(endpoint("POST", "/predict/batch"), "/predict/{restaurant_id}");
  EXPECT_EQ(endpoint("POST", "/predict/4"), "/predict/{restaurant_id}");
  EXPECT_EQ(endpoint("GET", "/health"), "/health");
  EXPECT_EQ(endpoint("GET", "/sleep/100"), "/sleep/{ms}");
  EXPECT_EQ(endpoint("GET", "/other"), "unmatched");
  // The capture stays with its route's index; learned routes have none.
  auto m = snapshot->table.Find("POST", "/v2/models/risk/infer");
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(snapshot->configs.at(m->index).capture, nullptr);
  m = snapshot->table.Find("GET", "/health");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(snapshot->configs.at(m->index).capture, nullptr);
}

TEST(ProxyRoutesTest, LearnedRoutesStopAtMaxRoutes) {
  const ConfiguredRoutes none;
  std::vector<proxy::RouteSpec> learned;
  for (int i = 0; i < 10; ++i) learned.push_back({"/r" + std::to_string(i), {}});
  const auto snapshot = BuildRoutingSnapshot(none, learned, 3);
  EXPECT_TRUE(snapshot->table.Find("GET", "/r2").has_value());
  EXPECT_FALSE(snapshot->table.Find("GET", "/r3").has_value());
}

}  // namespace
}  // namespace mw::cli
