#include "telemetry/log_file_sink.h"

#include <gtest/gtest.h>
#include <sys/time.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "spdlog/logger.h"
#include "telemetry/test_util.h"

namespace mw::telemetry {
namespace {

using telemetry_test::Lines;
using telemetry_test::ReadFile;
using telemetry_test::TempDir;
using telemetry_test::WriteFile;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kJan10 = 1736467200000;  // 2025-01-10T00:00:00Z

std::set<std::string> Files(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.insert(e.path().filename().string());
  }
  return out;
}

void SetMtime(const std::filesystem::path& p, int64_t epoch_ms) {
  const struct timeval times[2] = {{epoch_ms / 1000, 0}, {epoch_ms / 1000, 0}};
  ASSERT_EQ(::utimes(p.c_str(), times), 0);
}

struct Fixture {
  explicit Fixture(const std::filesystem::path& dir, int64_t max_bytes = 1 << 20,
                   int64_t retention = 30)
      : clock(kJan10 + 3600'000) {
    sink = std::make_shared<RotatingLogFileSink>(
        LogFileOptions{dir.string(), "app", max_bytes, retention, &clock});
    logger = std::make_shared<spdlog::logger>("t", sink);
    logger->set_pattern("%v");
  }
  void Write(const std::string& line) {
    logger->info(line);
    logger->flush();
  }
  FakeClock clock;
  std::shared_ptr<RotatingLogFileSink> sink;
  std::shared_ptr<spdlog::logger> logger;
};

TEST(RotatingLogFileSinkTest, WritesToTheActiveFile) {
  TempDir dir;
  Fixture f(dir.path());
  f.Write("one");
  EXPECT_EQ(f.sink->active_path(), (dir.path() / "app.log").string());
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "one\n");
}

TEST(RotatingLogFileSinkTest, RotatesWhenTheUtcDayChanges) {
  TempDir dir;
  Fixture f(dir.path());
  f.Write("day1");
  f.clock.Advance(kDay);
  f.Write("day2");
  EXPECT_EQ(ReadFile(dir.path() / "app.2025-01-10.log"), "day1\n");
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "day2\n");
}

TEST(RotatingLogFileSinkTest, RotatesWhenALineWouldPassTheSizeCap) {
  TempDir dir;
  Fixture f(dir.path(), /*max_bytes=*/10);
  f.Write("aaaa");  // 5 bytes
  f.Write("bbbb");  // 10 bytes: fits exactly
  f.Write("cccc");  // would be 15: rotate
  f.Write("dddd");
  f.Write("eeee");  // rotate again, same day
  EXPECT_EQ(ReadFile(dir.path() / "app.2025-01-10.log"), "aaaa\nbbbb\n");
  EXPECT_EQ(ReadFile(dir.path() / "app.2025-01-10.1.log"), "cccc\ndddd\n");
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "eeee\n");
}

TEST(RotatingLogFileSinkTest, WritesALineLargerThanTheCapWhole) {
  TempDir dir;
  Fixture f(dir.path(), /*max_bytes=*/4);
  f.Write("0123456789");
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "0123456789\n");
}

TEST(RotatingLogFileSinkTest, DeletesRotatedFilesOlderThanRetentionAtStartAndRotation) {
  TempDir dir;
  WriteFile(dir.path() / "app.2024-12-01.log", "old\n");     // 40 days before: deleted
  WriteFile(dir.path() / "app.2024-12-01.2.log", "old\n");   // same
  WriteFile(dir.path() / "app.2024-12-31.log", "recent\n");  // 10 days before: kept
  WriteFile(dir.path() / "other.2024-12-01.log", "x\n");     // another base name: kept
  WriteFile(dir.path() / "app.notadate.log", "x\n");         // not ours: kept
  Fixture f(dir.path(), 1 << 20, /*retention=*/30);
  EXPECT_EQ(Files(dir.path()), (std::set<std::string>{"app.log", "app.2024-12-31.log",
                                                      "other.2024-12-01.log", "app.notadate.log"}));
  f.Write("x");
  f.clock.Advance(11 * kDay);  // 2025-01-21: 2024-12-31 is now 21 days old, still kept
  f.Write("y");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "app.2024-12-31.log"));
  f.clock.Advance(10 * kDay);  // 2025-01-31: 31 days old
  f.Write("z");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "app.2024-12-31.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "app.2025-01-21.log"));
}

TEST(RotatingLogFileSinkTest, AppendsToAnActiveFileLeftEarlierTheSameDay) {
  TempDir dir;
  WriteFile(dir.path() / "app.log", "first run\n");
  SetMtime(dir.path() / "app.log", kJan10 + 600'000);  // 00:10 the same day as the fixture
  Fixture f(dir.path());
  f.Write("second run");
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "first run\nsecond run\n");
}

TEST(RotatingLogFileSinkTest, RotatesAnActiveFileLeftOnAnEarlierDayUnderThatDay) {
  TempDir dir;
  WriteFile(dir.path() / "app.log", "yesterday\n");
  SetMtime(dir.path() / "app.log", kJan10 - kDay + 600'000);
  Fixture f(dir.path());
  f.Write("today");
  EXPECT_EQ(ReadFile(dir.path() / "app.2025-01-09.log"), "yesterday\n");
  EXPECT_EQ(ReadFile(dir.path() / "app.log"), "today\n");
}

TEST(RotatingLogFileSinkTest, ThrowsWhenTheFileCannotBeOpened) {
  TempDir dir;
  WriteFile(dir.path() / "blocker", "x");
  FakeClock clock;
  EXPECT_THROW(RotatingLogFileSink(
                   LogFileOptions{(dir.path() / "blocker").string(), "app", 1024, 1, &clock}),
               spdlog::spdlog_ex);
}

TEST(RotatedFileDayTest, RecognisesOnlyRotatedNamesOfTheBase) {
  EXPECT_EQ(RotatedFileDay("app.2025-01-10.log", "app"), kJan10 / kDay);
  EXPECT_EQ(RotatedFileDay("app.2025-01-10.12.log", "app"), kJan10 / kDay);
  EXPECT_FALSE(RotatedFileDay("app.log", "app"));
  EXPECT_FALSE(RotatedFileDay("app.2025-01-10.x.log", "app"));
  EXPECT_FALSE(RotatedFileDay("app.2025-13-10.log", "app"));
  EXPECT_FALSE(RotatedFileDay("audit.2025-01-10.log", "app"));
  EXPECT_FALSE(RotatedFileDay("app.2025-01-10.log.gz", "app"));
}

}  // namespace
}  // namespace mw::telemetry
