// SqliteStore across close/open, crashes and a lost or damaged id file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "sqlite/handle.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using SqliteStoreDurabilityTest = StoreTest;

void ExpectDedup(store::Store& store, const std::string& id, uint64_t hash) {
  auto same = Append(store, {Event(id, "demand", 1, hash)});
  ASSERT_TRUE(same.has_value()) << id;
  EXPECT_EQ(same->duplicates, 1) << id;
  EXPECT_EQ(Append(store, {Event(id, "demand", 1, hash + 1)}).status().code(),
            StatusCode::kAlreadyExists)
      << id;
}

TEST_F(SqliteStoreDurabilityTest, ReopenKeepsEverything) {
  ASSERT_TRUE(store_->UpsertModel({"demand", registry::ModelTask::kRegression, "d", 0, 0}).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v1")).ok());
  ASSERT_TRUE(Append(*store_, {Event("p1"), Event("p2")}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 3), Actual("later", 4)}).has_value());
  Reopen();
  EXPECT_EQ(Rows("prediction_logs"), 2);
  EXPECT_EQ(Rows("pending_actuals"), 1);
  EXPECT_EQ(Get("p1")->actual, 3);
  EXPECT_EQ(Get("p2")->version, "v1");
  EXPECT_EQ(store_->GetModel("demand")->task, registry::ModelTask::kRegression);
  EXPECT_EQ(store_->ListModelVersions("demand")->size(), 1u);
}

TEST_F(SqliteStoreDurabilityTest, MigrationsRunOnceAcrossReopens) {
  Reopen();
  Reopen();
  store_->Close();
  auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->QueryInt("SELECT count(*) FROM schema_migrations")->value_or(-1),
            static_cast<int64_t>(store::schema::Migrations().size()));
}

TEST_F(SqliteStoreDurabilityTest, SeqContinuesAfterReopen) {
  ASSERT_TRUE(Append(*store_, {Event("a")}).has_value());
  Reopen();
  ASSERT_TRUE(Append(*store_, {Event("b")}).has_value());
  EXPECT_EQ(Get("b")->seq, Get("a")->seq + 1);
}

TEST_F(SqliteStoreDurabilityTest, DedupWorksAfterReopen) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1, 50)}).has_value());
  Reopen();
  ExpectDedup(*store_, "p1", 50);
}

TEST_F(SqliteStoreDurabilityTest, PendingActualSurvivesReopen) {
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 6)}).has_value());
  Reopen();
  EXPECT_EQ(Append(*store_, {Event("p1")})->actuals_joined, 1);
  EXPECT_EQ(Get("p1")->actual, 6);
}

TEST_F(SqliteStoreDurabilityTest, LatestVersionSurvivesReopen) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "s1", "v7")).ok());
  Reopen();
  ingest::PredictionEvent e = Event("p1");
  e.segment = "s1";
  ASSERT_TRUE(Append(*store_, {e}).has_value());
  EXPECT_EQ(Get("p1")->version, "v7");
}

// kill -9 after acknowledged writes: everything acknowledged is there, and ids both in the id
// file and in the (lost, rebuilt) in-memory tail are still deduplicated.
TEST_F(SqliteStoreDurabilityTest, KillAfterAcknowledgedWritesLosesNothing) {
  store_.reset();  // the child owns the files; no store threads run across fork()
  const store::SqliteStoreOptions options = Options();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = store::SqliteStore::Open(options);
    if (!store) _exit(2);
    if (!Append(**store, {Event("indexed", "demand", 1, 10)}).has_value()) _exit(3);
    if (!(*store)->FlushIdIndex().ok()) _exit(4);
    if (!Append(**store, {Event("tail", "demand", 1, 20)}).has_value()) _exit(5);
    if (!AppendActuals(**store, {Actual("indexed", 8)}).has_value()) _exit(6);
    kill(getpid(), SIGKILL);
    _exit(7);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  Reopen();
  EXPECT_FALSE(store_->id_index_rebuilt());
  EXPECT_EQ(Rows("prediction_logs"), 2);
  EXPECT_EQ(Rows("id_index"), 1);
  EXPECT_EQ(Rows("id_index_tail"), 1);
  EXPECT_EQ(Get("indexed")->actual, 8);
  ExpectDedup(*store_, "indexed", 10);
  ExpectDedup(*store_, "tail", 20);
}

TEST_F(SqliteStoreDurabilityTest, DeletedIdFileIsRebuilt) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1, 30)}).has_value());
  store_.reset();
  for (const char* suffix : {"-ids", "-ids-wal", "-ids-shm"}) {
    std::filesystem::remove(Options().path + suffix);
  }
  Reopen();
  EXPECT_TRUE(store_->id_index_rebuilt());
  EXPECT_EQ(Rows("id_index"), 1);
  EXPECT_TRUE(Get("p1").has_value());
  ExpectDedup(*store_, "p1", 30);
}

TEST_F(SqliteStoreDurabilityTest, CorruptIdFileIsRebuilt) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1, 40)}).has_value());
  store_.reset();
  for (const char* suffix : {"-ids-wal", "-ids-shm"}) {
    std::filesystem::remove(Options().path + suffix);
  }
  {
    std::ofstream out(Options().path + "-ids", std::ios::binary | std::ios::trunc);
    out << std::string(4096, '\x7f');
  }
  Reopen();
  EXPECT_TRUE(store_->id_index_rebuilt());
  EXPECT_TRUE(Get("p1").has_value());
  ExpectDedup(*store_, "p1", 40);
}

TEST_F(SqliteStoreDurabilityTest, IdFileOfAnotherDatabaseIsRebuilt) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1, 60)}).has_value());
  store_.reset();
  {
    store::SqliteStoreOptions other = Options();
    other.path = dir_.File("other.db");
    auto store = store::SqliteStore::Open(other);
    ASSERT_TRUE(store.has_value());
    ASSERT_TRUE(Append(**store, {Event("q1")}).has_value());
  }
  std::filesystem::remove(Options().path + "-ids");
  std::filesystem::copy_file(dir_.File("other.db-ids"), Options().path + "-ids");
  Reopen();
  EXPECT_TRUE(store_->id_index_rebuilt());
  EXPECT_TRUE(Get("p1").has_value());
  EXPECT_FALSE(Get("q1").has_value());
}

// Under continuous writes the WAL must be copied back and restarted, not grow without bound.
// Either SQLite restarts it on its own (the background checkpointer copied every frame before the
// next write transaction began, which with slow callers such as a sanitizer build happens at
// nearly every group), or, when the checkpointer cannot catch up, the writer finishes a
// checkpoint itself past kWriterCheckpointFrames. So the loop writes until the writer did that, or
// until three times kWriterCheckpointFrames frames went through the WAL; either way the WAL must
// then hold less than one cycle.
TEST_F(SqliteStoreDurabilityTest, WalRestartsUnderContinuousWrites) {
  constexpr int64_t kWriterCheckpointFrames = 8000;  // SqliteStore's (private)
  constexpr int64_t kBackgroundCheckpointFrames = 250;
  const std::string features = "{\"blob\":\"" + std::string(3000, 'x') + "\"}";  // ~1 page/row
  int64_t next = 0;
  auto append_group = [&] {
    std::vector<ingest::PredictionEvent> events;
    for (int i = 0; i < 250; ++i) {
      events.push_back(Event("w" + std::to_string(next++)));
      events.back().features_json = features;
    }
    ASSERT_TRUE(Append(*store_, std::move(events)).has_value());
  };
  auto finished = [&] {
    const auto ops = observer_.operations();
    return std::find(ops.begin(), ops.end(), "checkpoint_finish") != ops.end();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!finished() && next < 3 * kWriterCheckpointFrames &&
         std::chrono::steady_clock::now() < deadline) {
    append_group();
  }
  ASSERT_TRUE(finished() || next >= 3 * kWriterCheckpointFrames)
      << "neither did the writer finish a checkpoint nor were enough rows written in 120 s: "
      << next;
  append_group();  // after the writer's finish, its transaction restarts the WAL

  // PRAGMA wal_checkpoint reports the frames now in the WAL: less than one cycle.
  auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db.has_value());
  auto stmt = sqlite::Stmt::Prepare(*db, "PRAGMA wal_checkpoint(PASSIVE)", false);
  ASSERT_TRUE(stmt.has_value());
  auto row = stmt->Step();
  ASSERT_TRUE(row.has_value() && *row);
  EXPECT_GT(next, kWriterCheckpointFrames);
  EXPECT_LT(stmt->ColumnInt(1), kWriterCheckpointFrames + 3 * kBackgroundCheckpointFrames)
      << "frames in the WAL after " << next << " rows";
}

}  // namespace
}  // namespace mw::testing
