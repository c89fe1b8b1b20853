// QualityMetrics' profile-cache families: modelwatch's own machinery, so they carry the fixed
// modelwatch_profile_cache_ names whatever metrics.prefix is, and P_cache_* (the watched service's
// response cache, registered by the proxy) is left to the proxy.
#include "monitor/quality_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "prometheus/text_serializer.h"
#include "telemetry/test_util.h"

namespace mw::monitor {
namespace {

using telemetry_test::Sample;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Scrape(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(QualityMetricsTest, TheProfileCacheIsExportedAsModelwatchsOwnWithoutACacheTypeLabel) {
  prometheus::Registry registry;
  QualityMetrics metrics(registry, "iit", "restaurant_id");
  metrics.SetCache({{"demand", 2}, {"churn", 1}}, /*hits=*/5, /*misses=*/3, /*evictions=*/1);
  const std::string text = Scrape(registry);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_hits_total"), 5);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_misses_total"), 3);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_evictions_total"), 1);
  EXPECT_EQ(Sample(text, R"(modelwatch_profile_cache_loaded{model_type="demand"})"), 2);
  EXPECT_EQ(Sample(text, R"(modelwatch_profile_cache_loaded{model_type="churn"})"), 1);
  // The prefix's cache names belong to the proxy's response cache; active_models is gone.
  EXPECT_THAT(text, Not(HasSubstr("iit_cache_")));
  EXPECT_THAT(text, Not(HasSubstr("active_models")));
  EXPECT_THAT(text, Not(HasSubstr("cache_type")));
}

TEST(QualityMetricsTest, TheCacheCountersExportTheIncreaseOfTheCachesAbsoluteCounts) {
  prometheus::Registry registry;
  QualityMetrics metrics(registry, "ml", "segment");
  metrics.SetCache({{"demand", 2}}, 5, 3, 1);
  metrics.SetCache({}, 9, 3, 0);  // a lower eviction count (a new cache) is not a decrease
  const std::string text = Scrape(registry);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_hits_total"), 9);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_misses_total"), 3);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_evictions_total"), 1);
  // A model whose profiles left the cache reads 0 instead of keeping its last count.
  EXPECT_EQ(Sample(text, R"(modelwatch_profile_cache_loaded{model_type="demand"})"), 0);
}

TEST(QualityMetricsTest, TheCacheCountersExistAtZeroBeforeTheFirstPass) {
  prometheus::Registry registry;
  QualityMetrics metrics(registry, "ml", "segment");
  const std::string text = Scrape(registry);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_hits_total"), 0);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_misses_total"), 0);
  EXPECT_EQ(Sample(text, "modelwatch_profile_cache_evictions_total"), 0);
}

}  // namespace
}  // namespace mw::monitor
