// Helpers for the store tests: temp directories, synchronous wrappers over the async appends,
// event builders, a latch to hold the writer thread, a recording observer.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_store.h"

namespace mw::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mw_store_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline ingest::PredictionEvent Event(std::string id, std::string model = "demand",
                                     double prediction = 1.0, uint64_t content_hash = 0) {
  ingest::PredictionEvent e;
  e.id = std::move(id);
  e.model = std::move(model);
  e.timestamp_ms = 1'700'000'000'000;
  e.features_json = R"({"x":1})";
  e.prediction = prediction;
  e.content_hash = content_hash != 0 ? content_hash : std::hash<std::string>{}(e.id) | 1;
  return e;
}

inline ingest::ActualEvent Actual(std::string id, double value, int64_t at_ms = 1'700'000'100'000) {
  ingest::ActualEvent a;
  a.id = std::move(id);
  a.actual = value;
  a.timestamp_ms = at_ms;
  return a;
}

// A registry entry for `version` of `model` in `segment` ("" = model-wide).
inline registry::ModelVersionInfo Version(std::string model, std::string segment,
                                          std::string version, bool is_latest = true) {
  registry::ModelVersionInfo v;
  v.model = std::move(model);
  v.segment = std::move(segment);
  v.version = std::move(version);
  v.is_latest = is_latest;
  return v;
}

inline Result<store::PredictionBatchResult> Append(store::Store& store,
                                                   std::vector<ingest::PredictionEvent> events) {
  std::promise<Result<store::PredictionBatchResult>> done;
  auto future = done.get_future();
  store.AppendPredictions(std::move(events), [&done](Result<store::PredictionBatchResult> r) {
    done.set_value(std::move(r));
  });
  return future.get();
}

inline Result<store::ActualBatchResult> AppendActuals(store::Store& store,
                                                      std::vector<ingest::ActualEvent> actuals) {
  std::promise<Result<store::ActualBatchResult>> done;
  auto future = done.get_future();
  store.AppendActuals(std::move(actuals), [&done](Result<store::ActualBatchResult> r) {
    done.set_value(std::move(r));
  });
  return future.get();
}

// Limits the size every file of the process may grow to (RLIMIT_FSIZE), as a full disk would:
// a write past `bytes` fails with EFBIG (SIGXFSZ is ignored meanwhile). Restores both at
// destruction. For store tests that need writes to fail without filling a real disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &saved_), 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    EXPECT_EQ(::sigaction(SIGXFSZ, &ignore, &saved_action_), 0);
    Set(bytes);
  }
  ~FileSizeLimit() { Lift(); }
  // Back to the limit from before (idempotent).
  void Lift() {
    if (lifted_) return;
    lifted_ = true;
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &saved_), 0);
    EXPECT_EQ(::sigaction(SIGXFSZ, &saved_action_, nullptr), 0);
  }

 private:
  void Set(rlim_t bytes) {
    struct rlimit limit = saved_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  struct rlimit saved_ {};
  struct sigaction saved_action_ {};
  bool lifted_ = false;
};

// Opens a gate once; Wait() blocks until then.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Holds the writer thread inside a completion callback until Release(), so the requests queued
// meanwhile are committed together in the next group. The gates are shared with the callback,
// which may still be leaving Wait() when the hold is destroyed.
class WriterHold {
 public:
  explicit WriterHold(store::Store& store) : gates_(std::make_shared<Gates>()) {
    store.AppendPredictions({Event("hold-" + std::to_string(reinterpret_cast<uintptr_t>(this)))},
                            [gates = gates_](Result<store::PredictionBatchResult> r) {
                              EXPECT_TRUE(r.has_value());
                              gates->entered.Open();
                              gates->release.Wait();
                            });
    gates_->entered.Wait();
  }
  void Release() { gates_->release.Open(); }
  ~WriterHold() { Release(); }

 private:
  struct Gates {
    Gate entered;
    Gate release;
  };
  std::shared_ptr<Gates> gates_;
};

class RecordingObserver : public store::StoreObserver {
 public:
  struct Commit {
    int64_t requests;
    int64_t rows;
  };
  void OnQuery(std::string_view operation, double seconds) override {
    std::lock_guard lock(mu_);
    operations_.emplace_back(operation);
    EXPECT_GE(seconds, 0);
  }
  void OnGroupCommit(int64_t requests, int64_t rows, double seconds) override {
    std::lock_guard lock(mu_);
    commits_.push_back({requests, rows});
    EXPECT_GE(seconds, 0);
  }
  std::vector<std::string> operations() const {
    std::lock_guard lock(mu_);
    return operations_;
  }
  std::vector<Commit> commits() const {
    std::lock_guard lock(mu_);
    return commits_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> operations_;
  std::vector<Commit> commits_;
};

// A fresh store in a temp directory; Reopen() closes and opens it again on the same files.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  virtual store::SqliteStoreOptions Options() {
    store::SqliteStoreOptions options;
    options.path = dir_.File("store.db");
    options.read_connections = 2;
    options.clock = &clock_;
    options.observer = &observer_;
    return options;
  }

  void Reopen() { OpenWith(Options()); }

  void OpenWith(const store::SqliteStoreOptions& options) {
    store_.reset();
    auto store = store::SqliteStore::Open(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }

  int64_t Rows(const std::string& table) {
    auto stats = store_->Stats();
    EXPECT_TRUE(stats.has_value());
    return stats.has_value() ? stats->table_rows[table] : -1;
  }

  std::optional<ingest::PredictionRecord> Get(const std::string& id) {
    auto r = store_->GetPrediction(id);
    EXPECT_TRUE(r.has_value() || r.error().code() == StatusCode::kNotFound) << r.error().ToString();
    if (!r.has_value()) return std::nullopt;
    return std::move(*r);
  }

  TempDir dir_;
  FakeClock clock_{1'700'000'500'000};
  RecordingObserver observer_;
  std::unique_ptr<store::SqliteStore> store_;
};

}  // namespace mw::testing
