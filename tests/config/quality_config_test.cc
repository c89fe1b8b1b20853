// The quality section: numbers, ranges and the per-model threshold list.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace mw::config {
namespace {

using ::testing::HasSubstr;

ConfigLoadResult LoadFromFlags(std::map<std::string, std::string> flags) {
  ConfigSources s;
  s.flags = std::move(flags);
  return LoadConfig(s);
}

TEST(QualityConfigTest, Defaults) {
  auto r = LoadConfig({});
  ASSERT_TRUE(r.config.has_value());
  EXPECT_EQ(r.config->quality.evaluation_interval_seconds, 60);
  EXPECT_EQ(r.config->quality.min_samples, 10);
  EXPECT_DOUBLE_EQ(r.config->quality.degradation_threshold, 0.2);
  EXPECT_DOUBLE_EQ(r.config->quality.classification_threshold, 0.5);
  EXPECT_EQ(r.config->quality.profile_cache_size, 10);
  EXPECT_TRUE(r.config->quality.model_degradation_thresholds.empty());
  EXPECT_DOUBLE_EQ(r.config->quality.alarm_level, 0.01);
  EXPECT_DOUBLE_EQ(r.config->quality.feature_drift_alpha, 0.05);
  EXPECT_EQ(r.config->quality.min_class_samples, 5);
}

TEST(QualityConfigTest, ParsesNumbersAndModelThresholds) {
  auto r = LoadFromFlags({{"quality.degradation_threshold", "0.35"},
                          {"quality.classification_threshold", "0.7"},
                          {"quality.model_degradation_thresholds", "demand_forecast:0.3,risk:1"},
                          {"quality.alarm_level", "0.001"},
                          {"quality.feature_drift_alpha", "0.01"}});
  ASSERT_TRUE(r.config.has_value()) << FormatConfigErrors(r.errors);
  EXPECT_DOUBLE_EQ(r.config->quality.alarm_level, 0.001);
  EXPECT_DOUBLE_EQ(r.config->quality.feature_drift_alpha, 0.01);
  EXPECT_DOUBLE_EQ(r.config->quality.degradation_threshold, 0.35);
  EXPECT_DOUBLE_EQ(r.config->quality.classification_threshold, 0.7);
  EXPECT_EQ(r.config->quality.model_degradation_thresholds,
            (std::map<std::string, double>{{"demand_forecast", 0.3}, {"risk", 1.0}}));
}

TEST(QualityConfigTest, RejectsBadValuesNamingTheKey) {
  struct Case {
    std::string key, value, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"quality.degradation_threshold", "abc", "must be a number between"},
           {"quality.degradation_threshold", "0", "must be a number between"},
           {"quality.classification_threshold", "1.5", "must be a number between 0 and 1"},
           {"quality.model_degradation_thresholds", "demand", "is not MODEL:THRESHOLD"},
           {"quality.model_degradation_thresholds", "demand:-1", "must be a number in (0, 100]"},
           {"quality.min_samples", "0", "must be an integer"},
           {"quality.evaluation_interval_seconds", "-5", "must be an integer between 0"},
           {"quality.alarm_level", "0", "must be a number between"},
           {"quality.alarm_level", "0.6", "must be a number between"},
           {"quality.feature_drift_alpha", "1", "must be a number between"},
           {"quality.min_class_samples", "1", "must be an integer >= 2"},
       }) {
    auto r = LoadFromFlags({{c.key, c.value}});
    ASSERT_EQ(r.errors.size(), 1u) << c.key << "=" << c.value;
    EXPECT_EQ(r.errors[0].key, c.key);
    EXPECT_THAT(r.errors[0].reason, HasSubstr(c.reason)) << c.key << "=" << c.value;
  }
}

}  // namespace
}  // namespace mw::config
