// The report loader and the weekly-report task on a real SQLite store in a temporary directory,
// with a FakeClock: what goes into a report (volume, metrics vs training, drift with histograms,
// unavailable sections), where the files go, dry run, refusal, and the names of report files.
#include "maintenance/report_task.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "profile/profile_cache.h"
#include "profile/reference_builder.h"
#include "profile/serialize.h"
#include "store/sqlite_store.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kHour = 3'600'000, kTaskDay = 24 * kHour;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReportTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mw-report-task-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    clock_.Set(*ParseDay("2026-12-09") + 10 * kHour);  // a Wednesday
    store::SqliteStoreOptions o;
    o.path = (dir_ / "m.db").string();
    o.clock = &clock_;
    auto store = store::OpenSqliteStore(o);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    service_ = std::make_unique<monitor::QualityService>(*store_, cache_, monitor::ServiceOptions{},
                                                         clock_);
  }
  void TearDown() override {
    service_.reset();
    if (store_) store_->Close();
    fs::remove_all(dir_);
  }

  // Model "demand" (regression), version v1 of segment s1 with training mae 1, a reference where
  // x is uniform on 0..99; 40 predictions a day in the week 2026-11-30..12-07 with x shifted by
  // +60 and an error of 2, plus 5 rows on 12-08 (outside the week).
  void Seed() {
    registry::ModelInfo m;
    m.name = "demand";
    m.task = registry::ModelTask::kRegression;
    ASSERT_TRUE(store_->UpsertModel(m).ok());
    registry::ModelVersionInfo v;
    v.model = "demand";
    v.version = "v1";
    v.segment = "s1";
    v.is_latest = true;
    v.training_metrics = {{"mae", 1.0}, {"rmse", 1.5}};
    ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
    std::string csv = "x,c,prediction,actual\n";
    for (int i = 0; i < 400; ++i) {
      csv += std::to_string(i % 100) + "," + (i % 2 ? "a" : "b") + ",1,2\n";
    }
    auto profile = profile::BuildProfileFromCsv(csv);
    ASSERT_TRUE(profile.has_value()) << profile.error().ToString();
    store::ReferenceProfileRecord r;
    r.model = "demand";
    r.version = "v1";
    r.segment = "s1";
    r.source = "upload";
    r.rows = profile->rows;
    r.profile = profile::SerializeProfile(*profile);
    r.size_bytes = static_cast<int64_t>(r.profile.size());
    ASSERT_TRUE(store_->PutReferenceProfile(r).ok());
    std::vector<ingest::PredictionEvent> events;
    const int64_t week = *ParseDay("2026-11-30");
    for (int i = 0; i < 7 * 40 + 5; ++i) {
      ingest::PredictionEvent e;
      e.id = "p" + std::to_string(i);
      e.model = "demand";
      e.segment = "s1";
      e.version = "v1";
      e.timestamp_ms = i < 280 ? week + (i / 40) * kTaskDay + (i % 40) * 30 * 60'000
                               : week + 8 * kTaskDay + i * 1000;
      e.features_json =
          "{\"x\":" + std::to_string(60 + i % 100) + ",\"c\":\"" + (i % 2 ? "a" : "b") + "\"}";
      e.prediction = i % 10;
      e.actual = i % 10 + 2.0;
      e.content_hash = 5000 + i;
      events.push_back(std::move(e));
    }
    std::promise<bool> done;
    store_->AppendPredictions(std::move(events), [&](Result<store::PredictionBatchResult> res) {
      done.set_value(res.has_value());
    });
    ASSERT_TRUE(done.get_future().get());
  }

  Result<TaskOutcome> RunTask(const std::string& reports_dir, bool dry_run) {
    ReportTask task(ReportPeriod::kWeekly, ReportSources{*store_, *service_}, {reports_dir});
    telemetry::LoggerOptions lo;
    lo.stdout_enabled = false;
    telemetry::Logger logger(lo);
    NoProgress progress;
    TaskContext ctx{clock_, logger, progress};
    ctx.dry_run = dry_run;
    return task.Run(ctx);
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  profile::ProfileCache cache_{2};
  std::unique_ptr<monitor::QualityService> service_;
};

TEST_F(ReportTaskTest, TheLoaderFillsVolumeMetricsAgainstTrainingAndDriftWithHistograms) {
  Seed();
  const ReportWindow w = PeriodWindow(ReportPeriod::kWeekly, clock_.NowMillis());
  auto data =
      LoadReport({*store_, *service_}, {"demand", ReportPeriod::kWeekly, w, clock_.NowMillis()});
  ASSERT_TRUE(data.has_value()) << data.error().ToString();
  EXPECT_EQ(FormatDay(data->from_ms), "2026-11-30");
  ASSERT_EQ(data->volume.size(), 7u);
  for (const DayVolume& v : data->volume) EXPECT_EQ(v.predictions, 40);
  ASSERT_EQ(data->segments.size(), 1u);
  const SegmentReport& s = data->segments[0];
  EXPECT_EQ(s.segment, "s1");
  EXPECT_EQ(s.version, "v1");
  EXPECT_EQ(s.predictions, 280);  // the rows of 12-08 are outside the week
  ASSERT_EQ(s.metrics.size(), 2u);
  EXPECT_EQ(s.metrics[0].metric, "mae");
  EXPECT_EQ(s.metrics[0].training_value, 1.0);
  EXPECT_EQ(s.metrics[0].period_value, 2.0);
  EXPECT_EQ(s.metrics[0].degradation_pct, 100.0);
  EXPECT_EQ(s.metrics[0].points.size(), 28u);  // 6 h buckets over 7 days
  EXPECT_EQ(s.metrics[0].points[0].value, 2.0);
  EXPECT_EQ(s.metrics[1].metric, "rmse");
  EXPECT_EQ(s.drift_status, "ok");
  ASSERT_FALSE(s.features.empty());
  EXPECT_EQ(s.features[0].name, "x");
  EXPECT_TRUE(s.features[0].drifted);
  EXPECT_FALSE(s.features[0].bins.empty());
  EXPECT_EQ(data->alerts.unavailable.substr(0, 18), "no alert engine in");
}

TEST_F(ReportTaskTest, TheTaskWritesHtmlAndMarkdownPerModelForTheLastFullWeek) {
  Seed();
  const std::string reports = (dir_ / "reports").string();
  auto dry = RunTask(reports, true);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);
  EXPECT_FALSE(fs::exists(dir_ / "reports" / "demand"));
  auto outcome = RunTask(reports, false);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().ToString();
  EXPECT_EQ(outcome->items, 2);
  const fs::path html = dir_ / "reports" / "demand" / "weekly-2026-11-30.html";
  const fs::path md = dir_ / "reports" / "demand" / "weekly-2026-11-30.md";
  ASSERT_TRUE(fs::exists(html));
  ASSERT_TRUE(fs::exists(md));
  EXPECT_EQ(outcome->bytes, static_cast<int64_t>(fs::file_size(html) + fs::file_size(md)));
  EXPECT_EQ(dry->bytes, outcome->bytes);
  const std::string text = ReadAll(html);
  EXPECT_NE(text.find("data-chart=\"drift:s1/x\""), std::string::npos);
  EXPECT_NE(text.find("data-chart=\"metric:s1/mae\""), std::string::npos);
  EXPECT_NE(ReadAll(md).find("| 2026-11-30 | 40 | 40 |"), std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir_ / "reports" / "demand")) {
    EXPECT_EQ(entry.path().extension() == ".tmp", false) << entry.path();
  }
}

TEST_F(ReportTaskTest, AnUnwritableReportsDirectoryIsRefusedBeforeAnything) {
  Seed();
  std::ofstream(dir_ / "plain-file") << "x";
  auto outcome = RunTask((dir_ / "plain-file" / "reports").string(), false);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(outcome.error().message().find("cannot be created"), std::string::npos);
}

TEST_F(ReportTaskTest, AnUnknownModelIsNotFound) {
  auto data = LoadReport({*store_, *service_}, {"nope", ReportPeriod::kWeekly,
                                                PeriodWindow(ReportPeriod::kWeekly, 0), 0});
  ASSERT_FALSE(data.has_value());
  EXPECT_EQ(data.error().code(), StatusCode::kNotFound);
}

TEST(ReportNamesTest, ModelDirectoriesCannotLeaveTheReportsDirectoryAndRoundTrip) {
  EXPECT_EQ(ReportDirName("demand_forecast.v2"), "demand_forecast.v2");
  EXPECT_EQ(ReportDirName(".."), "%2E.");
  EXPECT_EQ(ReportDirName("a/b c"), "a%2Fb%20c");
  for (const std::string model : {"..", ".", "a/b c", "x%y", "ü", "demand"}) {
    EXPECT_EQ(ModelOfReportDir(ReportDirName(model)), model);
  }
  for (const char* bad : {"..", ".", "a%2fb", "a%2", "%41", ""}) {
    EXPECT_FALSE(ModelOfReportDir(bad).has_value()) << bad;
  }
  EXPECT_TRUE(IsReportFileName("weekly-2026-11-30.html"));
  EXPECT_TRUE(IsReportFileName("monthly-2026-11-01.md"));
  for (const char* bad : {"weekly-2026-11-30.html.tmp", "../weekly-2026-11-30.html",
                          "weekly-2026-13-30.md", "daily-2026-11-30.md", "weekly-2026-11-30"}) {
    EXPECT_FALSE(IsReportFileName(bad)) << bad;
  }
}

}  // namespace
}  // namespace mw::maintenance
