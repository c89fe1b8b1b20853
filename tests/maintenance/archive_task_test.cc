// archive-predictions on a real SqliteStore in a temporary directory with a FakeClock: exact
// retention boundaries, archive -> restore round trips, dry runs, the writable-directory
// precondition, idempotent reruns, rows that change while they are archived, and kill -9 at
// named points of the work (a forked child is SIGKILLed there; a rerun must complete and lose
// nothing).
#include "maintenance/archive_task.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "maintenance/prediction_archive.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"
#include "telemetry/logging.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kArchiveDay = 86'400'000;
constexpr int64_t kArchiveDay0 = 19'700 * kArchiveDay;  // 2023-12-09 00:00 UTC

telemetry::LoggerOptions QuietLog() {
  telemetry::LoggerOptions o;
  o.stdout_enabled = false;
  return o;
}

// Every field but seq, for comparing rows across an archive and a restore.
std::string Key(const ingest::PredictionRecord& r) { return ArchiveLine(r); }

class ArchiveTaskTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    store::SqliteStoreOptions o;
    o.path = dir_.File("store.db");
    o.read_connections = 2;
    o.clock = &clock_;
    // A kill -9 loses nothing of the WAL without fsyncs (only power loss would), and fsyncs on a
    // shared disk make these tests slow.
    o.synchronous_full = false;
    auto s = store::SqliteStore::Open(o);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
  }
  fs::path ArchiveDir() const { return dir_.File("archive"); }

  ArchiveTaskOptions Options() const {
    ArchiveTaskOptions o;
    o.archive_dir = ArchiveDir();
    o.retention_days = 90;
    o.nice = 0;  // a niced thread crawls on a loaded test machine (one test keeps it)
    return o;
  }

  Result<TaskOutcome> RunTask(ArchiveTaskOptions o, bool dry_run = false) {
    ArchivePredictionsTask task(*store_, std::move(o));
    NoProgress progress;
    TaskContext ctx{clock_, log_, progress};
    ctx.dry_run = dry_run;
    return task.Run(ctx);
  }

  // n rows per (model, day) for `days` days from kArchiveDay0; every third with an actual.
  std::vector<ingest::PredictionEvent> Traffic(const std::vector<std::string>& models, int days,
                                               int n) {
    std::vector<ingest::PredictionEvent> out;
    for (const auto& model : models) {
      for (int d = 0; d < days; ++d) {
        for (int i = 0; i < n; ++i) {
          auto e = testing::Event(model + "-" + std::to_string(d) + "-" + std::to_string(i), model,
                                  0.001 * i);
          e.timestamp_ms = kArchiveDay0 + d * kArchiveDay + i * 1000;
          e.features_json = R"({"x":)" + std::to_string(i) + R"(,"c":"é\"q"})";
          if (i % 3 == 0) e.actual = i % 2;
          if (i % 4 == 0) e.latency_ms = 0.5 + i;
          e.segment = i % 5 == 0 ? "eu" : "";
          out.push_back(std::move(e));
        }
      }
    }
    return out;
  }

  void Store(std::vector<ingest::PredictionEvent> events) {
    for (size_t at = 0; at < events.size(); at += 5000) {
      std::vector<ingest::PredictionEvent> batch(
          events.begin() + at, events.begin() + std::min(events.size(), at + 5000));
      auto r = testing::Append(*store_, std::move(batch));
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
    }
  }

  std::map<std::string, std::string> Snapshot() {
    store::PredictionQuery q;
    q.limit = 1'000'000;
    auto rows = store_->QueryPredictions(q);
    EXPECT_TRUE(rows.has_value());
    std::map<std::string, std::string> out;
    for (const auto& r : *rows) out[r.id] = Key(r);
    return out;
  }

  std::vector<fs::path> ArchiveFiles() const {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::exists(ArchiveDir(), ec)) return out;
    for (const auto& e : fs::recursive_directory_iterator(ArchiveDir())) {
      if (e.path().string().ends_with(".ndjson.zst")) out.push_back(e.path());
    }
    return RestoreOrder(out);
  }

  void RestoreAll() {
    for (const auto& file : ArchiveFiles()) {
      auto r = RestoreArchive(*store_, file);
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
    }
  }

  testing::TempDir dir_;
  FakeClock clock_{kArchiveDay0 + 100 * kArchiveDay};
  telemetry::Logger log_{QuietLog()};
  std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(ArchiveTaskTest, RetentionBoundaryIsExactAndWholeDaysOnly) {
  clock_.Set(kArchiveDay0 + 90 * kArchiveDay);  // cutoff = kArchiveDay0 exactly
  auto a = testing::Event("old", "m");
  a.timestamp_ms = kArchiveDay0 - 1;
  auto b = testing::Event("edge", "m");
  b.timestamp_ms = kArchiveDay0;
  Store({a, b});
  ArchiveTaskOptions niced = Options();
  niced.nice = 10;  // the default: the run on a thread of its own
  auto out = RunTask(niced);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(out->items, 1);
  EXPECT_FALSE(store_->GetPrediction("old").has_value());
  EXPECT_TRUE(store_->GetPrediction("edge").has_value());
  EXPECT_TRUE(fs::exists(ArchiveDir() / "m" / "2023-12-08.ndjson.zst"));
  EXPECT_TRUE(fs::exists(ArchiveDir() / "m" / "2023-12-08.manifest.json"));
  // Half a day later the cutoff is inside kArchiveDay0's day: still not whole, still kept.
  clock_.Set(kArchiveDay0 + 90 * kArchiveDay + kArchiveDay / 2);
  out = RunTask(Options());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->items, 0);
  EXPECT_TRUE(store_->GetPrediction("edge").has_value());
  clock_.Set(kArchiveDay0 + 91 * kArchiveDay);
  out = RunTask(Options());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->items, 1);
  EXPECT_FALSE(store_->GetPrediction("edge").has_value());
}

TEST_F(ArchiveTaskTest, ArchiveThenRestoreReturnsIdenticalRows) {
  Store(Traffic({"demand", "fraud/v2 eu"}, 3, 250));
  auto recent = testing::Event("recent", "demand");
  recent.timestamp_ms = clock_.NowMillis() - kArchiveDay;
  Store({recent});
  const auto before = Snapshot();
  auto out = RunTask(Options());
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(out->items, 2 * 3 * 250);
  EXPECT_GT(out->bytes, 0);
  EXPECT_THAT(out->message, HasSubstr("archived 1,500 rows of 2 models over 3 days into 6 files"));
  EXPECT_TRUE(fs::exists(ArchiveDir() / "fraud%2Fv2%20eu" / "2023-12-11.ndjson.zst"));
  EXPECT_EQ(Snapshot().size(), 1u);  // only "recent"
  auto manifest = ReadManifest(ArchiveDir() / "demand" / "2023-12-09.manifest.json");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().ToString();
  EXPECT_EQ(manifest->archive.rows, 250);
  EXPECT_EQ(manifest->model, "demand");
  RestoreAll();
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ArchiveTaskTest, DryRunChangesNothing) {
  Store(Traffic({"m"}, 2, 100));
  const auto before = Snapshot();
  auto out = RunTask(Options(), /*dry_run=*/true);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(out->items, 200);
  EXPECT_THAT(out->message, HasSubstr("would archive 200 rows of 1 models over 2 days"));
  EXPECT_FALSE(fs::exists(ArchiveDir()));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ArchiveTaskTest, RefusedWhenTheDirectoryCannotBeCreated) {
  Store(Traffic({"m"}, 1, 10));
  const fs::path file = dir_.File("a-file");
  std::ofstream(file) << "x";
  ArchiveTaskOptions o = Options();
  o.archive_dir = file / "archive";  // mkdir under a regular file fails, even as root
  auto out = RunTask(o);
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.error().message(), HasSubstr((file / "archive").string()));
  EXPECT_THAT(out.error().message(), HasSubstr("Not a directory"));
  EXPECT_EQ(Snapshot().size(), 10u);
}

TEST_F(ArchiveTaskTest, ARerunIsIdempotent) {
  Store(Traffic({"m"}, 2, 50));
  ASSERT_EQ(RunTask(Options()).value().items, 100);
  const auto files = ArchiveFiles();
  auto again = RunTask(Options());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->items, 0);
  EXPECT_EQ(ArchiveFiles(), files);
}

TEST_F(ArchiveTaskTest, AnActualArrivingWhileArchivingKeepsTheRowForALaterPart) {
  Store(Traffic({"m"}, 1, 30));
  const std::string id = "m-0-1";  // no actual yet
  ArchiveTaskOptions o = Options();
  o.test_hook = [&](std::string_view point) {
    if (point == "deleting") {
      ASSERT_TRUE(testing::AppendActuals(*store_, {testing::Actual(id, 1.0)}).has_value());
    }
  };
  auto out = RunTask(o);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(out->items, 29);
  const auto kept = store_->GetPrediction(id);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->actual, 1.0);
  const auto before = Snapshot();  // holds the row with its actual
  out = RunTask(Options());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->items, 1);
  EXPECT_TRUE(fs::exists(ArchiveDir() / "m" / "2023-12-09.part2.ndjson.zst"));
  RestoreAll();
  const auto restored = store_->GetPrediction(id);
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->actual, 1.0);  // the later part won
  EXPECT_EQ(Snapshot().size(), 30u);
  EXPECT_EQ(Snapshot().at(id), before.at(id));
}

TEST_F(ArchiveTaskTest, ADamagedArchiveStopsTheRunAndDeletesNothing) {
  Store(Traffic({"m"}, 1, 20));
  fs::create_directories(ArchiveDir() / "m");
  std::ofstream(ArchiveDir() / "m" / "2023-12-09.ndjson.zst") << "not zstd";
  auto out = RunTask(Options());
  ASSERT_FALSE(out.has_value());
  EXPECT_THAT(out.error().message(), HasSubstr("is damaged"));
  EXPECT_EQ(Snapshot().size(), 20u);
  auto restore = RestoreArchive(*store_, ArchiveDir() / "m" / "2023-12-09.ndjson.zst");
  ASSERT_FALSE(restore.has_value());
  EXPECT_EQ(restore.error().code(), StatusCode::kFailedPrecondition);
}

// kill -9 at each named point (and at a random moment of the deletes): the rerun completes, and
// the archives plus the rows left equal the original rows exactly.
class ArchiveKillTest : public ArchiveTaskTest,
                        public ::testing::WithParamInterface<std::string> {};

TEST_P(ArchiveKillTest, ARerunAfterKill9LosesNothingAndCompletes) {
  Store(Traffic({"a", "b"}, 2, 200));
  auto recent = testing::Event("recent", "a");
  recent.timestamp_ms = clock_.NowMillis();
  Store({recent});
  const auto original = Snapshot();
  store_.reset();  // the child owns the database while it runs
  const std::string point = GetParam();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Open();
    ArchiveTaskOptions o = Options();
    int seen = 0;
    o.test_hook = [&](std::string_view at) {
      if (point == "mid-delete" && at == "deleting" && ++seen == 2) {
        std::thread([] {
          std::this_thread::sleep_for(std::chrono::microseconds(500));
          ::raise(SIGKILL);
        }).detach();
      } else if (at == point && ++seen == 2) {  // the second (model, day): one is done already
        ::raise(SIGKILL);
      }
    };
    (void)RunTask(o);
    ::_exit(3);  // the point was never reached (or mid-delete finished first)
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  if (point != "mid-delete") {
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  }
  Open();
  auto out = RunTask(Options());
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(Snapshot().size(), 1u);  // everything old is archived now
  auto again = RunTask(Options());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->items, 0);
  RestoreAll();
  EXPECT_EQ(Snapshot(), original);
}

INSTANTIATE_TEST_SUITE_P(Points, ArchiveKillTest,
                         ::testing::Values("read", "written", "manifest", "verified", "deleting",
                                           "mid-delete", "deleted"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace mw::maintenance
