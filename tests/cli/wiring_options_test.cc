#include <gtest/gtest.h>

#include "cli/wiring/options.h"

namespace mw::cli {
namespace {

TEST(LoggerOptionsFromConfigTest, MapsEveryLoggingKey) {
  config::Config::Logging c;
  c.level = "debug";
  c.stdout_enabled = false;
  c.access_log = false;
  c.max_file_bytes = 4096;
  c.app_retention_days = 7;
  c.audit_retention_days = 365;
  FakeClock clock;
  const telemetry::LoggerOptions o = LoggerOptionsFromConfig(c, "/var/log/mw", &clock);
  EXPECT_EQ(o.level, telemetry::LogLevel::kDebug);
  EXPECT_EQ(o.dir, "/var/log/mw");
  EXPECT_FALSE(o.stdout_enabled);
  EXPECT_FALSE(o.access_log);
  EXPECT_EQ(o.max_file_bytes, 4096);
  EXPECT_EQ(o.app_retention_days, 7);
  EXPECT_EQ(o.audit_retention_days, 365);
  EXPECT_EQ(o.clock, &clock);
  EXPECT_EQ(LoggerOptionsFromConfig(c, "-").dir, "");
}

TEST(MetricsOptionsFromConfigTest, MapsTheMetricsKeysTheDataDirAndTheVersion) {
  config::Config c;
  c.metrics.prefix = "iit";
  c.metrics.segment_label = "restaurant_id";
  c.metrics.max_segments = 7;
  c.storage.data_dir = "/data";
  const telemetry::MetricsOptions o = MetricsOptionsFromConfig(c, "1.2.3");
  EXPECT_EQ(o.prefix, "iit");
  EXPECT_EQ(o.segment_label, "restaurant_id");
  EXPECT_EQ(o.max_segments, 7);
  EXPECT_EQ(o.data_dir, "/data");
  EXPECT_EQ(o.version, "1.2.3");
  EXPECT_TRUE(o.system_metrics);
}

}  // namespace
}  // namespace mw::cli
