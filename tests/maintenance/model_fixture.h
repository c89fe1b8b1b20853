// Test fixture of the model tasks: a real SqliteStore in a temporary directory, a FakeClock, the
// quality service over it, a logger that writes nowhere, and builders for registered models with
// training metrics and predictions with actuals (a degraded regression model: mean absolute
// error about 3 against 1 in training).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "maintenance/task.h"
#include "monitor/service.h"
#include "profile/profile_cache.h"
#include "store/sqlite_store.h"
#include "telemetry/logging.h"

namespace mw::maintenance::testing {

inline constexpr int64_t kNow = 1'750'000'000'000;
inline constexpr int64_t kHour = 3'600'000;

class ModelTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mw_models_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store::SqliteStoreOptions options;
    options.path = (dir_ / "store.db").string();
    options.read_connections = 2;
    options.clock = &clock_;
    options.synchronous_full = false;
    auto opened = store::SqliteStore::Open(options);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
    service_ = std::make_unique<monitor::QualityService>(*store_, cache_, monitor::ServiceOptions{},
                                                         clock_);
    telemetry::LoggerOptions log;
    log.stdout_enabled = false;
    log.clock = &clock_;
    logger_ = std::make_unique<telemetry::Logger>(log);
  }
  void TearDown() override {
    service_.reset();
    if (store_) store_->Close();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  TaskContext Context(bool dry_run = false) {
    TaskContext ctx{clock_, *logger_, progress_};
    ctx.dry_run = dry_run;
    return ctx;
  }

  // A regression model version with training mae 1.0 (created at `created_at_ms`).
  void Register(const std::string& model, const std::string& segment, const std::string& version,
                bool latest = true, int64_t created_at_ms = 0) {
    registry::ModelInfo info;
    info.name = model;
    info.task = registry::ModelTask::kRegression;
    ASSERT_TRUE(store_->UpsertModel(info).ok());
    registry::ModelVersionInfo v;
    v.model = model;
    v.segment = segment;
    v.version = version;
    v.is_latest = latest;
    v.training_metrics = {{"mae", 1.0}, {"rmse", 1.2}};
    v.created_at_ms = created_at_ms;
    ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
  }

  // `n` predictions of (model, segment) an hour ago with actuals off by `error` (alternating
  // sign, with a little spread so intervals exist).
  void Traffic(const std::string& model, const std::string& segment, int n, double error) {
    std::vector<ingest::PredictionEvent> events;
    for (int i = 0; i < n; ++i) {
      ingest::PredictionEvent e;
      e.id = model + "-" + segment + "-" + std::to_string(next_id_++);
      e.model = model;
      e.segment = segment;
      e.timestamp_ms = clock_.NowMillis() - kHour + i;
      e.features_json = R"({"x":)" + std::to_string(i % 7) + "}";
      e.prediction = 10.0 + (i % 5);
      const double spread = error * (0.8 + 0.4 * ((i % 10) / 10.0));
      e.actual = e.prediction + (i % 2 == 0 ? spread : -spread);
      e.content_hash = std::hash<std::string>{}(e.id) | 1;
      events.push_back(std::move(e));
    }
    std::promise<Result<store::PredictionBatchResult>> done;
    auto future = done.get_future();
    store_->AppendPredictions(std::move(events), [&done](Result<store::PredictionBatchResult> r) {
      done.set_value(std::move(r));
    });
    auto result = future.get();
    ASSERT_TRUE(result.has_value()) << result.error().ToString();
  }

  std::vector<store::RetrainRequest> Requests() {
    auto list = store_->ListRetrainRequests({});
    EXPECT_TRUE(list.has_value());
    return list.has_value() ? *list : std::vector<store::RetrainRequest>{};
  }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<store::SqliteStore> store_;
  profile::ProfileCache cache_{4};
  std::unique_ptr<monitor::QualityService> service_;
  std::unique_ptr<telemetry::Logger> logger_;
  NoProgress progress_;
  int next_id_ = 0;
};

}  // namespace mw::maintenance::testing
