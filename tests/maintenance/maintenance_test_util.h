// Shared by the runner and scheduler tests: a store in a temp directory, a quiet logger, and a
// Task that records its calls and does what the test tells it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "maintenance/task.h"
#include "store/sqlite_store.h"
#include "telemetry/logging.h"

namespace mw::testing {

class RecordingTask final : public maintenance::Task {
 public:
  explicit RecordingTask(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  bool destructive() const override { return true; }
  Result<maintenance::TaskOutcome> Run(maintenance::TaskContext& ctx) override {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back({ctx.clock.NowMillis(), ctx.dry_run, ctx.trigger});
    }
    if (body) return body(ctx);
    return maintenance::TaskOutcome{7, 1024, "did " + name_};
  }
  struct Call {
    int64_t at_ms;
    bool dry_run;
    std::string trigger;
  };
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::function<Result<maintenance::TaskOutcome>(maintenance::TaskContext&)> body;

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

class MaintenanceStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mw_maint_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    OpenStore();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenStore() {
    store_.reset();
    store::SqliteStoreOptions options;
    options.path = (dir_ / "store.db").string();
    options.read_connections = 2;
    options.clock = &clock_;
    auto store = store::SqliteStore::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }
  static telemetry::LoggerOptions QuietLog() {
    telemetry::LoggerOptions o;
    o.stdout_enabled = false;
    return o;
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'790'000'000'000};
  std::unique_ptr<store::SqliteStore> store_;
  telemetry::Logger logger_{QuietLog()};
};

}  // namespace mw::testing
