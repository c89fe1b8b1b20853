// cleanup-logs, retention and vacuum on a real store in a temp directory with a FakeClock.
#include <gtest/gtest.h>

#include <fstream>

#include "housekeeping_test_util.h"
#include "maintenance/cleanup_logs_task.h"
#include "maintenance/retention_task.h"
#include "maintenance/vacuum_task.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kDay = 86'400'000;

void Touch(const fs::path& path, const std::string& text = "x") { std::ofstream(path) << text; }

// Today (clock) is 2025-12-06: day 20428.
TEST(CleanupLogsRuleTest, ExpiresRotatedFilesStrictlyPastTheirRetentionOnly) {
  const int64_t today = 20428;
  CleanupLogsOptions o{"dir", 30, 90};
  const std::vector<std::string> names = {
      "modelwatch.log",                // active: never
      "audit.log",                     // active: never
      "modelwatch.2025-11-06.log",     // today - 30: kept
      "modelwatch.2025-11-05.log",     // today - 31: removed
      "modelwatch.2025-11-05.2.log",   // size-rotated the same day: removed
      "audit.2025-11-05.log",          // audit keeps 90 days
      "audit.2025-09-07.log",          // today - 90: kept
      "audit.2025-09-06.log",          // today - 91: removed
      "other.2020-01-01.log",          // not ours
      "modelwatch.2020-01-01.log.gz",  // not the sink's name
  };
  EXPECT_EQ(ExpiredLogFiles(names, today, o),
            (std::vector<std::string>{"modelwatch.2025-11-05.log", "modelwatch.2025-11-05.2.log",
                                      "audit.2025-09-06.log"}));
}

TEST_F(HousekeepingTest, CleanupLogsRemovesExactlyTheExpiredFilesAndADryRunNone) {
  const fs::path logs = dir_ / "logs";
  fs::create_directories(logs);
  for (const char* n : {"modelwatch.log", "audit.log", "modelwatch.2025-11-06.log",
                        "modelwatch.2025-11-05.log", "audit.2025-09-06.log", "notes.txt"}) {
    Touch(logs / n, "12345");
  }
  CleanupLogsTask task({logs.string(), 30, 90});
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);
  EXPECT_EQ(dry->bytes, 10);
  EXPECT_TRUE(fs::exists(logs / "modelwatch.2025-11-05.log"));
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->items, 2);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(logs)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"audit.log", "modelwatch.2025-11-06.log",
                                            "modelwatch.log", "notes.txt"}));
}

TEST_F(HousekeepingTest, CleanupLogsWithoutALogDirectoryDoesNothing) {
  CleanupLogsTask task({"", 30, 90});
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->items, 0);
}

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

TEST_F(HousekeepingTest, VacuumReportsInADryRunAndReclaimsForReal) {
  std::vector<store::EvaluationSnapshot> batch;
  for (int i = 0; i < 1500; ++i) {
    auto s = SnapshotAt(1000 + i);
    s.payload_json = "\"" + std::string(2000, 'p') + "\"";
    batch.push_back(s);
  }
  ASSERT_TRUE(store_->AppendSnapshots(batch).ok());
  ASSERT_EQ(*store_->DeleteSnapshotsBefore(1'000'000, false), 1500);
  OpenStore();  // the close checkpoints: free pages are in the main file
  const std::string path = (dir_ / "modelwatch.db").string();
  VacuumTask task(*store_, {path, (dir_ / "alerts.db").string(), ""});
  auto dry_ctx = Context(true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 1);  // alerts.db does not exist: skipped
  EXPECT_GT(dry->bytes, 2'000'000);
  const auto size_before = fs::file_size(path);
  EXPECT_GT(size_before, 3'000'000u);
  auto ctx = Context(false);
  auto done = task.Run(ctx);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(done->items, 1);
  EXPECT_GT(done->bytes, 2'000'000) << done->message;
}

}  // namespace
}  // namespace mw::maintenance
