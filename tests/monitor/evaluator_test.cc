// The background evaluator over a real SQLite store: data stored by an older version (names that
// are not UTF-8) and passes that throw must not end the thread, let alone the process.
#include "monitor/evaluator.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "common/background.h"
#include "profile/profile_cache.h"
#include "store/sqlite_store.h"

namespace mw::monitor {
namespace {

namespace fs = std::filesystem;

class RecordingReporter : public BackgroundErrorReporter {
 public:
  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override {
    std::lock_guard lock(mu);
    errors.emplace_back(std::string(thread) + ": " + std::string(what));
  }
  size_t count() {
    std::lock_guard lock(mu);
    return errors.size();
  }
  std::mutex mu;
  std::vector<std::string> errors;
};

// Delegates to a real store; ListModels throws while `throws` is positive (a pass that throws).
class ThrowingStore final : public store::Store {
 public:
  explicit ThrowingStore(store::Store& real) : real_(real) {}
  std::atomic<int> throws{0};

  void AppendPredictions(std::vector<ingest::PredictionEvent> e, PredictionsDone d) override {
    real_.AppendPredictions(std::move(e), std::move(d));
  }
  void AppendActuals(std::vector<ingest::ActualEvent> a, ActualsDone d) override {
    real_.AppendActuals(std::move(a), std::move(d));
  }
  Status UpsertModel(const registry::ModelInfo& m) override { return real_.UpsertModel(m); }
  Status UpsertModelVersion(const registry::ModelVersionInfo& v) override {
    return real_.UpsertModelVersion(v);
  }
  Result<std::vector<registry::ModelInfo>> ListModels() const override {
    if (const_cast<std::atomic<int>&>(throws).fetch_sub(1) > 0) {
      throw std::runtime_error("injected failure");
    }
    return real_.ListModels();
  }
  Result<registry::ModelInfo> GetModel(const std::string& n) const override {
    return real_.GetModel(n);
  }
  Result<std::vector<registry::ModelVersionInfo>> ListModelVersions(
      const std::string& m) const override {
    return real_.ListModelVersions(m);
  }
  Result<ingest::PredictionRecord> GetPrediction(const std::string& id) const override {
    return real_.GetPrediction(id);
  }
  Result<std::vector<ingest::PredictionRecord>> QueryPredictions(
      const store::PredictionQuery& q) const override {
    return real_.QueryPredictions(q);
  }
  Result<std::vector<ingest::PredictionRecord>> GetPredictionsBySeq(
      std::span<const int64_t> s) const override {
    return real_.GetPredictionsBySeq(s);
  }
  Status PutReferenceProfile(const store::ReferenceProfileRecord& r) override {
    return real_.PutReferenceProfile(r);
  }
  Result<store::ReferenceProfileRecord> GetReferenceProfile(const std::string& m,
                                                            const std::string& v,
                                                            const std::string& s) const override {
    return real_.GetReferenceProfile(m, v, s);
  }
  Result<std::vector<store::ReferenceProfileRecord>> ListReferenceProfiles(
      const std::string& m) const override {
    return real_.ListReferenceProfiles(m);
  }
  Status AppendSnapshots(const std::vector<store::EvaluationSnapshot>& s) override {
    return real_.AppendSnapshots(s);
  }
  Result<std::vector<store::EvaluationSnapshot>> QuerySnapshots(
      const store::SnapshotQuery& q) const override {
    return real_.QuerySnapshots(q);
  }
  Status Ping() const override { return real_.Ping(); }
  Result<int64_t> BeginMaintenanceRun(const store::MaintenanceRun& run) override {
    return real_.BeginMaintenanceRun(run);
  }
  Status FinishMaintenanceRun(const store::MaintenanceRun& run) override {
    return real_.FinishMaintenanceRun(run);
  }
  Result<std::vector<store::MaintenanceRun>> ListMaintenanceRuns(
      const store::MaintenanceRunQuery& q) const override {
    return real_.ListMaintenanceRuns(q);
  }
  Result<int64_t> AppendRetrainRequest(const store::RetrainRequest& r) override {
    return real_.AppendRetrainRequest(r);
  }
  Status FinishRetrainRequest(const store::RetrainRequest& r) override {
    return real_.FinishRetrainRequest(r);
  }
  Result<std::vector<store::RetrainRequest>> ListRetrainRequests(
      const store::RetrainRequestQuery& q) const override {
    return real_.ListRetrainRequests(q);
  }
  Result<store::RetrainRequest> LastRetrainRequest(const std::string& model,
                                                   const std::string& segment) const override {
    return real_.LastRetrainRequest(model, segment);
  }
  Result<int64_t> DeleteSnapshotsBefore(int64_t cutoff_ms, bool dry_run) override {
    return real_.DeleteSnapshotsBefore(cutoff_ms, dry_run);
  }
  Result<std::vector<store::PredictionDay>> ListPredictionDaysBefore(
      int64_t cutoff_ms) const override {
    return real_.ListPredictionDaysBefore(cutoff_ms);
  }
  Result<int64_t> DeleteArchivedPredictions(
      std::span<const ingest::PredictionRecord> rows) override {
    return real_.DeleteArchivedPredictions(rows);
  }
  Result<std::pair<int64_t, int64_t>> RestorePredictions(
      std::span<const ingest::PredictionRecord> rows) override {
    return real_.RestorePredictions(rows);
  }
  Result<store::VacuumResult> Vacuum() override { return real_.Vacuum(); }
  Status BackupTo(const std::string& path) const override { return real_.BackupTo(path); }
  Status DeleteModelVersion(const std::string& model, const std::string& segment,
                            const std::string& version) override {
    return real_.DeleteModelVersion(model, segment, version);
  }
  Status WriteHealth() const override { return real_.WriteHealth(); }
  Result<store::StoreStats> Stats() const override { return real_.Stats(); }
  void Close() override { real_.Close(); }

 private:
  store::Store& real_;
};

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mw-evaluator-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store::SqliteStoreOptions o;
    o.path = (dir_ / "m.db").string();
    o.clock = &clock_;
    auto store = store::OpenSqliteStore(o);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    if (store_) store_->Close();
    fs::remove_all(dir_);
  }

  // Registers model `model` (regression) and its latest version `version`, then logs 20
  // predictions with actuals a minute ago.
  void Seed(const std::string& model, const std::string& version) {
    registry::ModelInfo m;
    m.name = model;
    m.task = registry::ModelTask::kRegression;
    ASSERT_TRUE(store_->UpsertModel(m).ok());
    registry::ModelVersionInfo v;
    v.model = model;
    v.version = version;
    v.is_latest = true;
    v.training_metrics = {{"mae", 1.0}};
    ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
    std::vector<ingest::PredictionEvent> events;
    for (int i = 0; i < 20; ++i) {
      ingest::PredictionEvent e;
      e.id = model + "-" + std::to_string(i);
      e.model = model;
      e.timestamp_ms = clock_.NowMillis() - 60'000;
      e.features_json = "{}";
      e.prediction = i;
      e.actual = i + 1.0;
      e.content_hash = 1000 + i;
      events.push_back(std::move(e));
    }
    std::promise<bool> done;
    store_->AppendPredictions(std::move(events), [&](Result<store::PredictionBatchResult> r) {
      done.set_value(r.has_value());
    });
    ASSERT_TRUE(done.get_future().get());
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  profile::ProfileCache cache_{2};
  prometheus::Registry registry_;
  QualityMetrics metrics_{registry_, "ml", "segment"};
};

// Defect: a version name that is not UTF-8 (stored through PUT /v1/models/m/versions/%ff by an
// older version) made the performance snapshot's dump() throw, which ended the process.
TEST_F(EvaluatorTest, ANonUtf8VersionStoredEarlierIsReplacedInTheSnapshotNotThrown) {
  Seed("m", "v\xff\x01");
  QualityService service(*store_, cache_, ServiceOptions{}, clock_);
  Evaluator evaluator(*store_, service, &metrics_, clock_, EvaluatorOptions{});
  Status pass = Internal("not run");
  EXPECT_NO_THROW(pass = evaluator.EvaluateOnce());
  EXPECT_TRUE(pass.ok()) << pass.ToString();
  store::SnapshotQuery q;
  q.model = "m";
  q.kind = "performance";
  auto snapshots = store_->QuerySnapshots(q);
  ASSERT_TRUE(snapshots.has_value());
  ASSERT_EQ(snapshots->size(), 1u);
  const auto payload = nlohmann::json::parse((*snapshots)[0].payload_json, nullptr, false);
  ASSERT_FALSE(payload.is_discarded()) << (*snapshots)[0].payload_json;
  EXPECT_EQ(payload["training_version"], "v\xEF\xBF\xBD\x01");  // U+FFFD for the 0xff byte
}

TEST_F(EvaluatorTest, ThePassLoopSurvivesPassesThatThrowAndReportsEachOne) {
  Seed("m", "v1");
  ThrowingStore throwing(*store_);
  throwing.throws = 2;
  QualityService service(throwing, cache_, ServiceOptions{}, clock_);
  RecordingReporter reporter;
  EvaluatorOptions o;
  o.interval_ms = 1;
  o.errors = &reporter;
  Evaluator evaluator(throwing, service, &metrics_, clock_, o);
  evaluator.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (evaluator.status().passes < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // poll interval
  }
  evaluator.Stop();
  EXPECT_GE(evaluator.status().passes, 4);
  EXPECT_TRUE(evaluator.status().last_error.empty()) << evaluator.status().last_error;
  ASSERT_EQ(reporter.count(), 2u);
  EXPECT_EQ(reporter.errors[0], "evaluator: injected failure");
}

}  // namespace
}  // namespace mw::monitor
