// SqliteStore: appends, idempotency, conflicts, actuals, version resolution, group commit,
// queue limits and shutdown.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "sqlite/handle.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using SqliteStoreTest = StoreTest;

TEST_F(SqliteStoreTest, RoundTripsEveryFieldWhenPresent) {
  ingest::PredictionEvent e = Event("p1", "demand", 12.5);
  e.version = "v3";
  e.segment = "store-7";
  e.timestamp_ms = 1'700'000'000'123;
  e.features_json = R"({"temp":21.5,"city":"Oslo"})";
  e.actual = 13.0;
  e.latency_ms = 4.25;
  auto r = Append(*store_, {e});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->ids, std::vector<std::string>{"p1"});
  EXPECT_EQ(r->inserted, 1);
  EXPECT_TRUE(r->duplicate.empty());

  auto got = Get("p1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->seq, 1);
  EXPECT_EQ(got->id, "p1");
  EXPECT_EQ(got->model, "demand");
  EXPECT_EQ(got->version, "v3");
  EXPECT_EQ(got->segment, "store-7");
  EXPECT_EQ(got->created_at_ms, 1'700'000'000'123);
  EXPECT_EQ(got->prediction, 12.5);
  EXPECT_EQ(got->features_json, R"({"temp":21.5,"city":"Oslo"})");
  EXPECT_EQ(got->actual, 13.0);
  EXPECT_EQ(got->actual_at_ms, 1'700'000'000'123);
  EXPECT_EQ(got->latency_ms, 4.25);
  EXPECT_EQ(got->received_at_ms, clock_.NowMillis());
}

TEST_F(SqliteStoreTest, RoundTripsAbsentOptionalFields) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  auto got = Get("p1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, "");
  EXPECT_EQ(got->segment, "");
  EXPECT_FALSE(got->actual.has_value());
  EXPECT_FALSE(got->actual_at_ms.has_value());
  EXPECT_FALSE(got->latency_ms.has_value());
}

TEST_F(SqliteStoreTest, SeqIncreasesInAppendOrder) {
  ASSERT_TRUE(Append(*store_, {Event("a"), Event("b")}).has_value());
  ASSERT_TRUE(Append(*store_, {Event("c")}).has_value());
  EXPECT_LT(Get("a")->seq, Get("b")->seq);
  EXPECT_LT(Get("b")->seq, Get("c")->seq);
}

TEST_F(SqliteStoreTest, UnknownIdReadsAsEmpty) { EXPECT_FALSE(Get("nope").has_value()); }

TEST_F(SqliteStoreTest, RetryWithSameContentIsADuplicateStoredOnce) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  auto retry = Append(*store_, {Event("p1"), Event("p2")});
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->inserted, 1);
  EXPECT_EQ(retry->duplicates, 1);
  EXPECT_EQ(retry->duplicate, (std::vector<bool>{true, false}));
  EXPECT_EQ(Rows("prediction_logs"), 2);
}

TEST_F(SqliteStoreTest, StoredIdWithDifferentContentRejectsTheWholeBatch) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1.0, 111)}).has_value());
  auto r = Append(*store_, {Event("fresh"), Event("p1", "demand", 2.0, 222)});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.error().message().find("p1"), std::string::npos);
  EXPECT_FALSE(Get("fresh").has_value());
  EXPECT_EQ(Get("p1")->prediction, 1.0);
}

TEST_F(SqliteStoreTest, ConflictInOneRequestLeavesTheOthersOfTheGroupStored) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1.0, 111)}).has_value());
  std::promise<Result<store::PredictionBatchResult>> first, conflict, last;
  {
    WriterHold hold(*store_);
    store_->AppendPredictions({Event("a")}, [&](auto r) { first.set_value(std::move(r)); });
    store_->AppendPredictions({Event("b"), Event("p1", "demand", 2.0, 222)},
                              [&](auto r) { conflict.set_value(std::move(r)); });
    store_->AppendPredictions({Event("c")}, [&](auto r) { last.set_value(std::move(r)); });
  }
  EXPECT_TRUE(first.get_future().get().has_value());
  EXPECT_EQ(conflict.get_future().get().status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(last.get_future().get().has_value());
  EXPECT_TRUE(Get("a").has_value());
  EXPECT_FALSE(Get("b").has_value());
  EXPECT_TRUE(Get("c").has_value());
}

TEST_F(SqliteStoreTest, IdTwiceInABatchWithSameContentIsStoredOnce) {
  auto r = Append(*store_, {Event("p1"), Event("p1")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->inserted, 1);
  EXPECT_EQ(r->duplicates, 1);
  EXPECT_EQ(r->duplicate, (std::vector<bool>{false, true}));
  EXPECT_EQ(Rows("prediction_logs"), 1);
}

TEST_F(SqliteStoreTest, IdTwiceInABatchWithDifferentContentIsAlreadyExists) {
  auto r = Append(*store_, {Event("ok"), Event("p1", "demand", 1, 1), Event("p1", "demand", 2, 2)});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Rows("prediction_logs"), 0);
}

TEST_F(SqliteStoreTest, SameIdInTwoRequestsOfOneGroupIsCheckedAgainstTheEarlierOne) {
  std::promise<Result<store::PredictionBatchResult>> a, same, different;
  {
    WriterHold hold(*store_);
    store_->AppendPredictions({Event("x", "demand", 1, 1)},
                              [&](auto r) { a.set_value(std::move(r)); });
    store_->AppendPredictions({Event("x", "demand", 1, 1)},
                              [&](auto r) { same.set_value(std::move(r)); });
    store_->AppendPredictions({Event("x", "demand", 2, 2)},
                              [&](auto r) { different.set_value(std::move(r)); });
  }
  EXPECT_EQ(a.get_future().get()->inserted, 1);
  EXPECT_EQ(same.get_future().get()->duplicates, 1);
  EXPECT_EQ(different.get_future().get().status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Rows("prediction_logs"), 2);  // x and the hold event
}

TEST_F(SqliteStoreTest, DedupUsesTheIdFileOnceIndexed) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "demand", 1, 111)}).has_value());
  ASSERT_TRUE(store_->FlushIdIndex().ok());
  EXPECT_EQ(Rows("id_index_tail"), 0);
  EXPECT_EQ(Rows("id_index"), 1);
  EXPECT_EQ(Append(*store_, {Event("p1", "demand", 1, 111)})->duplicates, 1);
  EXPECT_EQ(Append(*store_, {Event("p1", "demand", 2, 222)}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(Get("p1")->prediction, 1);
}

TEST_F(SqliteStoreTest, GeneratedIdsAreStored) {
  ingest::PredictionEvent e = Event("01HZZZZZZZZZZZZZZZZZZZZZZZ");
  e.id_generated = true;
  EXPECT_EQ(Append(*store_, {e})->inserted, 1);
  EXPECT_TRUE(Get(e.id).has_value());
}

TEST_F(SqliteStoreTest, EmptyIdIsInvalidArgument) {
  auto r = Append(*store_, {Event("")});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  auto a = AppendActuals(*store_, {Actual("", 1)});
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ActualForAStoredPredictionIsJoined) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  auto r = AppendActuals(*store_, {Actual("p1", 3.5, 1'700'000'200'000)});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->matched, std::vector<std::string>{"p1"});
  EXPECT_TRUE(r->unmatched.empty());
  EXPECT_EQ(Get("p1")->actual, 3.5);
  EXPECT_EQ(Get("p1")->actual_at_ms, 1'700'000'200'000);
}

TEST_F(SqliteStoreTest, ActualForAnIndexedPredictionIsJoined) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  ASSERT_TRUE(store_->FlushIdIndex().ok());
  EXPECT_EQ(AppendActuals(*store_, {Actual("p1", 3.5)})->matched.size(), 1u);
  EXPECT_EQ(Get("p1")->actual, 3.5);
}

TEST_F(SqliteStoreTest, ActualBeforePredictionIsJoinedWhenThePredictionArrives) {
  auto a = AppendActuals(*store_, {Actual("p1", 7, 1'700'000'300'000)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->unmatched, std::vector<std::string>{"p1"});
  EXPECT_EQ(Rows("pending_actuals"), 1);

  auto p = Append(*store_, {Event("p1"), Event("p2")});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->actuals_joined, 1);
  EXPECT_EQ(Get("p1")->actual, 7);
  EXPECT_EQ(Get("p1")->actual_at_ms, 1'700'000'300'000);
  EXPECT_FALSE(Get("p2")->actual.has_value());
  EXPECT_EQ(Rows("pending_actuals"), 0);
}

TEST_F(SqliteStoreTest, ActualAndPredictionInOneGroupAreJoined) {
  std::promise<Result<store::ActualBatchResult>> actual;
  std::promise<Result<store::PredictionBatchResult>> prediction;
  {
    WriterHold hold(*store_);
    store_->AppendActuals({Actual("p1", 5)}, [&](auto r) { actual.set_value(std::move(r)); });
    store_->AppendPredictions({Event("p1")}, [&](auto r) { prediction.set_value(std::move(r)); });
  }
  EXPECT_EQ(actual.get_future().get()->unmatched.size(), 1u);
  EXPECT_EQ(prediction.get_future().get()->actuals_joined, 1);
  EXPECT_EQ(Get("p1")->actual, 5);
  EXPECT_EQ(Rows("pending_actuals"), 0);
}

TEST_F(SqliteStoreTest, LaterActualReplacesTheEarlierOne) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 1, 100)}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 2, 200)}).has_value());
  EXPECT_EQ(Get("p1")->actual, 2);
  EXPECT_EQ(Get("p1")->actual_at_ms, 200);
}

TEST_F(SqliteStoreTest, LaterPendingActualReplacesTheEarlierOne) {
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 1, 100)}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 2, 200)}).has_value());
  EXPECT_EQ(Rows("pending_actuals"), 1);
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  EXPECT_EQ(Get("p1")->actual, 2);
}

TEST_F(SqliteStoreTest, EventsOwnActualWinsOverAPendingOne) {
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 1, 100)}).has_value());
  ingest::PredictionEvent e = Event("p1");
  e.actual = 9;
  auto r = Append(*store_, {e});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->actuals_joined, 0);
  EXPECT_EQ(Get("p1")->actual, 9);
  EXPECT_EQ(Rows("pending_actuals"), 0);
}

TEST_F(SqliteStoreTest, EmptyVersionResolvesToTheSegmentsLatest) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "global-1")).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "s1", "s1-v1")).ok());
  ingest::PredictionEvent e = Event("p1");
  e.segment = "s1";
  ASSERT_TRUE(Append(*store_, {e}).has_value());
  EXPECT_EQ(Get("p1")->version, "s1-v1");
}

TEST_F(SqliteStoreTest, EmptyVersionFallsBackToTheModelWideLatest) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "global-1")).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "s1", "s1-v1")).ok());
  ingest::PredictionEvent e = Event("p1");
  e.segment = "s2";
  ASSERT_TRUE(Append(*store_, {e}).has_value());
  EXPECT_EQ(Get("p1")->version, "global-1");
}

TEST_F(SqliteStoreTest, EmptyVersionStaysEmptyWithoutARegisteredVersion) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("other", "", "o-1")).ok());
  ingest::PredictionEvent e = Event("p1");
  e.segment = "s1";
  ASSERT_TRUE(Append(*store_, {e}).has_value());
  EXPECT_EQ(Get("p1")->version, "");
}

TEST_F(SqliteStoreTest, ExplicitVersionIsKept) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "global-1")).ok());
  ingest::PredictionEvent e = Event("p1");
  e.version = "pinned";
  ASSERT_TRUE(Append(*store_, {e}).has_value());
  EXPECT_EQ(Get("p1")->version, "pinned");
}

TEST_F(SqliteStoreTest, VersionRegisteredLaterAppliesToLaterEvents) {
  ASSERT_TRUE(Append(*store_, {Event("before")}).has_value());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v2")).ok());
  ASSERT_TRUE(Append(*store_, {Event("after")}).has_value());
  EXPECT_EQ(Get("before")->version, "");
  EXPECT_EQ(Get("after")->version, "v2");
}

TEST_F(SqliteStoreTest, UnknownModelInTrafficGetsAnUnknownTaskRow) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "mystery")}).has_value());
  auto model = store_->GetModel("mystery");
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->task, registry::ModelTask::kUnknown);
  EXPECT_EQ(model->created_at_ms, clock_.NowMillis());
}

TEST_F(SqliteStoreTest, ConcurrentRequestsFromSeveralThreadsAreAllStored) {
  constexpr int kThreads = 4, kRequests = 100, kEvents = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRequests; ++r) {
        std::vector<ingest::PredictionEvent> events;
        for (int e = 0; e < kEvents; ++e) {
          events.push_back(
              Event("t" + std::to_string(t) + "-r" + std::to_string(r) + "-e" + std::to_string(e)));
        }
        auto result = Append(*store_, std::move(events));
        if (result.has_value() && result->inserted == kEvents) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  EXPECT_EQ(Rows("prediction_logs"), kThreads * kRequests * kEvents);
  Reopen();  // durable: still there after close and open
  EXPECT_EQ(Rows("prediction_logs"), kThreads * kRequests * kEvents);
  EXPECT_TRUE(Get("t3-r99-e9").has_value());
}

TEST_F(SqliteStoreTest, QueuedRequestsShareOneCommit) {
  std::vector<std::promise<Result<store::PredictionBatchResult>>> done(20);
  {
    WriterHold hold(*store_);
    for (size_t i = 0; i < done.size(); ++i) {
      store_->AppendPredictions({Event("p" + std::to_string(i)), Event("q" + std::to_string(i))},
                                [&done, i](auto r) { done[i].set_value(std::move(r)); });
    }
  }
  for (auto& d : done) EXPECT_TRUE(d.get_future().get().has_value());
  const auto commits = observer_.commits();
  ASSERT_EQ(commits.size(), 2u);  // the hold's own commit, then one for the 20 queued requests
  EXPECT_EQ(commits[1].requests, 20);
  EXPECT_EQ(commits[1].rows, 40);
}

TEST_F(SqliteStoreTest, GroupsAreCappedAtMaxRowsPerCommit) {
  store::SqliteStoreOptions options = Options();
  options.max_rows_per_commit = 4;
  OpenWith(options);
  std::vector<std::promise<Result<store::PredictionBatchResult>>> done(4);
  {
    WriterHold hold(*store_);
    for (size_t i = 0; i < done.size(); ++i) {
      store_->AppendPredictions({Event("a" + std::to_string(i)), Event("b" + std::to_string(i))},
                                [&done, i](auto r) { done[i].set_value(std::move(r)); });
    }
  }
  for (auto& d : done) EXPECT_TRUE(d.get_future().get().has_value());
  const auto commits = observer_.commits();
  ASSERT_EQ(commits.size(), 3u);
  EXPECT_EQ(commits[1].rows, 4);
  EXPECT_EQ(commits[2].rows, 4);
}

TEST_F(SqliteStoreTest, FullQueueIsResourceExhausted) {
  store::SqliteStoreOptions options = Options();
  options.max_queue_requests = 1;
  OpenWith(options);
  std::promise<Result<store::PredictionBatchResult>> queued;
  Result<store::PredictionBatchResult> rejected = Internal("not called");
  Result<store::ActualBatchResult> rejected_actuals = Internal("not called");
  {
    WriterHold hold(*store_);
    store_->AppendPredictions({Event("a")}, [&](auto r) { queued.set_value(std::move(r)); });
    store_->AppendPredictions({Event("b")}, [&](auto r) { rejected = std::move(r); });
    store_->AppendActuals({Actual("a", 1)}, [&](auto r) { rejected_actuals = std::move(r); });
  }
  EXPECT_TRUE(queued.get_future().get().has_value());
  EXPECT_EQ(rejected.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(rejected_actuals.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(Get("b").has_value());
}

TEST_F(SqliteStoreTest, DatabaseFailureFailsEveryRequestOfTheGroup) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  {
    auto db = sqlite::Db::Open(Options().path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.has_value());
    // Small groups write to the inbox, large ones to prediction_logs: both fail.
    for (const char* table : {"prediction_logs", "prediction_inbox"}) {
      ASSERT_TRUE(db->Exec(std::string("PRAGMA busy_timeout=10000; CREATE TRIGGER boom_") + table +
                           " BEFORE INSERT ON " + table +
                           " WHEN NEW.model = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;")
                      .ok());
    }
  }
  std::promise<Result<store::PredictionBatchResult>> good, bad;
  std::promise<Result<store::ActualBatchResult>> actual;
  {
    WriterHold hold(*store_);
    store_->AppendPredictions({Event("good")}, [&](auto r) { good.set_value(std::move(r)); });
    store_->AppendActuals({Actual("p1", 4)}, [&](auto r) { actual.set_value(std::move(r)); });
    store_->AppendPredictions({Event("bad", "boom")}, [&](auto r) { bad.set_value(std::move(r)); });
  }
  EXPECT_EQ(good.get_future().get().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(actual.get_future().get().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bad.get_future().get().status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(Get("good").has_value());
  EXPECT_FALSE(Get("p1")->actual.has_value());
  // The store keeps working, and the failed group left no gap or stale state behind.
  auto retry = Append(*store_, {Event("good")});
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->inserted, 1);
  EXPECT_EQ(Get("good")->seq, Get("p1")->seq + 2);  // the hold event sits between them
}

TEST_F(SqliteStoreTest, AppendAfterCloseIsUnavailable) {
  store_->Close();
  EXPECT_EQ(Append(*store_, {Event("p1")}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(AppendActuals(*store_, {Actual("p1", 1)}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(
      store_->UpsertModel(registry::ModelInfo{"m", registry::ModelTask::kRegression, "", 0, 0})
          .code(),
      StatusCode::kUnavailable);
}

TEST_F(SqliteStoreTest, ReadsAfterCloseAreUnavailable) {
  store_->Close();
  EXPECT_EQ(store_->GetPrediction("p1").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->Ping().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->Stats().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->ListModels().status().code(), StatusCode::kUnavailable);
}

TEST_F(SqliteStoreTest, CloseFinishesQueuedWritesAndIsIdempotent) {
  std::promise<Result<store::PredictionBatchResult>> queued;
  {
    WriterHold hold(*store_);
    store_->AppendPredictions({Event("late")}, [&](auto r) { queued.set_value(std::move(r)); });
    std::thread closer([&] { store_->Close(); });
    hold.Release();
    closer.join();
  }
  EXPECT_TRUE(queued.get_future().get().has_value());
  store_->Close();
  Reopen();
  EXPECT_TRUE(Get("late").has_value());
}

TEST_F(SqliteStoreTest, ObserverSeesQueriesAndCommits) {
  ASSERT_TRUE(Append(*store_, {Event("p1")}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("p1", 1)}).has_value());
  ASSERT_TRUE(Get("p1").has_value());
  const auto ops = observer_.operations();
  for (const char* op : {"insert_predictions", "insert_actuals", "commit", "select"}) {
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  }
  EXPECT_EQ(observer_.commits().size(), 2u);
}

TEST_F(SqliteStoreTest, StatsCountRowsFilesAndPool) {
  ASSERT_TRUE(Append(*store_, {Event("p1"), Event("p2")}).has_value());
  ASSERT_TRUE(AppendActuals(*store_, {Actual("nope", 1)}).has_value());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v1")).ok());
  auto stats = store_->Stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->table_rows["prediction_logs"], 2);
  EXPECT_EQ(stats->table_rows["pending_actuals"], 1);
  EXPECT_EQ(stats->table_rows["models"], 1);
  EXPECT_EQ(stats->table_rows["model_versions"], 1);
  EXPECT_EQ(stats->table_rows["id_index_tail"], 2);
  EXPECT_GT(stats->size_bytes, 0);
  EXPECT_EQ(stats->pool.total, 2);
  EXPECT_EQ(stats->pool.active, 0);
  EXPECT_EQ(stats->pool.idle, 2);
  EXPECT_EQ(stats->write_queue_depth, 0);
}

TEST_F(SqliteStoreTest, StatsReportTheQueueDepth) {
  WriterHold hold(*store_);
  store_->AppendPredictions({Event("a")}, [](auto) {});
  EXPECT_EQ(store_->Stats()->write_queue_depth, 1);
}

TEST_F(SqliteStoreTest, PingSucceedsOnAnOpenStore) { EXPECT_TRUE(store_->Ping().ok()); }

TEST(SqliteStoreOpenTest, RejectsBadOptions) {
  store::SqliteStoreOptions options;
  EXPECT_EQ(store::SqliteStore::Open(options).status().code(), StatusCode::kInvalidArgument);
  TempDir dir;
  options.path = dir.File("db");
  options.read_connections = 0;
  EXPECT_EQ(store::SqliteStore::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStoreOpenTest, MissingDirectoryIsUnavailable) {
  store::SqliteStoreOptions options;
  options.path = "/nonexistent-dir-for-test/store.db";
  EXPECT_EQ(store::OpenSqliteStore(options).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace mw::testing
