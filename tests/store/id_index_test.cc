#include "store/id_index.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "store/schema.h"
#include "store_test_util.h"

namespace mw::store {
namespace {

using sqlite::Db;

class IdIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Db::Open(dir_.File("main"), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.has_value());
    main_ = std::move(*db);
    ASSERT_TRUE(main_.Exec("PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(
        schema::ApplyMigrations(main_, schema::Migrations(), schema::kSqlite, 1).has_value());
  }

  void InsertRow(int64_t seq, const std::string& id) {
    ASSERT_TRUE(main_
                    .Exec("INSERT INTO prediction_logs (seq, id, model, created_at, received_at,"
                          " prediction, features, content_hash) VALUES (" +
                          std::to_string(seq) + ", '" + id + "', 'm', 1, 1, 1, '{}', 1)")
                    .ok());
  }

  IdIndexOptions Options(std::string uuid = "uuid-1") {
    IdIndexOptions options;
    options.path = dir_.File("main-ids");
    options.main_db_uuid = std::move(uuid);
    options.batch_rows = 1000;
    return options;
  }

  std::unique_ptr<IdIndex> OpenIndex(const IdIndexOptions& options) {
    auto index = IdIndex::Open(options, main_);
    EXPECT_TRUE(index.has_value()) << index.error().ToString();
    return index.has_value() ? std::move(*index) : nullptr;
  }

  std::vector<int64_t> Find(IdIndex& index, const std::string& id) {
    auto reader = index.OpenReader(1024);
    EXPECT_TRUE(reader.has_value());
    std::vector<int64_t> seqs;
    EXPECT_TRUE(index.Lookup(IdHash(id), *reader, &seqs).ok());
    return seqs;
  }

  mw::testing::TempDir dir_;
  sqlite::Db main_;
};

TEST(IdHashTest, IsStableAcrossBuilds) {
  // The hash is persisted in id files: it must never change silently.
  EXPECT_EQ(IdHash("abc"), 996580060897260808ULL);
  EXPECT_EQ(IdHash(""), 17665956581633026203ULL);
  EXPECT_NE(IdHash("a"), IdHash("b"));
}

TEST_F(IdIndexTest, MissingFileIsBuiltFromMainRows) {
  InsertRow(1, "a");
  InsertRow(2, "b");
  InsertRow(3, "c");
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->rebuilt());
  EXPECT_EQ(index->file_entries(), 3);
  EXPECT_EQ(index->watermark(), 3);
  EXPECT_EQ(index->tail_size(), 0u);
  EXPECT_EQ(Find(*index, "b"), std::vector<int64_t>{2});
  EXPECT_TRUE(Find(*index, "zzz").empty());
}

TEST_F(IdIndexTest, CommittedEntriesAreFoundInTheTail) {
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  const IdEntry entry{IdHash("x"), 7};
  index->AddCommitted({&entry, 1});
  EXPECT_EQ(index->tail_size(), 1u);
  EXPECT_EQ(Find(*index, "x"), std::vector<int64_t>{7});
}

TEST_F(IdIndexTest, FlushMovesTheTailIntoTheFile) {
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  index->Start();
  const std::vector<IdEntry> entries = {{IdHash("x"), 1}, {IdHash("y"), 2}};
  index->AddCommitted(entries);
  ASSERT_TRUE(index->Flush().ok());
  EXPECT_EQ(index->tail_size(), 0u);
  EXPECT_EQ(index->file_entries(), 2);
  EXPECT_EQ(index->watermark(), 2);
  EXPECT_EQ(Find(*index, "y"), std::vector<int64_t>{2});
}

// Lookups skip the file through the Bloom filter; entries moved into the file stay findable
// while the filter is rebuilt larger as the file grows past its capacity.
TEST_F(IdIndexTest, FilterGrowsWithTheFileAndNeverHidesAnEntry) {
  IdIndexOptions options = Options();
  options.filter_min_capacity = 16;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->filter_capacity(), 0u);  // built by the indexer thread
  index->Start();
  int64_t seq = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<IdEntry> entries;
    for (int i = 0; i < 20; ++i) {
      ++seq;
      entries.push_back({IdHash("id-" + std::to_string(seq)), seq});
    }
    index->AddCommitted(entries);
    ASSERT_TRUE(index->Flush().ok());
    EXPECT_EQ(index->tail_size(), 0u);
    EXPECT_GE(index->filter_capacity(), static_cast<uint64_t>(index->file_entries()));
    for (int64_t s = 1; s <= seq; ++s) {
      ASSERT_EQ(Find(*index, "id-" + std::to_string(s)), std::vector<int64_t>{s}) << s;
    }
  }
  EXPECT_EQ(index->file_entries(), 100);
  EXPECT_GE(index->filter_capacity(), 100u);  // rebuilt from 16 as the file grew
  EXPECT_TRUE(Find(*index, "never-added").empty());
}

// A filter built at start from an existing file knows its entries.
TEST_F(IdIndexTest, FilterIsBuiltFromTheExistingFile) {
  for (int i = 1; i <= 50; ++i) InsertRow(i, "row-" + std::to_string(i));
  auto index = OpenIndex(Options());  // no file yet: rebuilt from the main rows
  ASSERT_NE(index, nullptr);
  ASSERT_EQ(index->file_entries(), 50);
  index->Start();
  const IdEntry entry{IdHash("new"), 51};
  index->AddCommitted({&entry, 1});
  ASSERT_TRUE(index->Flush().ok());  // runs after the indexer built its filter
  EXPECT_GE(index->filter_capacity(), 100u);
  for (int i = 1; i <= 50; ++i) {
    EXPECT_EQ(Find(*index, "row-" + std::to_string(i)), std::vector<int64_t>{i});
  }
  EXPECT_EQ(Find(*index, "new"), std::vector<int64_t>{51});
}

TEST_F(IdIndexTest, ReachingBatchRowsWakesTheIndexer) {
  IdIndexOptions options = Options();
  options.batch_rows = 2;
  options.max_delay = std::chrono::hours(1);
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  index->Start();
  const std::vector<IdEntry> entries = {{IdHash("x"), 1}, {IdHash("y"), 2}};
  index->AddCommitted(entries);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (index->watermark() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(index->watermark(), 2);
  EXPECT_EQ(index->tail_size(), 0u);
}

TEST_F(IdIndexTest, FlushBeforeStartIsUnavailable) {
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  const IdEntry entry{IdHash("x"), 1};
  index->AddCommitted({&entry, 1});
  EXPECT_EQ(index->Flush().code(), StatusCode::kUnavailable);
}

TEST_F(IdIndexTest, CollidingHashesReturnEveryCandidate) {
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  const std::vector<IdEntry> entries = {{IdHash("x"), 9}, {IdHash("x"), 4}};
  index->AddCommitted(entries);
  EXPECT_EQ(Find(*index, "x"), (std::vector<int64_t>{4, 9}));
}

TEST_F(IdIndexTest, ReopenLoadsRowsPastTheWatermarkIntoTheTail) {
  InsertRow(1, "a");
  OpenIndex(Options()).reset();  // builds the file with watermark 1
  InsertRow(2, "b");
  InsertRow(3, "c");
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  EXPECT_FALSE(index->rebuilt());
  EXPECT_EQ(index->watermark(), 1);
  EXPECT_EQ(index->tail_size(), 2u);
  EXPECT_EQ(Find(*index, "a"), std::vector<int64_t>{1});
  EXPECT_EQ(Find(*index, "c"), std::vector<int64_t>{3});
}

TEST_F(IdIndexTest, FileOfAnotherDatabaseIsRebuilt) {
  InsertRow(1, "a");
  OpenIndex(Options("uuid-1")).reset();
  auto index = OpenIndex(Options("uuid-2"));
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->rebuilt());
  EXPECT_EQ(Find(*index, "a"), std::vector<int64_t>{1});
}

TEST_F(IdIndexTest, GarbageFileIsRebuilt) {
  InsertRow(1, "a");
  {
    std::ofstream out(Options().path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->rebuilt());
  EXPECT_EQ(Find(*index, "a"), std::vector<int64_t>{1});
}

TEST_F(IdIndexTest, EntriesBeyondTheMainTableAreDropped) {
  for (int i = 1; i <= 5; ++i) InsertRow(i, "id" + std::to_string(i));
  OpenIndex(Options()).reset();  // watermark 5
  ASSERT_TRUE(main_.Exec("DELETE FROM prediction_logs WHERE seq > 3").ok());
  auto index = OpenIndex(Options());
  ASSERT_NE(index, nullptr);
  EXPECT_FALSE(index->rebuilt());
  EXPECT_EQ(index->watermark(), 3);
  EXPECT_EQ(index->file_entries(), 3);
  EXPECT_TRUE(Find(*index, "id5").empty());
  EXPECT_EQ(Find(*index, "id3"), std::vector<int64_t>{3});
}

}  // namespace
}  // namespace mw::store
