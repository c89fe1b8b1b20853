#include "alerting/rules/sampler.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mw::alerting {
namespace {

double ValueOf(const std::vector<SeriesValue>& v, const Labels& labels) {
  for (const SeriesValue& s : v) {
    if (s.labels == labels) return s.value;
  }
  return NAN;
}

TEST(MetricSamplerTest, LatestAndIncreaseWithCounterResets) {
  MetricSampler sampler;
  ASSERT_TRUE(sampler
                  .Sample("# HELP x_total x\n# TYPE x_total counter\n"
                          "x_total{a=\"1\"} 10\nx_total{a=\"2\"} 5\ng 0.5\n",
                          1000)
                  .ok());
  ASSERT_TRUE(sampler.Sample("x_total{a=\"1\"} 25\nx_total{a=\"2\"} 7\ng 0.75\n", 16000).ok());
  ASSERT_TRUE(sampler.Sample("x_total{a=\"1\"} 4\nx_total{a=\"2\"} 9\n", 31000).ok());
  const auto inc = sampler.Increase("x_total", 60000, 31000);
  EXPECT_EQ(ValueOf(inc, {{"a", "1"}}), 15 + 4);  // reset: the new value counts
  EXPECT_EQ(ValueOf(inc, {{"a", "2"}}), 4);
  // Only one sample of a="1" in the last 10 s: no value.
  EXPECT_TRUE(sampler.Increase("x_total", 10000, 31000).empty());
  // g is not in the newest sample: stale at once (Prometheus' staleness marker).
  EXPECT_TRUE(sampler.Latest("g", 31000).empty());
  const auto latest = sampler.Latest("x_total", 31000);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(ValueOf(latest, {{"a", "1"}}), 4);
  EXPECT_TRUE(sampler.Latest("x_total", 41001, 10000).empty());  // older than the staleness
  const auto sum = MetricSampler::SumBy(inc, {});
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].value, 23);
}

TEST(MetricSamplerTest, ParsesEscapesInfAndRejectsGarbage) {
  MetricSampler sampler;
  ASSERT_TRUE(sampler.Sample("m{path=\"a\\\"b\\\\c\",x=\"y\"} +Inf\n", 1).ok());
  const auto v = sampler.Latest("m", 1);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].labels.at("path"), "a\"b\\c");
  EXPECT_TRUE(std::isinf(v[0].value));
  EXPECT_FALSE(sampler.Sample("m{x=\"y\" 1\n", 2).ok());
  EXPECT_FALSE(sampler.Sample("m not-a-number\n", 2).ok());
}

TEST(MetricSamplerTest, DropsSamplesPastTheRetention) {
  MetricSampler sampler(10000);
  ASSERT_TRUE(sampler.Sample("a 1\nb 1\n", 0).ok());
  ASSERT_TRUE(sampler.Sample("a 2\n", 20000).ok());
  EXPECT_EQ(sampler.series_count(), 1u);
}

TEST(BucketQuantileTest, MatchesPrometheusInterpolation) {
  // 100 observations: 50 <= 0.1, 40 in (0.1, 0.5], 10 in (0.5, 1].
  const std::vector<std::pair<double, double>> b = {
      {0.1, 50}, {0.5, 90}, {1, 100}, {INFINITY, 100}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, b), 0.1);
  EXPECT_DOUBLE_EQ(BucketQuantile(0.25, b), 0.05);
  EXPECT_DOUBLE_EQ(BucketQuantile(0.7, b), 0.1 + 0.4 * (20.0 / 40.0));
  EXPECT_DOUBLE_EQ(BucketQuantile(0.95, b), 0.5 + 0.5 * 0.5);
  EXPECT_DOUBLE_EQ(BucketQuantile(1.0, b), 1.0);
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{1, 0}, {INFINITY, 0}})));
}

TEST(MetricSamplerTest, HistogramQuantileOverTheRangeByLabel) {
  MetricSampler sampler;
  auto text = [](int fast, int slow) {
    return "h_bucket{e=\"/a\",le=\"0.1\"} " + std::to_string(fast) +
           "\nh_bucket{e=\"/a\",le=\"1\"} " + std::to_string(fast + slow) +
           "\nh_bucket{e=\"/a\",le=\"+Inf\"} " + std::to_string(fast + slow) + "\n";
  };
  ASSERT_TRUE(sampler.Sample(text(1000, 0), 0).ok());            // old traffic: all fast
  ASSERT_TRUE(sampler.Sample(text(1000 + 10, 90), 60000).ok());  // last minute: 90 % slow
  const auto q = sampler.HistogramQuantile(0.95, "h", {"e"}, 120000, 60000);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].labels, (Labels{{"e", "/a"}}));
  EXPECT_DOUBLE_EQ(q[0].value, 0.1 + 0.9 * ((95.0 - 10.0) / 90.0));
}

}  // namespace
}  // namespace mw::alerting
