// The telemetry core: option validation, the shared segment cap, build info and serialization.
// The families of each subsystem are tested beside their owners
// (tests/api/service_metrics_test.cc).
#include "telemetry/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "prometheus/counter.h"
#include "telemetry/test_util.h"

namespace mw::telemetry {
namespace {

using telemetry_test::Sample;

MetricsOptions Options(std::string prefix = "ml", int64_t max_segments = 1000) {
  MetricsOptions o;
  o.prefix = std::move(prefix);
  o.max_segments = max_segments;
  o.version = "1.2.3";
  o.system_metrics = false;
  return o;
}

TEST(MetricsCoreTest, InvalidOptionsAreRejectedNamingTheKey) {
  EXPECT_TRUE(Metrics::Validate(Options()).ok());
  auto bad = Metrics::Create(Options("ml_"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("metrics.prefix"), std::string::npos);
  MetricsOptions label = Options();
  label.segment_label = "le";
  EXPECT_NE(Metrics::Validate(label).message().find("metrics.segment_label"), std::string::npos);
  EXPECT_THROW(Metrics(Options("ml", -1)), std::invalid_argument);
  EXPECT_NE(Metrics::Validate(Options("modelwatch")).message().find("reserved"), std::string::npos);
}

TEST(MetricsCoreTest, RegistersNothingButWhatSubsystemsAdd) {
  Metrics m(Options("iit"));
  EXPECT_EQ(m.Serialize(), "");
  prometheus::BuildCounter()
      .Name("iit_things_total")
      .Help("Things.")
      .Register(m.registry())
      .Add({});
  RegisterBuildInfo(m);
  const std::string text = m.Serialize();
  EXPECT_EQ(Sample(text, "iit_things_total"), 0);
  EXPECT_EQ(Sample(text, R"(modelwatch_build_info{version="1.2.3"})"), 1);
}

TEST(MetricsCoreTest, SegmentsPastTheCapAreRefusedExceptKnownAndEmptyOnes) {
  Metrics m(Options("ml", 2));
  EXPECT_TRUE(m.AdmitSegment("a"));
  EXPECT_TRUE(m.AdmitSegment("b"));
  EXPECT_FALSE(m.AdmitSegment("c"));
  EXPECT_TRUE(m.AdmitSegment("a"));
  EXPECT_TRUE(m.AdmitSegment(""));
  Metrics none(Options("ml", 0));
  EXPECT_FALSE(none.AdmitSegment("a"));
}

}  // namespace
}  // namespace mw::telemetry
