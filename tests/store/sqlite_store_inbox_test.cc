// SqliteStore's inbox (see sqlite_store.h): small groups append to prediction_inbox, large ones
// to prediction_logs after moving the inbox; reads, actuals and duplicate checks see a row in
// either table; moves keep seq order; Open and Close leave the inbox empty.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sqlite/handle.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

// Matches SqliteStore::kInboxMaxGroupRows and kInboxMoveRows (private).
constexpr int kLargeGroupRows = 64;
constexpr int kMoveRows = 128;

class SqliteStoreInboxTest : public StoreTest {
 protected:
  // Rows in `table`, read through a connection of its own (the store stays open).
  int64_t TableRows(const std::string& table) {
    auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READONLY);
    EXPECT_TRUE(db.has_value());
    if (!db.has_value()) return -1;
    auto n = db->QueryInt("SELECT count(*) FROM " + table);
    EXPECT_TRUE(n.has_value());
    return n.has_value() ? n->value_or(0) : -1;
  }

  // The seqs of `table` in order.
  std::vector<int64_t> Seqs(const std::string& table) {
    auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READONLY);
    EXPECT_TRUE(db.has_value());
    std::vector<int64_t> out;
    if (!db.has_value()) return out;
    auto stmt = sqlite::Stmt::Prepare(*db, "SELECT seq FROM " + table + " ORDER BY seq", false);
    EXPECT_TRUE(stmt.has_value());
    while (stmt.has_value()) {
      auto row = stmt->Step();
      if (!row.has_value() || !*row) break;
      out.push_back(stmt->ColumnInt(0));
    }
    return out;
  }

  static std::vector<ingest::PredictionEvent> Events(const std::string& prefix, int n) {
    std::vector<ingest::PredictionEvent> out;
    for (int i = 0; i < n; ++i) out.push_back(Event(prefix + std::to_string(i)));
    return out;
  }

  static std::vector<int64_t> Range(int64_t first, int64_t last) {
    std::vector<int64_t> out;
    for (int64_t s = first; s <= last; ++s) out.push_back(s);
    return out;
  }
};

TEST_F(SqliteStoreInboxTest, SmallGroupsWaitInTheInboxAndEveryReadSeesThem) {
  ASSERT_TRUE(Append(*store_, {Event("a"), Event("b")}).has_value());
  ASSERT_TRUE(Append(*store_, {Event("c")}).has_value());
  EXPECT_EQ(TableRows("prediction_inbox"), 3);
  EXPECT_EQ(TableRows("prediction_logs"), 0);
  EXPECT_EQ(Rows("prediction_logs"), 3);  // the store's count covers both tables

  ASSERT_TRUE(Get("c").has_value());
  EXPECT_EQ(Get("c")->seq, 3);
  auto all = store_->QueryPredictions({});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "a");
  EXPECT_EQ((*all)[2].id, "c");
  const int64_t seqs[] = {3, 1};
  auto by_seq = store_->GetPredictionsBySeq(seqs);
  ASSERT_TRUE(by_seq.has_value());
  ASSERT_EQ(by_seq->size(), 2u);
  EXPECT_EQ((*by_seq)[0].id, "a");
  EXPECT_EQ((*by_seq)[1].id, "c");
}

TEST_F(SqliteStoreInboxTest, ALargeGroupMovesTheInboxFirstAndGoesToPredictionLogs) {
  ASSERT_TRUE(Append(*store_, {Event("small")}).has_value());
  ASSERT_EQ(TableRows("prediction_inbox"), 1);
  auto large = Append(*store_, Events("big-", kLargeGroupRows));
  ASSERT_TRUE(large.has_value()) << large.error().ToString();
  EXPECT_EQ(large->inserted, kLargeGroupRows);
  EXPECT_EQ(TableRows("prediction_inbox"), 0);
  EXPECT_EQ(Seqs("prediction_logs"), Range(1, kLargeGroupRows + 1));
  EXPECT_EQ(Get("small")->seq, 1);
  EXPECT_EQ(Get("big-0")->seq, 2);

  // The next small group goes to the inbox again, after every row of prediction_logs.
  ASSERT_TRUE(Append(*store_, {Event("after")}).has_value());
  EXPECT_EQ(Seqs("prediction_inbox"), std::vector<int64_t>{kLargeGroupRows + 2});
}

TEST_F(SqliteStoreInboxTest, TheInboxMovesOnceItHoldsEnoughRows) {
  const int batches = kMoveRows / (kLargeGroupRows - 1) + 1;  // small groups, >= kMoveRows rows
  for (int b = 0; b < batches; ++b) {
    ASSERT_TRUE(
        Append(*store_, Events("b" + std::to_string(b) + "-", kLargeGroupRows - 1)).has_value());
  }
  // The move runs beside the group's WAL sync and callbacks; the writer waits for it before it
  // takes the next group.
  ASSERT_TRUE(Append(*store_, {Event("next")}).has_value());
  const int64_t total = static_cast<int64_t>(batches) * (kLargeGroupRows - 1);
  EXPECT_EQ(Seqs("prediction_inbox"), std::vector<int64_t>{total + 1});
  EXPECT_EQ(Seqs("prediction_logs"), Range(1, total));
  auto ops = observer_.operations();
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "inbox_move"), 1);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "inbox_move_wait"), 1);  // the writer waited once
  auto all = store_->QueryPredictions({});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(static_cast<int64_t>(all->size()), total + 1);
}

TEST_F(SqliteStoreInboxTest, AQuietInboxMovesWithTheNextGroupAfterASecond) {
  ASSERT_TRUE(Append(*store_, {Event("first")}).has_value());
  EXPECT_EQ(TableRows("prediction_inbox"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(Append(*store_, {Event("second")}).has_value());
  // The move follows the second group's callbacks, on the writer thread.
  for (int i = 0; i < 500 && TableRows("prediction_inbox") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(TableRows("prediction_inbox"), 0);
  EXPECT_EQ(Seqs("prediction_logs"), Range(1, 2));
}

TEST_F(SqliteStoreInboxTest, ActualsJoinRowsInEitherTable) {
  ASSERT_TRUE(Append(*store_, Events("logs-", kLargeGroupRows)).has_value());
  ASSERT_TRUE(Append(*store_, {Event("inbox")}).has_value());
  ASSERT_EQ(TableRows("prediction_inbox"), 1);
  auto joined = AppendActuals(*store_, {Actual("logs-3", 7.5), Actual("inbox", 2.5)});
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->matched, (std::vector<std::string>{"logs-3", "inbox"}));
  EXPECT_EQ(Get("logs-3")->actual, 7.5);
  EXPECT_EQ(Get("inbox")->actual, 2.5);
  // Moved with the row.
  ASSERT_TRUE(Append(*store_, Events("more-", kLargeGroupRows)).has_value());
  EXPECT_EQ(TableRows("prediction_inbox"), 0);
  EXPECT_EQ(Get("inbox")->actual, 2.5);
}

TEST_F(SqliteStoreInboxTest, RetriesAndConflictsAreFoundInEitherTable) {
  ASSERT_TRUE(Append(*store_, Events("logs-", kLargeGroupRows)).has_value());
  ASSERT_TRUE(Append(*store_, {Event("inbox")}).has_value());
  for (const char* id : {"logs-5", "inbox"}) {
    auto retry = Append(*store_, {Event(id)});
    ASSERT_TRUE(retry.has_value()) << id;
    EXPECT_EQ(retry->duplicates, 1) << id;
    auto conflict = Append(*store_, {Event(id, "demand", 1.0, /*content_hash=*/12345)});
    EXPECT_EQ(conflict.status().code(), StatusCode::kAlreadyExists) << id;
  }
  EXPECT_EQ(Rows("prediction_logs"), kLargeGroupRows + 1);
}

TEST_F(SqliteStoreInboxTest, QueriesSpanBothTablesInSeqOrder) {
  ASSERT_TRUE(Append(*store_, Events("logs-", kLargeGroupRows)).has_value());
  ingest::PredictionEvent other = Event("other", "churn");
  ASSERT_TRUE(Append(*store_, {Event("inbox-0"), other, Event("inbox-1")}).has_value());

  store::PredictionQuery page;
  page.after_seq = kLargeGroupRows - 2;
  page.limit = 4;
  page.model = "demand";
  auto got = store_->QueryPredictions(page);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  std::vector<std::string> ids;
  for (const auto& r : *got) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"logs-62", "logs-63", "inbox-0", "inbox-1"}));

  store::PredictionQuery churn;
  churn.model = "churn";
  got = store_->QueryPredictions(churn);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].seq, kLargeGroupRows + 2);
}

TEST_F(SqliteStoreInboxTest, CloseEmptiesTheInbox) {
  ASSERT_TRUE(Append(*store_, {Event("a")}).has_value());
  ASSERT_TRUE(Append(*store_, {Event("b")}).has_value());
  store_->Close();
  EXPECT_EQ(TableRows("prediction_inbox"), 0);
  EXPECT_EQ(Seqs("prediction_logs"), Range(1, 2));
}

// A crash leaves committed rows in the inbox; Open moves them, and they are found by id (the id
// index is rebuilt or reloaded from prediction_logs) and followed by the next seqs.
TEST_F(SqliteStoreInboxTest, RowsACrashLeftInTheInboxAreMovedAtOpen) {
  ASSERT_TRUE(Append(*store_, {Event("before")}).has_value());
  store_->Close();
  {
    auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->Exec("INSERT INTO prediction_inbox (seq, id, model, segment, created_at,"
                         " received_at, prediction, features, content_hash)"
                         " VALUES (2, 'crashed', 'demand', '', 1, 1, 4.5, '{}', 99)")
                    .ok());
  }
  Reopen();
  EXPECT_EQ(TableRows("prediction_inbox"), 0);
  EXPECT_EQ(Seqs("prediction_logs"), Range(1, 2));
  ASSERT_TRUE(Get("crashed").has_value());
  EXPECT_EQ(Get("crashed")->prediction, 4.5);
  ASSERT_TRUE(Append(*store_, {Event("after")}).has_value());
  EXPECT_EQ(Get("after")->seq, 3);
  EXPECT_EQ(Rows("prediction_logs"), 3);
}

}  // namespace
}  // namespace mw::testing
