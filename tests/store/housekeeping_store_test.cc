// SqliteStore: snapshot retention, vacuum and online backup (sqlite_store_housekeeping.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "sqlite/handle.h"
#include "sqlite/maintenance.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using HousekeepingStoreTest = StoreTest;

store::EvaluationSnapshot Snapshot(int64_t at_ms, std::string payload = "{}") {
  store::EvaluationSnapshot s;
  s.evaluated_at_ms = at_ms;
  s.model = "demand";
  s.kind = "performance";
  s.payload_json = std::move(payload);
  return s;
}

int64_t CountSnapshots(store::Store& store) {
  store::SnapshotQuery q;
  q.model = "demand";
  q.limit = 1'000'000;
  auto got = store.QuerySnapshots(q);
  EXPECT_TRUE(got.has_value());
  return got.has_value() ? static_cast<int64_t>(got->size()) : -1;
}

int64_t QueryOne(const std::string& path, const std::string& sql) {
  auto db = sqlite::Db::Open(path, SQLITE_OPEN_READONLY);
  EXPECT_TRUE(db.has_value());
  if (!db) return -1;
  auto v = db->QueryInt(sql);
  EXPECT_TRUE(v.has_value());
  return v.has_value() ? v->value_or(-1) : -1;
}

TEST_F(HousekeepingStoreTest, SnapshotRetentionKeepsTheCutoffAndDeletesOneMillisecondBefore) {
  const int64_t cutoff = 1'700'000'000'000;
  ASSERT_TRUE(
      store_->AppendSnapshots({Snapshot(cutoff - 1), Snapshot(cutoff), Snapshot(cutoff + 1)}).ok());
  auto dry = store_->DeleteSnapshotsBefore(cutoff, /*dry_run=*/true);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(*dry, 1);
  EXPECT_EQ(CountSnapshots(*store_), 3);  // the dry run changed nothing
  auto done = store_->DeleteSnapshotsBefore(cutoff, false);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(*done, 1);
  store::SnapshotQuery q;
  q.model = "demand";
  auto left = store_->QuerySnapshots(q);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->at(0).evaluated_at_ms, cutoff + 1);
  EXPECT_EQ(left->at(1).evaluated_at_ms, cutoff);
}

TEST_F(HousekeepingStoreTest, SnapshotRetentionDeletesInChunksWhateverTheOrder) {
  // More rows than one chunk, old and new interleaved in seq order.
  std::vector<store::EvaluationSnapshot> batch;
  for (int i = 0; i < 4500; ++i) batch.push_back(Snapshot(i % 3 == 0 ? 1000 + i : 10'000'000 + i));
  ASSERT_TRUE(store_->AppendSnapshots(batch).ok());
  auto done = store_->DeleteSnapshotsBefore(10'000'000, false);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(*done, 1500);
  EXPECT_EQ(CountSnapshots(*store_), 3000);
  auto again = store_->DeleteSnapshotsBefore(10'000'000, false);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
}

TEST_F(HousekeepingStoreTest, NewDatabasesVacuumIncrementallyAndShrink) {
  EXPECT_EQ(QueryOne(dir_.File("store.db"), "PRAGMA auto_vacuum"), sqlite::kAutoVacuumIncremental);
  std::vector<store::EvaluationSnapshot> batch;
  for (int i = 0; i < 2000; ++i) batch.push_back(Snapshot(1000 + i, std::string(2000, 'x')));
  ASSERT_TRUE(store_->AppendSnapshots(batch).ok());
  auto deleted = store_->DeleteSnapshotsBefore(1'000'000, false);
  ASSERT_TRUE(deleted.has_value());
  ASSERT_EQ(*deleted, 2000);
  store_->Close();  // the checkpoint at close puts every page in the main file
  Reopen();
  EXPECT_GT(QueryOne(dir_.File("store.db"), "PRAGMA freelist_count"), 500);
  auto vacuum = store_->Vacuum();
  ASSERT_TRUE(vacuum.has_value()) << vacuum.error().ToString();
  EXPECT_TRUE(vacuum->incremental);
  EXPECT_GT(vacuum->bytes_before, 0);
  store_->Close();
  Reopen();
  EXPECT_EQ(QueryOne(dir_.File("store.db"), "PRAGMA freelist_count"), 0);
  EXPECT_LT(static_cast<int64_t>(std::filesystem::file_size(dir_.File("store.db"))),
            vacuum->bytes_before - 2'000'000);
}

TEST_F(HousekeepingStoreTest, AnOldDatabaseGetsOneFullVacuumThatSwitchesItToIncremental) {
  store_.reset();
  const std::string path = dir_.File("old.db");
  {
    // A database created before auto_vacuum was set at creation: a table exists already.
    auto db = sqlite::Db::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->Exec("CREATE TABLE legacy (x)").ok());
  }
  auto options = Options();
  options.path = path;
  OpenWith(options);
  EXPECT_EQ(QueryOne(path, "PRAGMA auto_vacuum"), 0);
  ASSERT_TRUE(store_->AppendSnapshots({Snapshot(5, std::string(5000, 'y'))}).ok());
  auto first = store_->Vacuum();
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_FALSE(first->incremental);
  EXPECT_EQ(CountSnapshots(*store_), 1);  // a rebuild keeps every row
  auto second = store_->Vacuum();
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_TRUE(second->incremental);
  store_->Close();
  EXPECT_EQ(QueryOne(path, "PRAGMA auto_vacuum"), sqlite::kAutoVacuumIncremental);
}

TEST_F(HousekeepingStoreTest, BackupIsAConsistentSelfContainedCopyTakenDuringIngest) {
  std::vector<ingest::PredictionEvent> first;
  for (int i = 0; i < 500; ++i) first.push_back(Event("p" + std::to_string(i)));
  ASSERT_TRUE(Append(*store_, first).has_value());
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread ingest([&] {
    for (int i = 0; !stop.load() && i < 2000; ++i) {
      if (Append(*store_, {Event("live" + std::to_string(i))}).has_value()) ++appended;
    }
  });
  const std::string copy = dir_.File("copy.db");
  Status s = store_->BackupTo(copy);
  stop = true;
  ingest.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(copy + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
  {
    auto db = sqlite::Db::Open(copy, SQLITE_OPEN_READONLY);
    ASSERT_TRUE(db.has_value());
    auto check = sqlite::Stmt::Prepare(*db, "PRAGMA integrity_check", false);
    ASSERT_TRUE(check.has_value());
    auto check_row = check->Step();
    ASSERT_TRUE(check_row.has_value() && *check_row);
    EXPECT_EQ(check->ColumnText(0), "ok");
    auto mode = sqlite::Stmt::Prepare(*db, "PRAGMA journal_mode", false);
    ASSERT_TRUE(mode.has_value());
    auto mode_row = mode->Step();
    ASSERT_TRUE(mode_row.has_value() && *mode_row);
    EXPECT_EQ(mode->ColumnText(0), "delete");  // one self-contained file
  }
  const int64_t copied = QueryOne(copy, "SELECT count(*) FROM prediction_logs") +
                         QueryOne(copy, "SELECT count(*) FROM prediction_inbox");
  EXPECT_GE(copied, 500);
  EXPECT_LE(copied, 500 + appended.load());

  // Never over an existing file.
  Status again = store_->BackupTo(copy);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
}

TEST_F(HousekeepingStoreTest, ARestoredCopyOpensAsAStoreAndRebuildsItsIdFile) {
  std::vector<ingest::PredictionEvent> events;
  for (int i = 0; i < 50; ++i) events.push_back(Event("r" + std::to_string(i)));
  ASSERT_TRUE(Append(*store_, events).has_value());
  const std::string copy = dir_.File("restored.db");
  ASSERT_TRUE(store_->BackupTo(copy).ok());
  auto options = Options();
  options.path = copy;
  OpenWith(options);
  EXPECT_TRUE(store_->id_index_rebuilt());
  EXPECT_EQ(Rows("prediction_logs"), 50);
  ASSERT_TRUE(Get("r7").has_value());
  // The duplicate check works on the restored copy: the same event is a duplicate.
  auto dup = Append(*store_, {Event("r7")});
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->duplicates, 1);
}

}  // namespace
}  // namespace mw::testing
