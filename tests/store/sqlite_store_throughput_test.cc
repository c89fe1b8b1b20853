// Throughput checks, run by hand on a Release build (disabled: timing is not a unit-test verdict):
//   build-release/store_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
// Environment: MW_THROUGHPUT_EVENTS (default 500000), MW_THROUGHPUT_SYNC=normal for
// synchronous=NORMAL (the baseline sqlite_append uses NORMAL), MW_THROUGHPUT_WINDOW (requests in
// flight per thread in the single-event test, default 16). Compare in the same run with
//   g++ -O2 -std=c++20 -o /tmp/sa bench/baseline/sqlite_append.cc -lsqlite3 && /tmp/sa /tmp/sa.db
//   500000 1000
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <semaphore>
#include <thread>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoll(v) : fallback;
}

// A prediction shaped like the demand-forecast traffic: random 26-char client id, 50 segments,
// 10 numeric features.
ingest::PredictionEvent Shaped(std::mt19937_64& rng, int64_t i) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  ingest::PredictionEvent e;
  e.id.resize(26);
  for (char& c : e.id) c = kAlphabet[rng() % 32];
  e.model = "demand";
  e.segment = "store-" + std::to_string(i % 50);
  e.timestamp_ms = 1'700'000'000'000 + i * 10;
  e.prediction = 100.0 + static_cast<double>(i % 37);
  e.features_json =
      R"({"f0":1.5,"f1":2.25,"f2":3.125,"f3":4.0,"f4":5.5,"f5":6.75,"f6":7.0,"f7":8.5,"f8":9.25,"f9":10.0})";
  e.latency_ms = 3.5;
  e.content_hash = rng() | 1;
  return e;
}

struct DriveResult {
  double seconds = 0;
  std::vector<double> latencies_ms;  // per request, enqueue to callback
  int64_t failures = 0;
};

// `threads` producers, each with up to `window` requests in flight, append `total` events in
// requests of `batch` events.
DriveResult Drive(store::Store& store, int threads, int64_t total, int64_t batch, int window) {
  DriveResult run;
  std::mutex mu;
  const auto start = SteadyClock::now();
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      std::counting_semaphore<1 << 16> slots(window);
      std::vector<double> latencies;
      int64_t failures = 0;
      std::mutex local_mu;
      const int64_t requests = total / threads / batch;
      for (int64_t r = 0; r < requests; ++r) {
        std::vector<ingest::PredictionEvent> events;
        events.reserve(static_cast<size_t>(batch));
        for (int64_t i = 0; i < batch; ++i) events.push_back(Shaped(rng, r * batch + i));
        slots.acquire();
        const auto sent = SteadyClock::now();
        store.AppendPredictions(
            std::move(events), [&, sent](Result<store::PredictionBatchResult> res) {
              const double ms =
                  std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
              {
                std::lock_guard lock(local_mu);
                latencies.push_back(ms);
                if (!res.has_value()) ++failures;
              }
              slots.release();
            });
      }
      for (int i = 0; i < window; ++i) slots.acquire();  // all callbacks done
      std::lock_guard lock(mu);
      run.latencies_ms.insert(run.latencies_ms.end(), latencies.begin(), latencies.end());
      run.failures += failures;
    });
  }
  for (auto& p : producers) p.join();
  run.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  return run;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

// Sums the store's own timings: where a group's time goes.
class TimingObserver : public store::StoreObserver {
 public:
  void OnQuery(std::string_view operation, double seconds) override {
    std::lock_guard lock(mu_);
    auto& [count, total] = ops_[std::string(operation)];
    ++count;
    total += seconds;
  }
  void OnGroupCommit(int64_t requests, int64_t rows, double seconds) override {
    std::lock_guard lock(mu_);
    ++groups_;
    requests_ += requests;
    rows_ += rows;
    group_seconds_ += seconds;
  }
  void Print() {
    std::lock_guard lock(mu_);
    std::printf("  groups=%lld requests/group=%.1f rows/group=%.1f group_ms=%.3f\n",
                static_cast<long long>(groups_), static_cast<double>(requests_) / groups_,
                static_cast<double>(rows_) / groups_, group_seconds_ * 1000 / groups_);
    for (const auto& [op, v] : ops_) {
      std::printf("  %s: count=%lld avg_ms=%.3f total_s=%.3f\n", op.c_str(),
                  static_cast<long long>(v.first), v.second * 1000 / v.first, v.second);
    }
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<int64_t, double>> ops_;
  int64_t groups_ = 0, requests_ = 0, rows_ = 0;
  double group_seconds_ = 0;
};

class ThroughputTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::SqliteStore> Open() {
    store::SqliteStoreOptions options;
    options.path = dir_.File("bench.db");
    const char* sync = std::getenv("MW_THROUGHPUT_SYNC");
    options.synchronous_full = sync == nullptr || std::string(sync) != "normal";
    options.observer = &observer_;
    auto store = store::SqliteStore::Open(options);
    EXPECT_TRUE(store.has_value());
    return store.has_value() ? std::move(*store) : nullptr;
  }
  void Report(const char* name, const DriveResult& run, int64_t events) {
    std::printf(
        "%s: events=%lld seconds=%.3f events_per_second=%.0f requests=%zu p50_ms=%.2f "
        "p99_ms=%.2f max_ms=%.2f failures=%lld\n",
        name, static_cast<long long>(events), run.seconds,
        static_cast<double>(events) / run.seconds, run.latencies_ms.size(),
        Percentile(run.latencies_ms, 0.5), Percentile(run.latencies_ms, 0.99),
        run.latencies_ms.empty() ? 0 : run.latencies_ms.back(),
        static_cast<long long>(run.failures));
    observer_.Print();
    std::error_code ec;
    std::printf("  wal_bytes=%lld\n",
                static_cast<long long>(std::filesystem::file_size(dir_.File("bench.db-wal"), ec)));
  }
  TempDir dir_;
  TimingObserver observer_;
};

TEST_F(ThroughputTest, DISABLED_BatchedAppend) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const int64_t events = EnvInt("MW_THROUGHPUT_EVENTS", 500000);
  const DriveResult run = Drive(*store, /*threads=*/4, events, /*batch=*/1000, /*window=*/4);
  Report("batched(4 threads x 1000/request)", run, events);
  EXPECT_EQ(run.failures, 0);
  EXPECT_EQ(store->Stats()->table_rows["prediction_logs"], events);
}

TEST_F(ThroughputTest, DISABLED_SingleEventAppend) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const int64_t events = EnvInt("MW_THROUGHPUT_EVENTS", 500000) / 2;
  const int window = static_cast<int>(EnvInt("MW_THROUGHPUT_WINDOW", 16));
  const DriveResult run = Drive(*store, /*threads=*/4, events, /*batch=*/1, window);
  Report(("single(4 threads x " + std::to_string(window) + " in flight)").c_str(), run, events);
  EXPECT_EQ(run.failures, 0);
}

}  // namespace
}  // namespace mw::testing
