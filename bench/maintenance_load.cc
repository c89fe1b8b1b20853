// The archive-predictions benchmark's engine (bench/maintenance_bench.sh runs it; see
// docs/benchmarks.md, "Maintenance: archiving and the live path"). Modes:
//   maintenance_load fill DB ROWS
//       stores ROWS prediction rows (the event shape of bench/post_batch.lua, two models, spread
//       over 10 days that ended 120 days ago) in batches of 5000, then closes the store;
//   maintenance_load archive DB ARCHIVE_DIR [NICE]
//       runs archive-predictions (retention 90 days: every row; its thread at NICE, default 10,
//       the task's default) and prints
//       "ARCHIVE rows=N seconds=S rows_per_second=R bytes=B";
//   maintenance_load latency DB ARCHIVE_DIR SECONDS
//       single-event appends from 32 threads, each waiting for its durable answer (the live
//       ingest path below HTTP), for SECONDS idle, then while archive-predictions and a vacuum run
//       (for at least SECONDS); prints "LATENCY phase=idle|busy requests=N p50_us=.. p99_us=.."
//       and the vacuum's outcome.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "maintenance/archive_task.h"
#include "store/sqlite_store.h"
#include "telemetry/logging.h"

namespace {

using namespace mw;
using Steady = std::chrono::steady_clock;
constexpr int64_t kDayMs = 86'400'000;

double Seconds(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::unique_ptr<store::SqliteStore> OpenStore(const std::string& path) {
  store::SqliteStoreOptions o;
  o.path = path;
  auto s = store::SqliteStore::Open(o);
  if (!s) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), s.error().message().c_str());
    std::exit(1);
  }
  return std::move(*s);
}

ingest::PredictionEvent MakeEvent(const std::string& id, int64_t n, int64_t at_ms) {
  ingest::PredictionEvent e;
  e.id = id;
  e.model = n % 2 == 0 ? "demand_forecast" : "churn";
  e.segment = "restaurant_" + std::to_string(n % 50);
  e.timestamp_ms = at_ms;
  char features[160];
  std::snprintf(features, sizeof features,
                R"({"temp":%.2f,"weekday":"mon","promo":%d,"lag_7":%.1f})",
                10.0 + static_cast<double>(n % 20), static_cast<int>(n % 2),
                30.0 + static_cast<double>(n % 40));
  e.features_json = features;
  e.prediction = 40.0 + static_cast<double>(n % 17);
  e.content_hash = std::hash<std::string>{}(id) | 1;
  return e;
}

void Append(store::Store& store, std::vector<ingest::PredictionEvent> events) {
  std::promise<Result<store::PredictionBatchResult>> done;
  auto future = done.get_future();
  store.AppendPredictions(std::move(events), [&done](Result<store::PredictionBatchResult> r) {
    done.set_value(std::move(r));
  });
  auto r = future.get();
  if (!r) {
    std::fprintf(stderr, "append failed: %s\n", r.error().message().c_str());
    std::exit(1);
  }
}

int Fill(const std::string& db, int64_t rows) {
  auto store = OpenStore(db);
  const int64_t start_ms = SystemClock().NowMillis() - 130 * kDayMs;
  const int64_t step_ms = std::max<int64_t>(1, 10 * kDayMs / rows);
  const auto start = Steady::now();
  std::vector<ingest::PredictionEvent> batch;
  for (int64_t n = 0; n < rows; ++n) {
    batch.push_back(MakeEvent("fill-" + std::to_string(n), n, start_ms + n * step_ms));
    if (batch.size() == 5000 || n + 1 == rows) Append(*store, std::exchange(batch, {}));
  }
  store->Close();
  std::printf("FILL rows=%lld seconds=%.2f\n", static_cast<long long>(rows), Seconds(start));
  return 0;
}

maintenance::TaskOutcome RunArchive(store::Store& store, const std::string& dir,
                                    telemetry::Logger& log, int nice = 10) {
  SystemClock clock;
  maintenance::NoProgress progress;
  maintenance::TaskContext ctx{clock, log, progress};
  maintenance::ArchiveTaskOptions options;
  options.archive_dir = dir;
  options.retention_days = 90;
  options.nice = nice;
  maintenance::ArchivePredictionsTask task(store, options);
  auto out = task.Run(ctx);
  if (!out) {
    std::fprintf(stderr, "archive failed: %s\n", out.error().message().c_str());
    std::exit(1);
  }
  return *out;
}

telemetry::LoggerOptions QuietLogger() {
  telemetry::LoggerOptions o;
  o.stdout_enabled = false;
  return o;
}

int Archive(const std::string& db, const std::string& dir, int nice) {
  auto store = OpenStore(db);
  telemetry::Logger log(QuietLogger());
  const auto start = Steady::now();
  const maintenance::TaskOutcome out = RunArchive(*store, dir, log, nice);
  const double seconds = Seconds(start);
  std::printf("ARCHIVE rows=%lld seconds=%.2f rows_per_second=%.0f bytes=%lld\n",
              static_cast<long long>(out.items), seconds, static_cast<double>(out.items) / seconds,
              static_cast<long long>(out.bytes));
  std::printf("  %s\n", out.message.c_str());
  return 0;
}

// 32 threads of single-event appends until `stop`; every latency in microseconds.
std::vector<int64_t> Load(store::Store& store, const std::atomic<bool>& stop, const char* tag) {
  std::vector<std::vector<int64_t>> per(32);
  std::vector<std::thread> threads;
  const int64_t now_ms = SystemClock().NowMillis();
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t n = 0; !stop; ++n) {
        const std::string id = std::string(tag) + "-" + std::to_string(t) + "-" + std::to_string(n);
        const auto start = Steady::now();
        Append(store, {MakeEvent(id, n, now_ms)});
        per[t].push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - start).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return all;
}

void Report(const char* phase, const std::vector<int64_t>& latencies, double seconds) {
  auto at = [&](double q) {
    return latencies.empty() ? 0 : latencies[static_cast<size_t>(q * (latencies.size() - 1))];
  };
  std::printf("LATENCY phase=%s requests=%zu seconds=%.1f p50_us=%lld p99_us=%lld\n", phase,
              latencies.size(), seconds, static_cast<long long>(at(0.5)),
              static_cast<long long>(at(0.99)));
}

int Latency(const std::string& db, const std::string& dir, double seconds) {
  auto store = OpenStore(db);
  telemetry::Logger log(QuietLogger());
  std::atomic<bool> stop{false};
  auto start = Steady::now();
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
  });
  const std::vector<int64_t> idle = Load(*store, stop, "idle");
  Report("idle", idle, Seconds(start));
  timer.join();

  stop = false;
  start = Steady::now();
  std::atomic<bool> maintenance_done{false};
  std::thread maintenance([&] {
    const maintenance::TaskOutcome out = RunArchive(*store, dir, log);
    std::printf("BUSY archive: %s (%.1f s)\n", out.message.c_str(), Seconds(start));
    const auto vacuum_start = Steady::now();
    auto vacuum = store->Vacuum();
    if (vacuum) {
      std::printf("BUSY vacuum: %s, %lld -> %lld bytes (%.1f s)\n",
                  vacuum->incremental ? "incremental" : "full",
                  static_cast<long long>(vacuum->bytes_before),
                  static_cast<long long>(vacuum->bytes_after), Seconds(vacuum_start));
    } else {
      std::printf("BUSY vacuum: not run (%s)\n", vacuum.error().message().c_str());
    }
    maintenance_done = true;
  });
  std::thread busy_timer([&] {
    while (!maintenance_done || Seconds(start) < seconds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
  });
  const std::vector<int64_t> busy = Load(*store, stop, "busy");
  busy_timer.join();
  maintenance.join();
  Report("busy", busy, Seconds(start));
  store->Close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "fill" && argc == 4) return Fill(argv[2], std::atoll(argv[3]));
  if (mode == "archive" && (argc == 4 || argc == 5)) {
    return Archive(argv[2], argv[3], argc == 5 ? std::atoi(argv[4]) : 10);
  }
  if (mode == "latency" && argc == 5) return Latency(argv[2], argv[3], std::atof(argv[4]));
  std::fprintf(stderr,
               "usage: maintenance_load fill DB ROWS | archive DB ARCHIVE_DIR [NICE] |"
               " latency DB ARCHIVE_DIR SECONDS\n");
  return 2;
}
