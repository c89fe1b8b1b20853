// Scheduler: schedule resolution, due times across day/week/month boundaries (FakeClock, RunDue
// called directly), set order, no catch-up, the period metric, and the thread's prompt stop.
#include "maintenance/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "common/time_format.h"
#include "maintenance_test_util.h"
#include "telemetry/metrics.h"

namespace mw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

int64_t At(const char* rfc3339) {
  auto ms = ParseRfc3339Millis(rfc3339);
  EXPECT_TRUE(ms.has_value()) << rfc3339;
  return ms.value_or(0);
}

maintenance::ScheduleSpec DefaultSpec() {
  maintenance::ScheduleSpec spec;
  spec.sets = {{"daily", "0 2 * * *", {"check-performance", "retention", "backup"}},
               {"weekly", "0 3 * * 0", {"vacuum", "weekly-report"}},
               {"monthly", "0 4 1 * *", {"archive-predictions"}}};
  spec.overrides = {{"health-check", "*/5 * * * *"}, {"backup", "30 1 * * *"}};
  return spec;
}

std::vector<std::string> Names(const std::vector<maintenance::ScheduledTask>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.task + "@" + t.schedule.expression());
  return out;
}

TEST(ResolveSchedulesTest, OwnEntriesWinOverSetsInSetOrderThenEntriesOnly) {
  auto tasks = maintenance::ResolveSchedules(DefaultSpec());
  ASSERT_TRUE(tasks.has_value()) << tasks.error().ToString();
  EXPECT_THAT(Names(*tasks),
              ElementsAre("check-performance@0 2 * * *", "retention@0 2 * * *", "backup@30 1 * * *",
                          "vacuum@0 3 * * 0", "weekly-report@0 3 * * 0",
                          "archive-predictions@0 4 1 * *", "health-check@*/5 * * * *"));
  EXPECT_EQ((*tasks)[2].source, "schedules");
  EXPECT_EQ((*tasks)[3].source, "weekly");
}

TEST(ResolveSchedulesTest, ATaskInNoSetAndWithoutAnEntryIsNotScheduled) {
  maintenance::ScheduleSpec spec;
  spec.sets = {{"daily", "0 2 * * *", {}}, {"weekly", "0 3 * * 0", {"vacuum"}}};
  auto tasks = maintenance::ResolveSchedules(spec);
  ASSERT_TRUE(tasks.has_value());
  EXPECT_THAT(Names(*tasks), ElementsAre("vacuum@0 3 * * 0"));
  spec.overrides = {{"backup", "0 25 * * *"}};
  auto bad = maintenance::ResolveSchedules(spec);
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("backup"));
}

TEST(PeriodSecondsTest, IsTheGapBetweenTheNextTwoTimes) {
  auto daily = CronSchedule::Parse("0 2 * * *");
  auto weekly = CronSchedule::Parse("0 3 * * 0");
  auto five = CronSchedule::Parse("*/5 * * * *");
  auto never = CronSchedule::Parse("0 0 30 2 *");
  const int64_t now = At("2026-12-07T12:00:00Z") / 1000;
  EXPECT_EQ(maintenance::PeriodSeconds(*daily, now), 86400);
  EXPECT_EQ(maintenance::PeriodSeconds(*weekly, now), 7 * 86400);
  EXPECT_EQ(maintenance::PeriodSeconds(*five, now), 300);
  EXPECT_EQ(maintenance::PeriodSeconds(*never, now), std::nullopt);
}

class SchedulerTest : public MaintenanceStoreFixture {
 protected:
  void SetUp() override {
    MaintenanceStoreFixture::SetUp();
    telemetry::MetricsOptions o;
    o.system_metrics = false;
    metrics_ = std::make_unique<telemetry::Metrics>(o);
    mmetrics_ = std::make_unique<maintenance::MaintenanceMetrics>(metrics_->registry());
    runner_ = std::make_unique<maintenance::Runner>(*store_, clock_, logger_, mmetrics_.get());
    for (const char* name : {"check-performance", "retention", "backup", "vacuum", "weekly-report",
                             "archive-predictions", "health-check"}) {
      auto task = std::make_unique<RecordingTask>(name);
      tasks_[name] = task.get();
      task->body = [this, name = std::string(name)](
                       maintenance::TaskContext& ctx) -> Result<maintenance::TaskOutcome> {
        order_.push_back(name);
        clock_.Advance(1000);  // each run takes a second
        (void)ctx;
        return maintenance::TaskOutcome{};
      };
      runner_->Add(std::move(task));
    }
  }
  std::unique_ptr<maintenance::Scheduler> Make(const char* now) {
    clock_.Set(At(now));
    auto resolved = maintenance::ResolveSchedules(DefaultSpec());
    EXPECT_TRUE(resolved.has_value());
    return std::make_unique<maintenance::Scheduler>(*runner_, clock_, std::move(*resolved), logger_,
                                                    mmetrics_.get());
  }

  std::unique_ptr<telemetry::Metrics> metrics_;
  std::unique_ptr<maintenance::MaintenanceMetrics> mmetrics_;
  std::unique_ptr<maintenance::Runner> runner_;
  std::map<std::string, RecordingTask*> tasks_;
  std::vector<std::string> order_;
};

TEST_F(SchedulerTest, NextTimesAcrossDayWeekAndMonthBoundaries) {
  // Saturday 2026-10-31 23:58 UTC: the next day is a Sunday and the 1st of a month.
  auto s = Make("2026-10-31T23:58:00Z");
  EXPECT_EQ(s->NextRun("health-check"), At("2026-11-01T00:00:00Z"));
  EXPECT_EQ(s->NextRun("backup"), At("2026-11-01T01:30:00Z"));
  EXPECT_EQ(s->NextRun("retention"), At("2026-11-01T02:00:00Z"));
  EXPECT_EQ(s->NextRun("vacuum"), At("2026-11-01T03:00:00Z"));
  EXPECT_EQ(s->NextRun("archive-predictions"), At("2026-11-01T04:00:00Z"));
  EXPECT_EQ(s->NextRun("cleanup-logs"), std::nullopt);

  EXPECT_TRUE(s->RunDue(At("2026-10-31T23:59:59Z")).empty());
  EXPECT_THAT(s->RunDue(At("2026-11-01T00:00:00Z")), ElementsAre("health-check"));
  EXPECT_EQ(s->NextRun("health-check"), At("2026-11-01T00:05:00Z"));
  EXPECT_THAT(s->RunDue(At("2026-11-01T02:00:30Z")),
              ElementsAre("check-performance", "retention", "backup", "health-check"));
  EXPECT_EQ(s->NextRun("retention"), At("2026-11-02T02:00:00Z"));
  EXPECT_EQ(s->NextRun("backup"), At("2026-11-02T01:30:00Z"));
  EXPECT_THAT(s->RunDue(At("2026-11-01T04:00:00Z")),
              ElementsAre("vacuum", "weekly-report", "archive-predictions", "health-check"));
  EXPECT_EQ(s->NextRun("vacuum"), At("2026-11-08T03:00:00Z"));
  EXPECT_EQ(s->NextRun("archive-predictions"), At("2026-12-01T04:00:00Z"));
  ASSERT_EQ(tasks_["check-performance"]->calls().size(), 1u);
  EXPECT_EQ(tasks_["check-performance"]->calls()[0].trigger, "schedule");
  EXPECT_FALSE(tasks_["check-performance"]->calls()[0].dry_run);
}

TEST_F(SchedulerTest, SeveralDueTasksRunInSetOrderAndMissedRunsAreNotCaughtUp) {
  auto s = Make("2026-12-05T12:00:00Z");  // a Saturday
  // Three days and more pass (the server was busy or the clock jumped): each task runs once.
  EXPECT_THAT(s->RunDue(At("2026-12-08T05:00:00Z")),
              ElementsAre("check-performance", "retention", "backup", "vacuum", "weekly-report",
                          "health-check"));
  EXPECT_EQ(order_.size(), 6u);
  EXPECT_EQ(tasks_["retention"]->calls().size(), 1u);
  EXPECT_EQ(s->NextRun("retention"), At("2026-12-09T02:00:00Z"));
  EXPECT_EQ(s->NextRun("vacuum"), At("2026-12-13T03:00:00Z"));
  EXPECT_EQ(store_->ListMaintenanceRuns(store::MaintenanceRunQuery{})->size(), 6u);
}

TEST_F(SchedulerTest, ExportsThePeriodOfScheduledTasksOnly) {
  auto s = Make("2026-12-07T12:00:00Z");
  const std::string text = metrics_->Serialize();
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_period_seconds{task=\"retention\"} 86400"));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_period_seconds{task=\"vacuum\"} 604800"));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_period_seconds{task=\"health-check\"} 300"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("period_seconds{task=\"cleanup-logs\"}")));
  // Seconds since success count from the start until the first success, then from it.
  clock_.Set(At("2026-12-07T13:00:00Z"));
  s->RunDue(clock_.NowMillis());
  EXPECT_THAT(metrics_->Serialize(),
              HasSubstr("modelwatch_maintenance_seconds_since_success{task=\"retention\"} 3600"));
  clock_.Set(At("2026-12-08T02:00:00Z"));
  s->RunDue(clock_.NowMillis());  // check-performance, then retention: each takes a second
  clock_.Set(At("2026-12-08T02:10:00Z"));
  s->RunDue(clock_.NowMillis());
  const std::string after = metrics_->Serialize();
  EXPECT_THAT(after,
              HasSubstr("modelwatch_maintenance_seconds_since_success{task=\"retention\"} 598\n"));
  EXPECT_THAT(after, ::testing::Not(HasSubstr("seconds_since_success{task=\"cleanup-logs\"}")));
}

TEST_F(SchedulerTest, TasksThisBuildLacksAreDroppedAndATaskRunningByHandIsSkipped) {
  auto resolved =
      maintenance::ResolveSchedules({{{"daily", "0 2 * * *", {"cleanup-logs", "retention"}}}, {}});
  ASSERT_TRUE(resolved.has_value());
  clock_.Set(At("2026-12-07T01:00:00Z"));
  maintenance::Scheduler s(*runner_, clock_, std::move(*resolved), logger_, nullptr);
  ASSERT_EQ(s.tasks().size(), 1u);
  EXPECT_EQ(s.tasks()[0].task, "retention");
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  tasks_["retention"]->body = [&](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    entered.set_value();
    released.wait();
    return maintenance::TaskOutcome{};
  };
  maintenance::NoProgress progress;
  std::thread by_hand([&] { (void)runner_->Run("retention", false, "cli", progress); });
  entered.get_future().wait();
  EXPECT_TRUE(s.RunDue(At("2026-12-07T02:00:00Z")).empty());
  EXPECT_EQ(s.NextRun("retention"), At("2026-12-08T02:00:00Z"));
  release.set_value();
  by_hand.join();
}

TEST_F(SchedulerTest, TheThreadRunsDueTasksAndStopsPromptly) {
  auto s = Make("2026-12-07T01:59:59.500Z");
  s->Start();
  clock_.Set(At("2026-12-07T02:00:00Z"));
  for (int i = 0; i < 400 && tasks_["health-check"]->calls().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto started = std::chrono::steady_clock::now();
  s->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_EQ(tasks_["retention"]->calls().size(), 1u);
}

}  // namespace
}  // namespace mw::testing
