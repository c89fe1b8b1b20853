// The rule engine's state file (alerting/engine/detail/state_store.h): what Save writes Load
// reads back, and a write that fails half-way leaves nothing behind — its transaction is rolled
// back, so the file keeps the earlier state and the next write works.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "alerting/engine/detail/state_store.h"
#include "sqlite/handle.h"

namespace mw::alerting::detail {
namespace {

ActiveAlert StoredFiring(const std::string& fingerprint) {
  ActiveAlert a;
  a.group = "models";
  a.alertname = "HighError";
  a.labels = {{"alertname", "HighError"}, {"model", fingerprint}};
  a.fingerprint = fingerprint;
  a.state = ActiveAlert::State::kFiring;
  a.active_at_ms = 1000;
  a.fired_at_ms = 2000;
  a.last_evaluation_ms = 2000;
  a.value = 0.5;
  return a;
}

class AlertStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mw_state_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "alerts.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AlertStateStoreTest, HistoryRetentionKeepsTheCutoffAndDeletesOneMillisecondBefore) {
  auto store = AlertStateStore::Open(path_, 0);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  std::vector<AlertTransition> transitions;
  for (int64_t at : {9999, 10000, 10001}) {
    AlertTransition t;
    t.at_ms = at;
    t.alertname = "HighError";
    t.fingerprint = "f";
    t.state = "firing";
    transitions.push_back(t);
  }
  // now 3000: the Save's own hourly pruning does not run yet.
  ASSERT_TRUE((*store)->Save({}, transitions, 3000, 1).ok());
  auto counted = (*store)->DeleteHistoryBefore(10000, /*dry_run=*/true);
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(*counted, 1);
  auto deleted = (*store)->DeleteHistoryBefore(10000, false);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 1);
  auto left = (*store)->History(HistoryQuery{});
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->back().at_ms, 10000);
}

TEST_F(AlertStateStoreTest, LoadReturnsWhatSaveWrote) {
  auto store = AlertStateStore::Open(path_, 0);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  const std::map<std::string, ActiveAlert> alerts = {{"a", StoredFiring("a")},
                                                     {"b", StoredFiring("b")}};
  ASSERT_TRUE((*store)->Save({{"rule", &alerts}}, {}, 3000, 1000).ok());
  auto loaded = (*store)->Load();
  ASSERT_TRUE(loaded.has_value());
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].rule_key, "rule");
  EXPECT_EQ((*loaded)[0].alert.fingerprint, "a");
  EXPECT_EQ((*loaded)[0].alert.state, ActiveAlert::State::kFiring);
  EXPECT_EQ((*loaded)[0].alert.fired_at_ms, 2000);
  EXPECT_EQ((*loaded)[1].alert.labels.at("model"), "b");
}

TEST_F(AlertStateStoreTest, AForgetThatFailsHalfWayRollsBackAndTheNextWriteWorks) {
  auto store = AlertStateStore::Open(path_, 0);
  ASSERT_TRUE(store.has_value()) << store.error().message();
  const std::map<std::string, ActiveAlert> alerts = {{"a", StoredFiring("a")},
                                                     {"b", StoredFiring("b")}};
  ASSERT_TRUE((*store)->Save({{"rule", &alerts}}, {}, 3000, 1000).ok());
  {
    // Another connection makes deleting "b" fail after "a" was deleted in the same transaction.
    auto other = sqlite::Db::Open(path_, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(other
                    ->Exec("CREATE TRIGGER refuse_b BEFORE DELETE ON alert_state"
                           " WHEN old.fingerprint = 'b' BEGIN SELECT RAISE(ABORT, 'refused'); END")
                    .ok());
  }
  EXPECT_FALSE((*store)->Forget({StoredFiring("a"), StoredFiring("b")}).ok());

  auto loaded = (*store)->Load();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->size(), 2u) << "the delete of \"a\" was rolled back";
  // No transaction was left open on the handle: the next write starts its own and commits.
  EXPECT_TRUE((*store)->Forget({StoredFiring("a")}).ok());
  loaded = (*store)->Load();
  ASSERT_TRUE(loaded.has_value());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].alert.fingerprint, "b");
}

}  // namespace
}  // namespace mw::alerting::detail
