// SqliteStore: maintenance runs (Begin, Finish, List; abandoned runs after a crash).
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

store::MaintenanceRunQuery Query(std::optional<std::string> task, std::optional<std::string> status,
                                 int64_t limit = 100) {
  store::MaintenanceRunQuery q;
  q.task = std::move(task);
  q.status = std::move(status);
  q.limit = limit;
  return q;
}

using MaintenanceRunsTest = StoreTest;

store::MaintenanceRun Running(std::string task, int64_t started_ms, std::string trigger = "cli") {
  store::MaintenanceRun r;
  r.task = std::move(task);
  r.trigger = std::move(trigger);
  r.started_at_ms = started_ms;
  r.status = "running";
  return r;
}

TEST_F(MaintenanceRunsTest, BeginFinishAndListRoundTripAndSurviveReopen) {
  auto id = store_->BeginMaintenanceRun(Running("vacuum", 1000, "schedule"));
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_GT(*id, 0);
  store::MaintenanceRun done = Running("vacuum", 1000, "schedule");
  done.id = *id;
  done.status = "succeeded";
  done.finished_at_ms = 4500;
  done.items = 3;
  done.bytes = 1 << 20;
  done.message = "reclaimed 1 MiB";
  ASSERT_TRUE(store_->FinishMaintenanceRun(done).ok());
  Reopen();
  auto runs = store_->ListMaintenanceRuns(store::MaintenanceRunQuery{});
  ASSERT_TRUE(runs.has_value()) << runs.error().ToString();
  ASSERT_EQ(runs->size(), 1u);
  const store::MaintenanceRun& r = (*runs)[0];
  EXPECT_EQ(r.id, *id);
  EXPECT_EQ(r.task, "vacuum");
  EXPECT_EQ(r.trigger, "schedule");
  EXPECT_FALSE(r.dry_run);
  EXPECT_EQ(r.started_at_ms, 1000);
  EXPECT_EQ(r.finished_at_ms, 4500);
  EXPECT_EQ(r.status, "succeeded");
  EXPECT_EQ(r.items, 3);
  EXPECT_EQ(r.bytes, 1 << 20);
  EXPECT_EQ(r.message, "reclaimed 1 MiB");
}

TEST_F(MaintenanceRunsTest, ARunningRowHasNoFinishTimeAndDryRunIsKept) {
  auto run = Running("retention", 0);
  run.dry_run = true;
  auto id = store_->BeginMaintenanceRun(run);
  ASSERT_TRUE(id.has_value());
  auto runs = store_->ListMaintenanceRuns(store::MaintenanceRunQuery{});
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, "running");
  EXPECT_FALSE((*runs)[0].finished_at_ms.has_value());
  EXPECT_TRUE((*runs)[0].dry_run);
  EXPECT_EQ((*runs)[0].started_at_ms, clock_.NowMillis());  // 0 = the store's clock
}

TEST_F(MaintenanceRunsTest, BeginMarksEarlierRunningRowsOfTheSameTaskAbandoned) {
  auto first = store_->BeginMaintenanceRun(Running("backup", 1000));
  auto other = store_->BeginMaintenanceRun(Running("vacuum", 1500));
  ASSERT_TRUE(first.has_value() && other.has_value());
  Reopen();  // the process died during both runs
  auto second = store_->BeginMaintenanceRun(Running("backup", 9000));
  ASSERT_TRUE(second.has_value());
  auto backups = store_->ListMaintenanceRuns(Query("backup", std::nullopt));
  ASSERT_TRUE(backups.has_value());
  ASSERT_EQ(backups->size(), 2u);
  EXPECT_EQ((*backups)[0].id, *second);
  EXPECT_EQ((*backups)[0].status, "running");
  EXPECT_EQ((*backups)[1].id, *first);
  EXPECT_EQ((*backups)[1].status, "abandoned");
  EXPECT_EQ((*backups)[1].finished_at_ms, 9000);
  EXPECT_EQ((*backups)[1].message, "the process stopped during this run");
  // Another task's running row is left alone until that task begins again.
  auto vacuums = store_->ListMaintenanceRuns(Query("vacuum", std::nullopt));
  ASSERT_TRUE(vacuums.has_value());
  ASSERT_EQ(vacuums->size(), 1u);
  EXPECT_EQ((*vacuums)[0].status, "running");
}

TEST_F(MaintenanceRunsTest, ListFiltersByTaskAndStatusNewestFirstWithLimit) {
  const char* statuses[] = {"succeeded", "failed", "succeeded", "refused", "succeeded"};
  for (int i = 0; i < 5; ++i) {
    auto id = store_->BeginMaintenanceRun(Running(i % 2 == 0 ? "vacuum" : "backup", 100 * (i + 1)));
    ASSERT_TRUE(id.has_value());
    store::MaintenanceRun done = Running("x", 100 * (i + 1));
    done.id = *id;
    done.status = statuses[i];
    done.finished_at_ms = 100 * (i + 1) + 50;
    ASSERT_TRUE(store_->FinishMaintenanceRun(done).ok());
  }
  auto all = store_->ListMaintenanceRuns(store::MaintenanceRunQuery{});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].started_at_ms, 500);
  EXPECT_EQ((*all)[4].started_at_ms, 100);
  auto vacuum_ok = store_->ListMaintenanceRuns(Query("vacuum", "succeeded"));
  ASSERT_TRUE(vacuum_ok.has_value());
  ASSERT_EQ(vacuum_ok->size(), 3u);
  EXPECT_EQ((*vacuum_ok)[0].started_at_ms, 500);
  auto limited = store_->ListMaintenanceRuns(Query("vacuum", std::nullopt, 1));
  ASSERT_TRUE(limited.has_value());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].started_at_ms, 500);
  auto failed = store_->ListMaintenanceRuns(Query(std::nullopt, "failed"));
  ASSERT_TRUE(failed.has_value());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].task, "backup");
  EXPECT_FALSE(store_->ListMaintenanceRuns(Query(std::nullopt, std::nullopt, 0)).has_value());
  store::MaintenanceRunQuery by_id;
  by_id.id = (*all)[2].id;
  auto one = store_->ListMaintenanceRuns(by_id);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].started_at_ms, 300);
}

TEST_F(MaintenanceRunsTest, FinishRejectsUnknownIdsAndNonFinalStatuses) {
  store::MaintenanceRun done = Running("vacuum", 1);
  done.id = 999;
  done.status = "succeeded";
  auto missing = store_->FinishMaintenanceRun(done);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  done.status = "running";
  EXPECT_EQ(store_->FinishMaintenanceRun(done).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->BeginMaintenanceRun(Running("", 1)).error().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw::testing
