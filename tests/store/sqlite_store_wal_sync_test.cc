// SqliteStore's durability mechanics (see sqlite_store.h): with synchronous_full the writer
// fdatasyncs the WAL itself before any completion runs, a failed fdatasync fails the group and
// every later write, and preallocate_wal extends the WAL file without touching its frames.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;

// The hook is a plain function pointer, so the fake keeps its state in globals.
std::atomic<int> g_wal_syncs{0};
std::atomic<bool> g_fail_wal_syncs{false};

int FakeWalFdatasync(int /*fd*/) {
  if (g_fail_wal_syncs) {
    errno = EIO;
    return -1;
  }
  ++g_wal_syncs;
  return 0;
}

// Matches SqliteStore::kWriterCheckpointFrames + 2 * kBackgroundCheckpointFrames (private):
// the WAL file's length after preallocation, in frames of a 4 KiB page plus a 24-byte header.
constexpr int64_t kPreallocatedWalFrames = 8000 + 2 * 250;
constexpr int64_t kPreallocatedWalBytes = 32 + kPreallocatedWalFrames * (4096 + 24);

registry::ModelInfo Model(std::string name) {
  registry::ModelInfo model;
  model.name = std::move(name);
  return model;
}

class SqliteStoreWalSyncTest : public StoreTest {
 protected:
  void SetUp() override {
    g_wal_syncs = 0;
    g_fail_wal_syncs = false;
    StoreTest::SetUp();
  }
  void TearDown() override { g_fail_wal_syncs = false; }

  store::SqliteStoreOptions Options() override {
    store::SqliteStoreOptions options = StoreTest::Options();
    options.wal_fdatasync = &FakeWalFdatasync;
    options.preallocate_wal = preallocate_;
    return options;
  }

  std::string WalPath() const { return dir_.File("store.db") + "-wal"; }

  bool preallocate_ = false;
};

TEST_F(SqliteStoreWalSyncTest, EveryAcknowledgedWriteWasSyncedBeforeItsAnswer) {
  for (int i = 0; i < 5; ++i) {
    const int before = g_wal_syncs;
    ASSERT_TRUE(Append(*store_, {Event("p" + std::to_string(i))}).has_value());
    EXPECT_GT(g_wal_syncs, before) << "append " << i << " was answered without an fdatasync";
  }
  int before = g_wal_syncs;
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p0", 2.0)}).has_value());
  EXPECT_GT(g_wal_syncs, before);
  before = g_wal_syncs;
  ASSERT_TRUE(store_->UpsertModel(Model("demand")).ok());
  EXPECT_GT(g_wal_syncs, before);
}

TEST_F(SqliteStoreWalSyncTest, SynchronousNormalNeverSyncs) {
  store::SqliteStoreOptions options = Options();
  options.synchronous_full = false;
  OpenWith(options);
  g_wal_syncs = 0;
  ASSERT_TRUE(Append(*store_, {Event("a")}).has_value());
  ASSERT_TRUE(store_->UpsertModel(Model("demand")).ok());
  EXPECT_EQ(g_wal_syncs, 0);
}

TEST_F(SqliteStoreWalSyncTest, AFailedSyncFailsTheGroupAndEveryLaterWrite) {
  ASSERT_TRUE(Append(*store_, {Event("kept")}).has_value());
  ASSERT_TRUE(store_->Ping().ok());

  g_fail_wal_syncs = true;
  auto failed = Append(*store_, {Event("unsynced")});
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.error().message().find("fdatasync of the WAL failed"), std::string::npos)
      << failed.error().message();

  // The disk may have dropped the pages: nothing more is accepted, even once syncs work again.
  g_fail_wal_syncs = false;
  auto later = Append(*store_, {Event("later")});
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(later.error().message().find("restart the server"), std::string::npos);
  auto actual = AppendActuals(*store_, {Actual("kept", 1.0)});
  ASSERT_FALSE(actual.has_value());
  EXPECT_EQ(actual.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->UpsertModel(Model("other")).code(), StatusCode::kUnavailable);
  const Status ping = store_->Ping();
  EXPECT_EQ(ping.code(), StatusCode::kUnavailable);

  // What was acknowledged before is still served.
  EXPECT_TRUE(Get("kept").has_value());
  EXPECT_FALSE(Get("later").has_value());

  // Reopening clears the latch.
  Reopen();
  EXPECT_TRUE(store_->Ping().ok());
  EXPECT_TRUE(Append(*store_, {Event("after-restart")}).has_value());
}

TEST_F(SqliteStoreWalSyncTest, OpenPreallocatesTheWalOnlyWhenAsked) {
  EXPECT_LT(fs::file_size(WalPath()), 1u << 20);
  preallocate_ = true;
  Reopen();
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(WalPath())), kPreallocatedWalBytes);
  ASSERT_TRUE(Append(*store_, {Event("a"), Event("b")}).has_value());
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(WalPath())), kPreallocatedWalBytes);
  Reopen();
  EXPECT_TRUE(Get("a").has_value());
  EXPECT_TRUE(Get("b").has_value());
}

// Issue 17, defect 6: with too little room for the preallocation, Open failed (the server exited
// 1) and left the partial WAL behind, so every later start failed the same way.
TEST_F(SqliteStoreWalSyncTest, APreallocationThatCannotBeWrittenIsCutBackAndTheStoreOpens) {
  const auto before = static_cast<int64_t>(fs::file_size(WalPath()));
  std::vector<std::string> warnings;
  store::SqliteStoreOptions options = Options();
  options.preallocate_wal = true;
  options.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
  constexpr rlim_t kLimit = 4 << 20;  // room for the database, not for the 33 MiB WAL
  {
    FileSizeLimit limit(kLimit);
    store_.reset();  // closing truncates the WAL
    auto store = store::SqliteStore::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("WAL not preallocated: cannot extend"), std::string::npos)
        << warnings[0];
    // Not the partial zeros up to the limit: the length the file had before the attempt.
    const auto after = static_cast<int64_t>(fs::file_size(WalPath()));
    EXPECT_LT(after, static_cast<int64_t>(kLimit));
    EXPECT_LE(after, std::max<int64_t>(before, 1 << 20));
    // And the store works without it.
    ASSERT_TRUE(Append(*store_, {Event("small-disk")}).has_value());
  }
  // A later start with room preallocates as usual.
  warnings.clear();
  OpenWith(options);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(WalPath())), kPreallocatedWalBytes);
  EXPECT_TRUE(Get("small-disk").has_value());
}

TEST_F(SqliteStoreWalSyncTest, PreallocationIsSkippedWhenItWouldLeaveTooLittleFreeSpace) {
  std::vector<std::string> warnings;
  store::SqliteStoreOptions options = Options();
  options.preallocate_wal = true;
  options.preallocate_min_free_bytes = int64_t{1} << 60;  // more than any disk here has
  options.warn = [&warnings](const std::string& w) { warnings.push_back(w); };
  OpenWith(options);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("bytes free on the disk of"), std::string::npos) << warnings[0];
  EXPECT_LT(fs::file_size(WalPath()), 1u << 20);
  ASSERT_TRUE(Append(*store_, {Event("a")}).has_value());
}

// Copies the database and its WAL while the store is open, as a crash would leave them (no
// checkpoint, no -shm), and opens the copy.
TEST_F(SqliteStoreWalSyncTest, PreallocationKeepsTheFramesACrashLeftBehind) {
  preallocate_ = true;
  Reopen();
  std::vector<ingest::PredictionEvent> events;
  for (int i = 0; i < 300; ++i) events.push_back(Event("crash-" + std::to_string(i)));
  ASSERT_TRUE(Append(*store_, events).has_value());  // a large group: prediction_logs
  ASSERT_TRUE(Append(*store_, {Event("in-inbox")}).has_value());

  TempDir crashed;
  fs::copy_file(dir_.File("store.db"), crashed.File("store.db"));
  fs::copy_file(WalPath(), crashed.File("store.db-wal"));
  ASSERT_EQ(static_cast<int64_t>(fs::file_size(crashed.File("store.db-wal"))),
            kPreallocatedWalBytes);  // the frames, then zeros

  for (int round = 0; round < 2; ++round) {  // the second open finds its own preallocated WAL
    store::SqliteStoreOptions options = Options();
    options.path = crashed.File("store.db");
    auto reopened = store::SqliteStore::Open(options);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
    for (const std::string id : {"crash-0", "crash-299", "in-inbox"}) {
      auto row = (*reopened)->GetPrediction(id);
      EXPECT_TRUE(row.has_value())
          << id << " lost in round " << round << ": " << row.error().ToString();
    }
    auto stats = (*reopened)->Stats();
    ASSERT_TRUE(stats.has_value());
    EXPECT_EQ(stats->table_rows["prediction_logs"], 301);
    if (round == 0) {
      // Crash again, this time after the preallocation and the open's own commits.
      TempDir again;
      fs::copy_file(crashed.File("store.db"), again.File("store.db"));
      fs::copy_file(crashed.File("store.db-wal"), again.File("store.db-wal"));
      (*reopened)->Close();
      fs::copy_file(again.File("store.db"), crashed.File("store.db"),
                    fs::copy_options::overwrite_existing);
      fs::copy_file(again.File("store.db-wal"), crashed.File("store.db-wal"),
                    fs::copy_options::overwrite_existing);
      fs::remove(crashed.File("store.db-shm"));
    }
  }
}

}  // namespace
}  // namespace mw::testing
