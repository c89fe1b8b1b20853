// SqliteStore::WriteHealth (issue 17, defect 5): once a write to the database fails, as on a full
// disk, the store says so until a write succeeds again, and while nobody writes it probes on its
// own. The disk is "full" through RLIMIT_FSIZE (FileSizeLimit): the WAL cannot grow.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;

class SqliteStoreWriteHealthTest : public StoreTest {
 protected:
  store::SqliteStoreOptions Options() override {
    store::SqliteStoreOptions options = StoreTest::Options();
    options.write_probe_interval = probe_interval_;
    return options;
  }

  std::string WalPath() const { return dir_.File("store.db") + "-wal"; }

  // A batch that needs new WAL pages (features of ~1 KiB each).
  static std::vector<ingest::PredictionEvent> Batch(const std::string& prefix, int n = 200) {
    std::vector<ingest::PredictionEvent> events;
    for (int i = 0; i < n; ++i) {
      ingest::PredictionEvent e = Event(prefix + std::to_string(i));
      e.features_json = R"({"x":")" + std::string(1000, 'a' + i % 26) + R"("})";
      events.push_back(std::move(e));
    }
    return events;
  }

  // Makes the next writes fail: no file may be written past the WAL's current length, so the
  // WAL cannot grow. (The limit holds for every file of the process: run the test with its
  // output on a pipe or a terminal, not appended to a long file.)
  std::unique_ptr<FileSizeLimit> FillDisk() {
    const auto wal = static_cast<rlim_t>(fs::file_size(WalPath()));
    EXPECT_GT(wal, 0u);
    return std::make_unique<FileSizeLimit>(wal);
  }

  std::chrono::milliseconds probe_interval_{std::chrono::hours(1)};  // no probes unless a test asks
};

TEST_F(SqliteStoreWriteHealthTest, AFailedWriteFailsWriteHealthUntilAWriteSucceeds) {
  ASSERT_TRUE(Append(*store_, {Event("before")}).has_value());
  EXPECT_TRUE(store_->WriteHealth().ok());

  auto full = FillDisk();
  auto failed = Append(*store_, Batch("full-"));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), StatusCode::kUnavailable);
  const Status health = store_->WriteHealth();
  EXPECT_EQ(health.code(), StatusCode::kUnavailable);
  EXPECT_NE(health.message().find("writes fail: "), std::string::npos) << health.message();
  // Reads still work: the database is there, it only cannot grow.
  EXPECT_TRUE(store_->Ping().ok());
  EXPECT_TRUE(Get("before").has_value());

  // A request that writes nothing (an idempotent retry) commits, but proves nothing.
  auto retry = Append(*store_, {Event("before")});
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_EQ(retry->duplicates, 1);
  EXPECT_FALSE(store_->WriteHealth().ok());

  full->Lift();                              // space again
  EXPECT_FALSE(store_->WriteHealth().ok());  // nothing has written yet
  ASSERT_TRUE(Append(*store_, Batch("after-")).has_value());
  EXPECT_TRUE(store_->WriteHealth().ok());
  EXPECT_FALSE(Get("full-0").has_value());  // the failed batch was not half stored
  EXPECT_TRUE(Get("after-199").has_value());
}

TEST_F(SqliteStoreWriteHealthTest, AFailedRegistryWriteCountsAndASuccessfulOneClears) {
  ASSERT_TRUE(Append(*store_, {Event("before")}).has_value());
  auto full = FillDisk();
  registry::ModelVersionInfo version = Version("demand", "", "v1");
  version.metadata_json = R"({"notes":")" + std::string(200000, 'n') + R"("})";
  EXPECT_EQ(store_->UpsertModelVersion(version).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(store_->WriteHealth().ok());
  full->Lift();
  ASSERT_TRUE(store_->UpsertModelVersion(version).ok());
  EXPECT_TRUE(store_->WriteHealth().ok());
}

TEST_F(SqliteStoreWriteHealthTest, WithoutTrafficTheStoreProbesAndRecovers) {
  probe_interval_ = std::chrono::milliseconds(20);
  Reopen();
  ASSERT_TRUE(Append(*store_, {Event("before")}).has_value());
  auto full = FillDisk();
  ASSERT_FALSE(Append(*store_, Batch("full-")).has_value());
  // Probes keep failing while the disk is full.
  const auto keep_failing = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < keep_failing) {
    ASSERT_FALSE(store_->WriteHealth().ok());
  }
  full->Lift();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!store_->WriteHealth().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(store_->WriteHealth().ok()) << store_->WriteHealth().ToString();
}

}  // namespace
}  // namespace mw::testing
