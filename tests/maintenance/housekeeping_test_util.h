// Shared by the housekeeping task tests: a store in a temp directory, a FakeClock, a quiet
// logger and a context.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "maintenance/task.h"
#include "store/sqlite_store.h"
#include "telemetry/logging.h"

namespace mw::maintenance {

inline telemetry::LoggerOptions QuietLogger() {
  telemetry::LoggerOptions o;
  o.stdout_enabled = false;
  return o;
}

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mw_house_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    OpenStore();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenStore() {
    store_.reset();
    store::SqliteStoreOptions o;
    o.path = (dir_ / "modelwatch.db").string();
    o.read_connections = 2;
    o.clock = &clock_;
    auto opened = store::SqliteStore::Open(o);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
  }
  TaskContext Context(bool dry_run) {
    TaskContext ctx{clock_, logger_, progress_};
    ctx.dry_run = dry_run;
    return ctx;
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'765'000'000'000};  // 2025-12-06T05:46:40Z
  telemetry::Logger logger_{QuietLogger()};
  NoProgress progress_;
  std::unique_ptr<store::SqliteStore> store_;
};

}  // namespace mw::maintenance
