// The drift report at the size of bench/baseline/drift_scipy.py: 20 numeric features
// (100k reference x 1M current rows, standard normal, the first five shifted by 0.1) and 5
// categorical features (12 categories; c0 gains an unseen 13th in 5% of the current rows),
// every statistic computed (all_statistics), as the baseline does.
//
// Timed per iteration: copying and sorting the 20 current columns (on the report's thread
// count), counting the current categories, and ComputeDriftReport. Not timed: generating data,
// sorting the reference columns and counting reference categories, which a deployment does
// once per reference profile.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "stats/drift.h"
#include "stats/drift_report.h"

namespace {

constexpr int kNumeric = 20, kCategorical = 5, kCategories = 12;
constexpr size_t kReferenceRows = 100'000, kCurrentRows = 1'000'000;

struct Data {
  std::vector<std::vector<double>> reference_sorted, current;  // per numeric feature
  std::vector<std::vector<int>> current_codes;                 // per categorical feature
  std::vector<mw::stats::CategoryCounts> reference_counts;
};

mw::stats::CategoryCounts CountCodes(const std::vector<int>& codes) {
  std::vector<int64_t> counts(kCategories + 1, 0);
  for (int c : codes) ++counts[static_cast<size_t>(c)];
  mw::stats::CategoryCounts out;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] > 0) out.emplace("k" + std::to_string(k), counts[k]);
  }
  return out;
}

const Data& GetData() {
  static const Data data = [] {
    Data d;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal;
    std::uniform_int_distribution<int> category(0, kCategories - 1);
    for (int j = 0; j < kNumeric; ++j) {
      std::vector<double> r(kReferenceRows), c(kCurrentRows);
      for (double& x : r) x = normal(rng);
      for (double& x : c) x = normal(rng) + (j < 5 ? 0.1 : 0.0);
      mw::stats::SortValues(r);
      d.reference_sorted.push_back(std::move(r));
      d.current.push_back(std::move(c));
    }
    for (int j = 0; j < kCategorical; ++j) {
      std::vector<int> r(kReferenceRows), c(kCurrentRows);
      for (int& x : r) x = category(rng);
      for (int& x : c) x = category(rng);
      if (j == 0) std::fill(c.begin(), c.begin() + kCurrentRows / 20, kCategories);
      d.reference_counts.push_back(CountCodes(r));
      d.current_codes.push_back(std::move(c));
    }
    return d;
  }();
  return data;
}

// CPU seconds used by every thread of this process so far. Reported per iteration next to the
// wall time: on a shared machine the wall time says little, the CPU time what two idle cores
// would need.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Copies and sorts the current columns on `threads` threads.
std::vector<std::vector<double>> SortedCurrent(const Data& d, unsigned threads) {
  std::vector<std::vector<double>> out(d.current.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < out.size(); i = next.fetch_add(1)) {
      out[i] = d.current[i];
      mw::stats::SortValues(out[i]);
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
  return out;
}

void BM_DriftReport25Features(benchmark::State& state) {
  const Data& d = GetData();
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  mw::stats::DriftOptions options;
  options.all_statistics = true;
  int64_t drifted = 0;
  const double cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    const std::vector<std::vector<double>> current = SortedCurrent(d, threads);
    std::vector<mw::stats::CategoryCounts> current_counts;
    for (const std::vector<int>& codes : d.current_codes)
      current_counts.push_back(CountCodes(codes));
    std::vector<mw::stats::FeatureInput> features;
    for (int j = 0; j < kNumeric; ++j) {
      mw::stats::FeatureInput f;
      f.name = "f" + std::to_string(j);
      f.reference_sorted = d.reference_sorted[static_cast<size_t>(j)];
      f.current_sorted = current[static_cast<size_t>(j)];
      features.push_back(std::move(f));
    }
    for (int j = 0; j < kCategorical; ++j) {
      mw::stats::FeatureInput f;
      f.name = "c" + std::to_string(j);
      f.categorical = true;
      f.reference_counts = &d.reference_counts[static_cast<size_t>(j)];
      f.current_counts = &current_counts[static_cast<size_t>(j)];
      features.push_back(std::move(f));
    }
    auto report = mw::stats::ComputeDriftReport(features, options);
    if (!report.has_value()) {
      state.SkipWithError(report.error().ToString().c_str());
      break;
    }
    drifted = report->drifted;
    benchmark::DoNotOptimize(report);
  }
  state.counters["process_cpu_s_per_iter"] =
      (ProcessCpuSeconds() - cpu_start) / static_cast<double>(state.iterations());
  state.counters["features"] = kNumeric + kCategorical;
  state.counters["drifted"] = static_cast<double>(drifted);
  state.counters["threads"] = threads;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kNumeric + kCategorical) *
                          static_cast<int64_t>(kReferenceRows + kCurrentRows));
}
BENCHMARK(BM_DriftReport25Features)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
