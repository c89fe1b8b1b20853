// Runner: status mapping, recording, one run of a task at a time, metrics, progress, batches.
#include "maintenance/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "maintenance/maintenance_metrics.h"
#include "maintenance_test_util.h"
#include "telemetry/metrics.h"

namespace mw::testing {
namespace {

using ::testing::HasSubstr;

telemetry::MetricsOptions NoSystem() {
  telemetry::MetricsOptions o;
  o.system_metrics = false;
  return o;
}

class RunnerTest : public MaintenanceStoreFixture {
 protected:
  void SetUp() override {
    MaintenanceStoreFixture::SetUp();
    MakeRunner();
  }
  void MakeRunner() {
    runner_.reset();
    metrics_ = std::make_unique<telemetry::Metrics>(NoSystem());
    mmetrics_ = std::make_unique<maintenance::MaintenanceMetrics>(metrics_->registry());
    runner_ = std::make_unique<maintenance::Runner>(*store_, clock_, logger_, mmetrics_.get());
    auto vacuum = std::make_unique<RecordingTask>("vacuum");
    auto backup = std::make_unique<RecordingTask>("backup");
    vacuum_ = vacuum.get();
    backup_ = backup.get();
    runner_->Add(std::move(vacuum));
    runner_->Add(std::move(backup));
  }
  std::vector<store::MaintenanceRun> Runs(std::string task = "") {
    store::MaintenanceRunQuery q;
    if (!task.empty()) q.task = task;
    auto runs = store_->ListMaintenanceRuns(q);
    EXPECT_TRUE(runs.has_value());
    return runs.has_value() ? *runs : std::vector<store::MaintenanceRun>{};
  }
  std::string Exposition() { return metrics_->Serialize(); }

  std::unique_ptr<telemetry::Metrics> metrics_;
  std::unique_ptr<maintenance::MaintenanceMetrics> mmetrics_;
  std::unique_ptr<maintenance::Runner> runner_;
  RecordingTask* vacuum_ = nullptr;
  RecordingTask* backup_ = nullptr;
  maintenance::NoProgress progress_;
};

TEST_F(RunnerTest, ASucceededRunIsRecordedCountedAndSetsLastSuccess) {
  vacuum_->body = [this](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    clock_.Advance(2500);
    return maintenance::TaskOutcome{3, 4096, "reclaimed 4 KiB"};
  };
  const int64_t start = clock_.NowMillis();
  auto run = runner_->Run("vacuum", false, "cli", progress_);
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_EQ(run->items, 3);
  EXPECT_EQ(run->bytes, 4096);
  EXPECT_EQ(run->started_at_ms, start);
  EXPECT_EQ(run->finished_at_ms, start + 2500);
  auto stored = Runs();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, run->id);
  EXPECT_EQ(stored[0].status, "succeeded");
  EXPECT_EQ(stored[0].message, "reclaimed 4 KiB");
  EXPECT_EQ(stored[0].trigger, "cli");
  const std::string text = Exposition();
  EXPECT_THAT(
      text, HasSubstr("modelwatch_maintenance_runs_total{status=\"succeeded\",task=\"vacuum\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("modelwatch_maintenance_last_success_timestamp_seconds{task=\"vacuum\"} " +
                        std::to_string((start + 2500) / 1000)));
  EXPECT_THAT(text,
              HasSubstr("modelwatch_maintenance_last_run_duration_seconds{task=\"vacuum\"} 2.5"));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_last_run_failed{task=\"vacuum\"} 0"));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_running{task=\"vacuum\"} 0"));
}

TEST_F(RunnerTest, MapsPreconditionToRefusedAndOtherErrorsAndExceptionsToFailed) {
  vacuum_->body = [](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    return FailedPrecondition("archive directory /x is not writable");
  };
  backup_->body = [](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    return Unavailable("disk full");
  };
  auto refused = runner_->Run("vacuum", false, "cli", progress_);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, "refused");
  EXPECT_EQ(refused->message, "archive directory /x is not writable");
  auto failed = runner_->Run("backup", false, "cli", progress_);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->message, "disk full");
  backup_->body = [](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    throw std::runtime_error("boom");
  };
  auto thrown = runner_->Run("backup", false, "cli", progress_);
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ(thrown->status, "failed");
  EXPECT_THAT(thrown->message, HasSubstr("boom"));
  EXPECT_EQ(Runs("backup")[0].status, "failed");
  const std::string text = Exposition();
  EXPECT_THAT(text,
              HasSubstr("modelwatch_maintenance_runs_total{status=\"failed\",task=\"backup\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("modelwatch_maintenance_runs_total{status=\"refused\",task=\"vacuum\"} 1"));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_last_run_failed{task=\"backup\"} 1"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("last_success_timestamp_seconds{task=\"backup\"}")));
  // A success afterwards clears the failure gauge.
  backup_->body = nullptr;
  ASSERT_TRUE(runner_->Run("backup", false, "cli", progress_).has_value());
  EXPECT_THAT(Exposition(), HasSubstr("modelwatch_maintenance_last_run_failed{task=\"backup\"} 0"));
}

TEST_F(RunnerTest, ADryRunCountsButNeverSetsLastSuccess) {
  auto run = runner_->Run("vacuum", true, "api", progress_);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, "succeeded");
  EXPECT_TRUE(run->dry_run);
  ASSERT_EQ(vacuum_->calls().size(), 1u);
  EXPECT_TRUE(vacuum_->calls()[0].dry_run);
  EXPECT_EQ(vacuum_->calls()[0].trigger, "api");
  EXPECT_TRUE(Runs()[0].dry_run);
  const std::string text = Exposition();
  EXPECT_THAT(
      text, HasSubstr("modelwatch_maintenance_runs_total{status=\"succeeded\",task=\"vacuum\"} 1"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("last_success_timestamp_seconds{task=\"vacuum\"}")));
}

TEST_F(RunnerTest, OneRunOfATaskAtATimeTheSecondCallerRecordsNothing) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  vacuum_->body = [&](maintenance::TaskContext& ctx) -> Result<maintenance::TaskOutcome> {
    ctx.progress.SetTotal(10);
    ctx.progress.Update(4, "demand 2026-09-01");
    entered.set_value();
    released.wait();
    return maintenance::TaskOutcome{};
  };
  std::thread first([&] { (void)runner_->Run("vacuum", false, "schedule", progress_); });
  entered.get_future().wait();
  auto current = runner_->Current("vacuum");
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->done, 4);
  EXPECT_EQ(current->total, 10);
  EXPECT_EQ(current->what, "demand 2026-09-01");
  EXPECT_EQ(current->trigger, "schedule");
  EXPECT_GT(current->run_id, 0);
  EXPECT_THAT(Exposition(), HasSubstr("modelwatch_maintenance_running{task=\"vacuum\"} 1"));

  auto second = runner_->Run("vacuum", false, "cli", progress_);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.error().message(), HasSubstr("already running since 2026-"));
  auto batch = runner_->Start({"backup", "vacuum"}, false, "api");
  ASSERT_FALSE(batch.has_value());  // all or nothing
  EXPECT_EQ(batch.error().code(), StatusCode::kFailedPrecondition);
  // Another task runs meanwhile.
  EXPECT_TRUE(runner_->Run("backup", false, "cli", progress_).has_value());
  release.set_value();
  first.join();
  EXPECT_EQ(Runs("vacuum").size(), 1u);
  EXPECT_EQ(vacuum_->calls().size(), 1u);
  EXPECT_FALSE(runner_->Current("vacuum").has_value());
  EXPECT_TRUE(runner_->Run("vacuum", false, "cli", progress_).has_value());  // free again
}

TEST_F(RunnerTest, ARunningRowLeftByADeadProcessIsAbandonedWhenTheTaskRunsAgain) {
  store::MaintenanceRun dead;
  dead.task = "vacuum";
  dead.trigger = "schedule";
  dead.started_at_ms = clock_.NowMillis() - 60'000;
  dead.status = "running";
  auto dead_id = store_->BeginMaintenanceRun(dead);
  ASSERT_TRUE(dead_id.has_value());
  auto run = runner_->Run("vacuum", false, "cli", progress_);
  ASSERT_TRUE(run.has_value());
  auto runs = Runs("vacuum");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].id, *dead_id);
  EXPECT_EQ(runs[1].status, "abandoned");
  EXPECT_EQ(runs[0].status, "succeeded");
}

TEST_F(RunnerTest, RunSetGoesOnAfterAFailureAndRejectsUnknownNamesFirst) {
  vacuum_->body = [](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    return Internal("broken");
  };
  auto runs = runner_->RunSet({"vacuum", "backup"}, false, "cli", progress_);
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].status, "failed");
  EXPECT_EQ((*runs)[1].status, "succeeded");
  auto unknown = runner_->RunSet({"backup", "vacum"}, false, "cli", progress_);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.error().message(),
              HasSubstr("unknown maintenance task \"vacum\" (known: vacuum, backup)"));
  EXPECT_EQ(backup_->calls().size(), 1u);  // nothing ran for the bad set
  EXPECT_EQ(runner_->Run("nope", false, "cli", progress_).error().code(), StatusCode::kNotFound);
}

TEST_F(RunnerTest, ABatchIsRecordedAtStartAndExecutedLater) {
  auto batch = runner_->Start({"backup", "vacuum"}, true, "api");
  ASSERT_TRUE(batch.has_value()) << batch.error().ToString();
  ASSERT_EQ((*batch)->runs().size(), 2u);
  auto running = Runs();
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0].status, "running");
  EXPECT_EQ(runner_->Run("backup", false, "cli", progress_).error().code(),
            StatusCode::kFailedPrecondition);
  auto done = runner_->Execute(**batch, progress_);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].task, "backup");
  EXPECT_EQ(done[0].id, (*batch)->runs()[0].id);
  for (const auto& r : Runs()) EXPECT_EQ(r.status, "succeeded");
  // A batch dropped before it ran is recorded abandoned and frees its tasks.
  auto dropped = runner_->Start({"vacuum"}, false, "api");
  ASSERT_TRUE(dropped.has_value());
  dropped->reset();
  EXPECT_EQ(Runs("vacuum")[0].status, "abandoned");
  EXPECT_TRUE(runner_->Run("vacuum", false, "cli", progress_).has_value());
}

TEST_F(RunnerTest, MetricsRestoreLastSuccessFromTheStoreAfterARestart) {
  ASSERT_TRUE(runner_->Run("vacuum", false, "cli", progress_).has_value());
  const int64_t ok_at = clock_.NowMillis();
  clock_.Advance(60'000);
  ASSERT_TRUE(runner_->Run("vacuum", true, "cli", progress_).has_value());  // dry: ignored
  backup_->body = [](maintenance::TaskContext&) -> Result<maintenance::TaskOutcome> {
    return Internal("broken");
  };
  ASSERT_TRUE(runner_->Run("backup", false, "cli", progress_).has_value());
  MakeRunner();  // a new process
  mmetrics_->Restore("vacuum", *store_);
  mmetrics_->Restore("backup", *store_);
  const std::string text = Exposition();
  EXPECT_THAT(text,
              HasSubstr("modelwatch_maintenance_last_success_timestamp_seconds{task=\"vacuum\"} " +
                        std::to_string(ok_at / 1000)));
  EXPECT_THAT(text, HasSubstr("modelwatch_maintenance_last_run_failed{task=\"backup\"} 1"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("last_success_timestamp_seconds{task=\"backup\"}")));
}

}  // namespace
}  // namespace mw::testing
