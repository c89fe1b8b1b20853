// vacuum: the dry run reports, the real run gives pages back, for the store and a side database.
#include "maintenance/vacuum_task.h"

#include <gtest/gtest.h>

#include "housekeeping_test_util.h"
#include "sqlite/handle.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

store::EvaluationSnapshot BigSnapshot(int64_t at) {
  store::EvaluationSnapshot s;
  s.evaluated_at_ms = at;
  s.model = "demand";
  s.kind = "performance";
  s.payload_json = "\"" + std::string(2000, 'p') + "\"";
  return s;
}

TEST_F(HousekeepingTest, VacuumReportsInADryRunAndReclaimsForReal) {
  std::vector<store::EvaluationSnapshot> batch;
  for (int i = 0; i < 800; ++i) batch.push_back(BigSnapshot(1000 + i));
  ASSERT_TRUE(store_->AppendSnapshots(batch).ok());
  ASSERT_EQ(*store_->DeleteSnapshotsBefore(1'000'000, false), 800);
  OpenStore();  // the close checkpoints: the free pages are in the main file
  // A side database (as alerts.db) created without incremental auto-vacuum, with free pages.
  const std::string side = (dir_ / "alerts.db").string();
  {
    auto db = sqlite::Db::Open(side, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->Exec("PRAGMA journal_mode=WAL; CREATE TABLE h (x);"
                         " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                         " WHERE i < 500) INSERT INTO h SELECT randomblob(2000) FROM n;"
                         " DELETE FROM h; PRAGMA wal_checkpoint(TRUNCATE);")
                    .ok());
  }
  const std::string path = (dir_ / "modelwatch.db").string();
  VacuumTask task(*store_, {path, side, (dir_ / "outbox.db").string()});
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);  // outbox.db does not exist: skipped
  EXPECT_GT(dry->bytes, 2'500'000) << dry->message;
  EXPECT_NE(dry->message.find("alerts.db"), std::string::npos) << dry->message;
  const auto store_size = fs::file_size(path);
  const auto side_size = fs::file_size(side);
  EXPECT_EQ(fs::file_size(path), store_size);  // the dry run changed nothing
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->items, 2);
  EXPECT_GT(done->bytes, 2'000'000) << done->message;
  EXPECT_LT(fs::file_size(side), side_size / 4);
  // The side database is incremental from now on.
  auto db = sqlite::Db::Open(side, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->QueryInt("PRAGMA auto_vacuum")->value_or(0), 2);
}

}  // namespace
}  // namespace mw::maintenance
