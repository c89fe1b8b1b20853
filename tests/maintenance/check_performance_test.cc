// check-performance: evaluates every (model, segment), stores the snapshots, and sends a firing
// ModelPerformanceDegraded alert for each degraded one (resolved once it no longer is).
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "maintenance/check_performance_task.h"
#include "maintenance/model_fixture.h"
#include "monitor/evaluator.h"

namespace mw::maintenance::testing {
namespace {

class RecordingSink : public alerting::AlertSink {
 public:
  void OnAlert(const alerting::AlertEvent& event) override {
    std::lock_guard lock(mu);
    events.push_back(event);
  }
  std::mutex mu;
  std::vector<alerting::AlertEvent> events;
};

class CheckPerformanceTest : public ModelTaskTest {
 protected:
  void SetUp() override {
    ModelTaskTest::SetUp();
    Register("demand", "r1", "v1");
    Register("demand", "r2", "v7");
    Traffic("demand", "r1", 200, 3.0);  // degraded
    Traffic("demand", "r2", 200, 1.0);  // as in training
  }
  std::vector<store::EvaluationSnapshot> Snapshots(const std::string& kind) {
    store::SnapshotQuery q;
    q.model = "demand";
    q.kind = kind;
    auto s = store_->QuerySnapshots(q);
    EXPECT_TRUE(s.has_value());
    return s.has_value() ? *s : std::vector<store::EvaluationSnapshot>{};
  }
  void ExpectDegradedAlert(const alerting::AlertEvent& e) {
    EXPECT_EQ(e.alertname, "ModelPerformanceDegraded");
    EXPECT_TRUE(e.firing());
    EXPECT_EQ(e.labels.at("model"), "demand");
    EXPECT_EQ(e.labels.at("segment"), "r1");
    EXPECT_EQ(e.labels.at("severity"), "warning");
    EXPECT_EQ(e.labels.at("metric"), "mae");
    EXPECT_EQ(e.annotations.at("metric"), "mae");
    EXPECT_EQ(e.annotations.at("training_value"), "1");
    EXPECT_GT(std::stod(e.annotations.at("recent_value")), 2.5);
    EXPECT_EQ(e.annotations.at("degradation").front(), '+');
    EXPECT_NE(e.annotations.at("degradation_interval").find(" to "), std::string::npos);
    EXPECT_GT(e.value, 1.0);
  }
};

TEST_F(CheckPerformanceTest, WithoutAnEvaluatorStoresSnapshotsAndNotifiesTheDegradedSegment) {
  RecordingSink sink;
  CheckPerformanceTask task(*store_, *service_, nullptr, &sink, {});
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 2);
  EXPECT_NE(r->message.find("degraded: demand/r1 (mae +"), std::string::npos) << r->message;
  const auto snapshots = Snapshots("performance");
  ASSERT_EQ(snapshots.size(), 2u);
  for (const auto& s : snapshots) {
    EXPECT_EQ(s.evaluated_at_ms, kNow);
    const auto payload = nlohmann::json::parse(s.payload_json);
    EXPECT_EQ(payload["drift_detected"].get<bool>(), s.segment == "r1") << s.segment;
  }
  ASSERT_EQ(sink.events.size(), 1u);
  ExpectDegradedAlert(sink.events[0]);
  EXPECT_EQ(sink.events[0].starts_at_ms, kNow);

  // Still degraded an hour later: firing again, same start.
  clock_.Advance(kHour);
  ASSERT_TRUE(task.Run(ctx).has_value());
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_TRUE(sink.events[1].firing());
  EXPECT_EQ(sink.events[1].starts_at_ms, kNow);

  // The rows leave the window: nothing is degraded any more, the alert resolves.
  clock_.Advance(48 * kHour);
  auto later = task.Run(ctx);
  ASSERT_TRUE(later.has_value()) << later.error().ToString();
  EXPECT_EQ(later->items, 0);
  ASSERT_EQ(sink.events.size(), 3u);
  EXPECT_FALSE(sink.events[2].firing());
  EXPECT_EQ(sink.events[2].ends_at_ms, clock_.NowMillis());
  EXPECT_EQ(sink.events[2].Fingerprint(), sink.events[0].Fingerprint());
}

TEST_F(CheckPerformanceTest, WithAnEvaluatorRunsItsPassAndNotifiesFromItsSnapshots) {
  RecordingSink sink;
  monitor::Evaluator evaluator(*store_, *service_, nullptr, clock_, {});
  CheckPerformanceTask task(*store_, *service_, &evaluator, &sink, {});
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 2);
  EXPECT_EQ(evaluator.status().passes, 1);
  EXPECT_EQ(Snapshots("performance").size(), 2u);
  ASSERT_EQ(sink.events.size(), 1u);
  ExpectDegradedAlert(sink.events[0]);
}

TEST_F(CheckPerformanceTest, WithoutASinkItOnlyLogs) {
  CheckPerformanceTask task(*store_, *service_, nullptr, nullptr, {});
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_NE(r->message.find("degraded: demand/r1"), std::string::npos);
}

}  // namespace
}  // namespace mw::maintenance::testing
