// retention: exact boundaries on a real store, alert history and outbox through a real rule
// engine and outbox; dry runs change nothing.
#include "maintenance/retention_task.h"

#include <gtest/gtest.h>

#include "alerting/engine/engine.h"
#include "alerting/outbox/outbox.h"
#include "housekeeping_test_util.h"
#include "sqlite/handle.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDay = 86'400'000;

store::EvaluationSnapshot SnapshotAt(int64_t at) {
  store::EvaluationSnapshot s;
  s.evaluated_at_ms = at;
  s.model = "demand";
  s.kind = "performance";
  s.payload_json = "{}";
  return s;
}

TEST_F(HousekeepingTest, RetentionBoundaryIsExactAndTheDryRunChangesNothing) {
  const int64_t cutoff = clock_.NowMillis() - 90 * kDay;
  EXPECT_EQ(RetentionCutoff(clock_.NowMillis(), 90), cutoff);
  ASSERT_TRUE(store_
                  ->AppendSnapshots(
                      {SnapshotAt(cutoff - 1), SnapshotAt(cutoff), SnapshotAt(clock_.NowMillis())})
                  .ok());
  RetentionTask task(*store_, nullptr, nullptr, RetentionOptions{90, 30, 7});
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 1);
  EXPECT_NE(dry->message.find("would delete 1 evaluation_snapshots rows"), std::string::npos)
      << dry->message;
  EXPECT_NE(dry->message.find("alert history skipped"), std::string::npos);
  store::SnapshotQuery q;
  q.model = "demand";
  EXPECT_EQ(store_->QuerySnapshots(q)->size(), 3u);
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->items, 1);
  auto left = store_->QuerySnapshots(q);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->back().evaluated_at_ms, cutoff);  // the row at the cutoff stays
}

class NeverDelivers final : public alerting::Deliverer {
 public:
  alerting::DeliveryResult Deliver(std::string_view, std::string_view) override {
    return alerting::ClassifyHttpStatus(503, "", -1);
  }
};

void ExecOn(const std::string& path, const std::string& sql) {
  auto db = sqlite::Db::Open(path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(db->Exec("PRAGMA busy_timeout=5000; " + sql).ok()) << sql;
}

TEST_F(HousekeepingTest, RetentionReachesAlertHistoryAndOnlyGivenUpOutboxRows) {
  alerting::EngineOptions eo;
  eo.state_path = (dir_ / "alerts.db").string();
  auto engine = alerting::RuleEngine::Open(
      alerting::RuleSet{}, [] { return std::string(); }, nullptr, clock_, eo);
  ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
  NeverDelivers deliverer;
  alerting::OutboxOptions oo;
  oo.path = (dir_ / "outbox.db").string();
  auto outbox = alerting::Outbox::Open(oo, clock_, deliverer);
  ASSERT_TRUE(outbox.has_value()) << outbox.error().ToString();

  const int64_t history_cutoff = RetentionCutoff(clock_.NowMillis(), 30);
  const int64_t outbox_cutoff = RetentionCutoff(clock_.NowMillis(), 7);
  std::string history;
  for (int64_t at : {history_cutoff - 1, history_cutoff, history_cutoff + 1}) {
    history +=
        "INSERT INTO alert_history (at, alertname, fingerprint, labels, annotations,"
        " state, value, active_at) VALUES (" +
        std::to_string(at) + ", 'A', 'f', '{}', '{}', 'firing', 1, 0);";
  }
  ExecOn(eo.state_path, history);
  const std::string old = std::to_string(outbox_cutoff - 1);
  ExecOn(oo.path,
         "INSERT INTO outbox (channel, payload, state, next_attempt_at, created_at,"
         " last_attempt_at) VALUES ('c', 'gone', 'failed', 0, 0, " +
             old +
             "),"
             " ('c', 'kept', 'failed', 0, 0, " +
             std::to_string(outbox_cutoff) +
             "),"
             " ('c', 'pending', 'pending', 0, 0, " +
             old + ");");

  RetentionTask task(*store_, engine->get(), outbox->get(), RetentionOptions{90, 30, 7});
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->items, 2);
  EXPECT_NE(done->message.find("1 alert_history rows older than 30 days"), std::string::npos)
      << done->message;
  EXPECT_NE(done->message.find("1 outbox rows older than 7 days"), std::string::npos);
  alerting::HistoryQuery q;
  auto left = (*engine)->History(q);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->back().at_ms, history_cutoff);
  auto failed = (*outbox)->List("failed");
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->at(0).payload, "kept");
  EXPECT_EQ((*outbox)->List("pending")->size(), 1u);  // never touched, however old
}

}  // namespace
}  // namespace mw::maintenance
