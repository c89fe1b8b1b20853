// cleanup-logs: which rotated files expire (the sink's names and rule), and the run on a real
// directory with a FakeClock.
#include "maintenance/cleanup_logs_task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "housekeeping_test_util.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace mw::maintenance
