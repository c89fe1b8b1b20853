// backup: a verified, rotated copy that restores to identical rows; damage is caught.
#include "maintenance/backup_task.h"

#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "housekeeping_test_util.h"
#include "maintenance/backup_manifest.h"
#include "maintenance/backup_restore.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

void AppendRows(store::Store& store, int n) {
  std::vector<ingest::PredictionEvent> events;
  for (int i = 0; i < n; ++i) {
    ingest::PredictionEvent e;
    e.id = "p" + std::to_string(i);
    e.model = "demand";
    e.timestamp_ms = 1'700'000'000'000 + i;
    e.features_json = R"({"x":)" + std::to_string(i) + "}";
    e.prediction = i * 0.5;
    e.content_hash = std::hash<std::string>{}(e.id) | 1;
    events.push_back(std::move(e));
  }
  std::promise<bool> done;
  store.AppendPredictions(std::move(events), [&](Result<store::PredictionBatchResult> r) {
    done.set_value(r.has_value());
  });
  ASSERT_TRUE(done.get_future().get());
}

std::vector<std::string> AllRows(store::Store& store) {
  store::PredictionQuery q;
  q.limit = 100000;
  auto rows = store.QueryPredictions(q);
  EXPECT_TRUE(rows.has_value());
  std::vector<std::string> out;
  if (!rows) return out;
  for (const auto& r : *rows) {
    out.push_back(r.id + "|" + r.model + "|" + std::to_string(r.created_at_ms) + "|" +
                  std::to_string(r.prediction) + "|" + r.features_json);
  }
  return out;
}

class BackupTaskTest : public HousekeepingTest {
 protected:
  BackupTaskOptions Options() {
    BackupTaskOptions o;
    o.backup_dir = (dir_ / "backups").string();
    o.keep = 2;
    o.models_dir = (dir_ / "models").string();
    return o;
  }
  void SetUp() override {
    HousekeepingTest::SetUp();
    fs::create_directories(dir_ / "models" / "demand" / "v1");
    std::ofstream(dir_ / "models" / "demand" / "v1" / "metadata.json") << R"({"version":"v1"})";
  }
};

TEST(BackupNamesTest, NamesSortByTimeAndRotationKeepsTheNewest) {
  EXPECT_EQ(BackupDirName(1'765'000'000'000), "modelwatch-20251206T054640Z");
  EXPECT_EQ(BackupsToRotate(
                {"modelwatch-20251203T000000Z", "modelwatch-20251201T000000Z",
                 "modelwatch-20251204T000000Z.partial", "other", "modelwatch-20251202T000000Z"},
                2),
            (std::vector<std::string>{"modelwatch-20251201T000000Z"}));
  EXPECT_TRUE(BackupsToRotate({"modelwatch-20251201T000000Z"}, 1).empty());
}

TEST_F(BackupTaskTest, BackupVerifiesAndRestoresToIdenticalRows) {
  AppendRows(*store_, 300);
  BackupTask task(*store_, Options());
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  const fs::path backup = dir_ / "backups" / BackupDirName(clock_.NowMillis());
  ASSERT_TRUE(fs::is_directory(backup)) << done->message;
  EXPECT_TRUE(fs::exists(backup / "models" / "demand" / "v1" / "metadata.json"));
  auto manifest = VerifyBackup(backup);
  ASSERT_TRUE(manifest.has_value()) << manifest.error().ToString();
  EXPECT_EQ(manifest->prediction_rows, 300);
  EXPECT_GE(manifest->schema_version, 4);
  EXPECT_EQ(done->items, static_cast<int64_t>(manifest->files.size()));

  // Restore: the copy opened as the store of another data directory holds the same rows.
  const std::vector<std::string> before = AllRows(*store_);
  fs::create_directories(dir_ / "restored");
  fs::copy_file(backup / "modelwatch.db", dir_ / "restored" / "modelwatch.db");
  store::SqliteStoreOptions o;
  o.path = (dir_ / "restored" / "modelwatch.db").string();
  auto restored = store::SqliteStore::Open(o);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_EQ(AllRows(**restored), before);
  EXPECT_EQ(before.size(), 300u);
}

TEST_F(BackupTaskTest, RotationKeepsTheNewestAndADryRunWritesNothing) {
  BackupTask task(*store_, Options());
  for (int i = 0; i < 3; ++i) {
    auto ctx = Context(false);
    auto done = task.Run(ctx);
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
    clock_.Advance(3600 * 1000);
  }
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "backups"))
      out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{BackupDirName(clock_.NowMillis() - 2 * 3600000),
                                               BackupDirName(clock_.NowMillis() - 3600000)}));
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(names().size(), 2u);  // nothing written, nothing removed
}

TEST_F(BackupTaskTest, VerificationCatchesAFlippedByte) {
  AppendRows(*store_, 50);
  BackupTask task(*store_, Options());
  auto ctx = Context(false);
  ASSERT_TRUE(task.Run(ctx).has_value());
  const fs::path backup = dir_ / "backups" / BackupDirName(clock_.NowMillis());
  {
    std::fstream f(backup / "modelwatch.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x5a');
  }
  auto verified = VerifyBackup(backup);
  ASSERT_FALSE(verified.has_value());
  EXPECT_NE(verified.error().message().find("SHA-256"), std::string::npos)
      << verified.error().ToString();
}

TEST_F(BackupTaskTest, RefusesWhenTheDiskCannotHoldIt) {
  auto o = Options();
  o.min_free_bytes = int64_t{1} << 62;
  BackupTask task(*store_, o);
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(dir_ / "backups" / BackupDirName(clock_.NowMillis())));
}

TEST_F(BackupTaskTest, RestoreMovesTheCurrentFilesAsideAndBringsBackIdenticalRows) {
  AppendRows(*store_, 120);
  BackupTask task(*store_, Options());
  auto ctx = Context(false);
  ASSERT_TRUE(task.Run(ctx).has_value());
  const fs::path backup = dir_ / "backups" / BackupDirName(clock_.NowMillis());
  const std::vector<std::string> at_backup = AllRows(*store_);
  // The data directory moves on after the backup: a different store with other rows.
  const fs::path data = dir_ / "data";
  fs::create_directories(data);
  {
    store::SqliteStoreOptions o;
    o.path = (data / "modelwatch.db").string();
    auto later = store::SqliteStore::Open(o);
    ASSERT_TRUE(later.has_value());
    AppendRows(**later, 7);
  }
  auto done = RestoreBackup(backup, data, ".before-restore-X");
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_TRUE(fs::exists(data / "modelwatch.db.before-restore-X"));
  EXPECT_TRUE(fs::exists(data / "modelwatch.db-ids.before-restore-X"));
  EXPECT_FALSE(fs::exists(data / "modelwatch.db-ids"));
  store::SqliteStoreOptions o;
  o.path = (data / "modelwatch.db").string();
  auto restored = store::SqliteStore::Open(o);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_TRUE((*restored)->id_index_rebuilt());
  EXPECT_EQ(AllRows(**restored), at_backup);
}

TEST_F(BackupTaskTest, RestoreOfADamagedBackupTouchesNothing) {
  AppendRows(*store_, 20);
  BackupTask task(*store_, Options());
  auto ctx = Context(false);
  ASSERT_TRUE(task.Run(ctx).has_value());
  const fs::path backup = dir_ / "backups" / BackupDirName(clock_.NowMillis());
  fs::remove(backup / "models" / "demand" / "v1" / "metadata.json");  // listed, now missing
  const fs::path data = dir_ / "data";
  fs::create_directories(data);
  std::ofstream(data / "modelwatch.db") << "current";
  auto done = RestoreBackup(backup, data, ".aside");
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message().find("missing"), std::string::npos) << done.error().ToString();
  EXPECT_TRUE(fs::exists(data / "modelwatch.db"));
  EXPECT_FALSE(fs::exists(data / "modelwatch.db.aside"));
}

}  // namespace
}  // namespace mw::maintenance
