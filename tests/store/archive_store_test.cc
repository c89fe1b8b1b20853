// SqliteStore's archiving methods: the (model, day) groups before a cutoff (whole UTC days), the
// deletion of archived rows (only unchanged ones, inbox rows too, ids forgotten by the duplicate
// check) and the restore of archived rows (verbatim, new seqs, ids stored already skipped,
// pending actuals joined).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/decode.h"
#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

constexpr int64_t kArchDay = 86'400'000;
constexpr int64_t kArchDay0 = 19'700 * kArchDay;  // 2023-12-09 00:00 UTC

ingest::PredictionEvent ArchAt(const std::string& id, const std::string& model, int64_t at_ms) {
  ingest::PredictionEvent e = Event(id, model, 0.5);
  e.timestamp_ms = at_ms;
  return e;
}

std::vector<ingest::PredictionRecord> ArchRows(store::Store& store, const std::string& model) {
  store::PredictionQuery q;
  q.model = model;
  auto rows = store.QueryPredictions(q);
  EXPECT_TRUE(rows.has_value());
  return rows.has_value() ? *rows : std::vector<ingest::PredictionRecord>{};
}

using ArchiveStoreTest = StoreTest;

TEST_F(ArchiveStoreTest, ListsWholeDaysEndingAtOrBeforeTheCutoffByDayThenModel) {
  ASSERT_TRUE(Append(*store_, {ArchAt("a1", "b-model", kArchDay0 + 5),
                               ArchAt("a2", "a-model", kArchDay0 + 10),
                               ArchAt("a3", "a-model", kArchDay0 + kArchDay - 1),
                               ArchAt("a4", "a-model", kArchDay0 + kArchDay),
                               ArchAt("a5", "a-model", kArchDay0 - 1)})
                  .has_value());
  // Cutoff inside day 1: only days ending <= cutoff (day -1 and day 0).
  auto days = store_->ListPredictionDaysBefore(kArchDay0 + kArchDay + 3600'000);
  ASSERT_TRUE(days.has_value()) << days.error().ToString();
  ASSERT_EQ(days->size(), 3u);
  EXPECT_EQ((*days)[0].model, "a-model");
  EXPECT_EQ((*days)[0].day_start_ms, kArchDay0 - kArchDay);
  EXPECT_EQ((*days)[0].rows, 1);
  EXPECT_EQ((*days)[1].model, "a-model");
  EXPECT_EQ((*days)[1].day_start_ms, kArchDay0);
  EXPECT_EQ((*days)[1].rows, 2);
  EXPECT_EQ((*days)[2].model, "b-model");
  EXPECT_EQ((*days)[2].rows, 1);
  // A cutoff exactly at a day's end lists that day; one ms earlier does not.
  auto exact = store_->ListPredictionDaysBefore(kArchDay0 + kArchDay);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->size(), 3u);
  auto before = store_->ListPredictionDaysBefore(kArchDay0 + kArchDay - 1);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->size(), 1u);
}

TEST_F(ArchiveStoreTest, DeletesOnlyUnchangedRowsAndForgetsTheirIds) {
  std::vector<ingest::PredictionEvent> events;
  for (int i = 0; i < 200; ++i)
    events.push_back(ArchAt("r" + std::to_string(i), "m", kArchDay0 + i));
  ASSERT_TRUE(Append(*store_, events).has_value());
  const auto rows = ArchRows(*store_, "m");
  ASSERT_EQ(rows.size(), 200u);
  // An actual arrives for r7 after the rows were read: r7 must stay.
  ASSERT_TRUE(AppendActuals(*store_, {Actual("r7", 1.0)}).has_value());
  auto deleted = store_->DeleteArchivedPredictions(rows);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  EXPECT_EQ(*deleted, 199);
  EXPECT_EQ(Rows("prediction_logs"), 1);
  ASSERT_TRUE(Get("r7").has_value());
  EXPECT_FALSE(Get("r8").has_value());
  // A re-send of a deleted id is stored again, not taken for a duplicate.
  auto again = Append(*store_, {ArchAt("r8", "m", kArchDay0 + 8)});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->inserted, 1);
  EXPECT_EQ(again->duplicates, 0);
  // Deleting the same rows again deletes nothing.
  auto twice = store_->DeleteArchivedPredictions(rows);
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(*twice, 0);
}

TEST_F(ArchiveStoreTest, DeletesRowsStillInTheInbox) {
  // A small group goes to the inbox (see sqlite_store.h).
  ASSERT_TRUE(Append(*store_, {ArchAt("i1", "m", kArchDay0), ArchAt("i2", "m", kArchDay0 + 1)})
                  .has_value());
  const auto rows = ArchRows(*store_, "m");
  ASSERT_EQ(rows.size(), 2u);
  auto deleted = store_->DeleteArchivedPredictions(rows);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  EXPECT_EQ(*deleted, 2);
  EXPECT_TRUE(ArchRows(*store_, "m").empty());
  // Later small groups and actuals still work (the inbox bookkeeping stayed exact).
  ASSERT_TRUE(Append(*store_, {ArchAt("i3", "m", kArchDay0 + 2)}).has_value());
  auto joined = AppendActuals(*store_, {Actual("i3", 2.0)});
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->matched.size(), 1u);
  EXPECT_EQ(ArchRows(*store_, "m").size(), 1u);
  Reopen();
  EXPECT_EQ(ArchRows(*store_, "m").size(), 1u);
}

TEST_F(ArchiveStoreTest, RestoreIsVerbatimSkipsStoredIdsAndJoinsPendingActuals) {
  std::vector<ingest::PredictionEvent> events;
  for (int i = 0; i < 50; ++i) {
    auto e = ArchAt("p" + std::to_string(i), "m", kArchDay0 + i);
    if (i % 2 == 0) e.actual = i;
    if (i % 3 == 0) e.latency_ms = 1.5 * i;
    e.version = i % 5 == 0 ? "" : "v1";
    e.segment = i % 4 == 0 ? "eu" : "";
    e.features_json = R"({"x":)" + std::to_string(i) + R"(,"s":"a\"b"})";
    events.push_back(e);
  }
  ASSERT_TRUE(Append(*store_, events).has_value());
  const auto original = ArchRows(*store_, "m");
  auto deleted = store_->DeleteArchivedPredictions(original);
  ASSERT_TRUE(deleted.has_value());
  ASSERT_EQ(*deleted, 50);
  // p1 is sent again meanwhile; an actual for p3 arrives while it is archived (pending).
  ASSERT_TRUE(Append(*store_, {ArchAt("p1", "m", kArchDay0 + 1)}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p3", 9.0, kArchDay0 + 5 * kArchDay)}).has_value());
  auto restored = store_->RestorePredictions(original);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_EQ(restored->first, 49);
  EXPECT_EQ(restored->second, 1);
  EXPECT_EQ(Rows("prediction_logs"), 50);
  EXPECT_EQ(Rows("pending_actuals"), 0);
  for (const auto& before : original) {
    if (before.id == "p1") continue;
    auto after = Get(before.id);
    ASSERT_TRUE(after.has_value()) << before.id;
    EXPECT_GT(after->seq, before.seq);
    EXPECT_EQ(after->model, before.model);
    EXPECT_EQ(after->version, before.version);
    EXPECT_EQ(after->segment, before.segment);
    EXPECT_EQ(after->created_at_ms, before.created_at_ms);
    EXPECT_EQ(after->received_at_ms, before.received_at_ms);
    EXPECT_EQ(after->prediction, before.prediction);
    EXPECT_EQ(after->features_json, before.features_json);
    EXPECT_EQ(after->latency_ms, before.latency_ms);
    if (before.id == "p3") {
      EXPECT_EQ(after->actual, 9.0);
      EXPECT_EQ(after->actual_at_ms, kArchDay0 + 5 * kArchDay);
    } else {
      EXPECT_EQ(after->actual, before.actual);
      EXPECT_EQ(after->actual_at_ms, before.actual_at_ms);
    }
  }
  // Restoring again finds everything stored; an actual joins a restored row.
  auto again = store_->RestorePredictions(original);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->first, 0);
  EXPECT_EQ(again->second, 50);
  auto joined = AppendActuals(*store_, {Actual("p5", 3.0)});
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->matched.size(), 1u);
  Reopen();
  EXPECT_EQ(Rows("prediction_logs"), 50);
  EXPECT_TRUE(Get("p49").has_value());
}

TEST_F(ArchiveStoreTest, ARestoredRowIsADuplicateOfTheSameEventSentAgain) {
  ingest::PredictionRecord row;
  row.id = "x1";
  row.model = "m";
  row.segment = "eu";
  row.created_at_ms = kArchDay0;
  row.received_at_ms = kArchDay0 + 10;
  row.prediction = 0.25;
  row.latency_ms = 3;
  row.actual = 1;  // joined later: not part of what the client sent
  row.actual_at_ms = kArchDay0 + 99;
  row.features_json = R"({"b":"x","a":1.0})";
  auto restored = store_->RestorePredictions(std::span(&row, 1));
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  ASSERT_EQ(restored->first, 1);
  // The client sends the same event again, as ingest decodes it: a duplicate, not a conflict.
  ingest::DecodeOptions options;
  options.now_ms = kArchDay0 + 1000;
  auto decoded = ingest::DecodePredictions(
      R"({"id":"x1","model":"m","segment":"eu","timestamp":1702080000,"prediction":0.25,)"
      R"("latency_ms":3,"features":{"a":1,"b":"x"}})",
      ingest::BodyFormat::kJson, options);
  ASSERT_EQ(decoded.failure, ingest::DecodeFailure::kNone);
  auto resent = Append(*store_, decoded.events);
  ASSERT_TRUE(resent.has_value()) << resent.error().ToString();
  EXPECT_EQ(resent->duplicates, 1);
  // A different event under the same id is a conflict.
  decoded.events[0].content_hash ^= 1;
  EXPECT_EQ(Append(*store_, decoded.events).error().code(), StatusCode::kAlreadyExists);
  ingest::PredictionRecord empty;
  EXPECT_EQ(store_->RestorePredictions(std::span(&empty, 1)).error().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw::testing
