// CacheMetrics: the response cache's families, their names under the prefix, and their values in
// the exposition text.
#include "proxy/cache/cache_metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "prometheus/counter.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

telemetry::MetricsOptions CacheMetricsOptions(std::string prefix = "ml") {
  telemetry::MetricsOptions options;
  options.prefix = std::move(prefix);
  options.system_metrics = false;
  return options;
}

TEST(CacheMetricsTest, EverySeriesStartsAtZero) {
  telemetry::Metrics metrics(CacheMetricsOptions());
  CacheMetrics cache_metrics(metrics);
  const std::string text = metrics.Serialize();
  for (const char* series : {R"(ml_cache_hits_total{cache_type="response"})",
                             R"(ml_cache_misses_total{cache_type="response"})",
                             R"(ml_cache_evictions_total{cache_type="response"})",
                             R"(ml_cache_size_bytes{cache_type="response"})",
                             R"(modelwatch_proxy_cache_bypassed_total{reason="key_too_large"})",
                             R"(modelwatch_proxy_cache_bypassed_total{reason="invalid_body"})",
                             R"(modelwatch_proxy_cache_bypassed_total{reason="body_too_large"})"}) {
    EXPECT_EQ(telemetry_test::Sample(text, series), 0) << series;
  }
  EXPECT_FALSE(
      telemetry_test::Sample(text, R"(modelwatch_proxy_cache_bypassed_total{reason="redis_down"})")
          .has_value());
  EXPECT_NE(text.find("# TYPE ml_cache_size_bytes gauge"), std::string::npos);
  EXPECT_NE(text.find("# TYPE modelwatch_proxy_cache_bypassed_total counter"), std::string::npos);
}

TEST(CacheMetricsTest, CountsWhatItIsTold) {
  telemetry::Metrics metrics(CacheMetricsOptions());
  CacheMetrics cache_metrics(metrics);
  for (int i = 0; i < 3; ++i) cache_metrics.Hit();
  cache_metrics.Miss();
  cache_metrics.Evicted(2);
  cache_metrics.Evicted(0);
  cache_metrics.SetSizeBytes(1234);
  cache_metrics.Bypassed(kBypassKeyTooLarge);
  cache_metrics.Bypassed(kBypassKeyTooLarge);
  cache_metrics.Bypassed(kBypassRedisDown);
  const std::string text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_hits_total{cache_type="response"})"), 3);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_misses_total{cache_type="response"})"), 1);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_evictions_total{cache_type="response"})"), 2);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_size_bytes{cache_type="response"})"), 1234);
  EXPECT_EQ(telemetry_test::Sample(
                text, R"(modelwatch_proxy_cache_bypassed_total{reason="key_too_large"})"),
            2);
  EXPECT_EQ(
      telemetry_test::Sample(text, R"(modelwatch_proxy_cache_bypassed_total{reason="redis_down"})"),
      1);
}

TEST(CacheMetricsTest, WatchedFamiliesTakeThePrefixAndBypassesDoNot) {
  telemetry::Metrics metrics(CacheMetricsOptions("iit"));
  CacheMetrics cache_metrics(metrics);
  cache_metrics.Hit();
  const std::string text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(iit_cache_hits_total{cache_type="response"})"), 1);
  EXPECT_NE(text.find("modelwatch_proxy_cache_bypassed_total"), std::string::npos);
  EXPECT_EQ(text.find("ml_cache"), std::string::npos);
}

// The profile cache registers P_cache_hits_total too (cache_type="model") until it moves to
// modelwatch_: both share the family, and each keeps its own series.
TEST(CacheMetricsTest, SharesTheFamilyWithAnotherCacheType) {
  telemetry::Metrics metrics(CacheMetricsOptions());
  prometheus::Counter& model_hits = prometheus::BuildCounter()
                                        .Name("ml_cache_hits_total")
                                        .Help("Cache lookups answered from memory")
                                        .Register(metrics.registry())
                                        .Add({{"cache_type", "model"}});
  CacheMetrics cache_metrics(metrics);
  model_hits.Increment(5);
  cache_metrics.Hit();
  const std::string text = metrics.Serialize();
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_hits_total{cache_type="model"})"), 5);
  EXPECT_EQ(telemetry_test::Sample(text, R"(ml_cache_hits_total{cache_type="response"})"), 1);
}

}  // namespace
}  // namespace mw::proxy
