// The sliding-window part of the calibration benchmark: false alarm episodes across passes.
//
// A null stream for one model: rows carrying every feature of the study and a labelled regression
// prediction (training MAE = the true MAE), all from unchanging distributions. The evaluator's
// window holds the last `window` rows; each pass adds `step` new rows and evaluates the window
// (one drift report over all features plus ComputePerformance), so consecutive passes share most
// of their rows and their decisions are strongly correlated. An alarm at a pass is the model-level
// one: dataset_drift OR performance drift. An EPISODE of persistence F is a run of at least F
// consecutive alarmed passes (counted once, at its rising edge): what an alert rule with
// `for:` = F passes would page.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include "calibration/calibration.h"

namespace mw::bench {
namespace {

constexpr int64_t kPersistence[] = {1, 15, 60, 240};  // passes; minutes at one pass a minute
constexpr double kStreamSigma = 2.0;
constexpr double kStreamPi = 3.14159265358979323846;

struct StreamResult {
  std::vector<uint8_t> dataset, performance;  // per pass
  int64_t errors = 0;
};

// Keeps the last `window` entries of `v` after appending `more`.
void Slide(std::vector<double>& v, const std::vector<double>& more, size_t window) {
  v.insert(v.end(), more.begin(), more.end());
  if (v.size() > window) v.erase(v.begin(), v.end() - static_cast<std::ptrdiff_t>(window));
}

StreamResult RunOneStream(const std::vector<Spec>& features, const StreamOptions& o,
                          int64_t reference_rows, uint64_t key, int64_t passes) {
  Rng rng = MakeRng(o.seed, {4, static_cast<uint64_t>(reference_rows), key});
  stats::DriftOptions drift_options;
  drift_options.threads = 1;
  const monitor::QualitySettings settings;
  const std::map<std::string, double> training = {{"mae", kStreamSigma * std::sqrt(2 / kStreamPi)}};
  std::vector<Sample> refs;
  for (const Spec& f : features) refs.push_back(DrawSample(f, reference_rows, rng));
  const auto window = static_cast<size_t>(o.window);
  std::vector<std::vector<double>> raw;
  for (const Spec& f : features) raw.push_back(DrawRaw(f, o.window, rng));
  std::vector<monitor::Row> rows, fresh;
  std::vector<double> abs_errors;
  RegressionRows(o.window, kStreamSigma, 1.0, rng, rows, abs_errors);
  StreamResult result;
  for (int64_t pass = 0; pass < passes; ++pass) {
    if (pass > 0) {
      for (size_t f = 0; f < features.size(); ++f)
        Slide(raw[f], DrawRaw(features[f], o.step, rng), window);
      RegressionRows(o.step, kStreamSigma, 1.0, rng, fresh, abs_errors);
      rows.insert(rows.end(), fresh.begin(), fresh.end());
      rows.erase(rows.begin(), rows.end() - static_cast<std::ptrdiff_t>(window));
    }
    std::vector<Sample> cur;
    std::vector<stats::FeatureInput> in;
    cur.reserve(features.size());
    for (size_t f = 0; f < features.size(); ++f) cur.push_back(SampleOf(features[f], raw[f]));
    for (size_t f = 0; f < features.size(); ++f)
      in.push_back(InputOf(features[f], refs[f], cur[f]));
    const auto report = stats::ComputeDriftReport(in, drift_options);
    result.errors += report.has_value() ? 0 : 1;
    result.dataset.push_back(report.has_value() && report->dataset_drift ? 1 : 0);
    result.performance.push_back(monitor::ComputePerformance(registry::ModelTask::kRegression, rows,
                                                             training, "v1", "model", settings)
                                         .drift_detected
                                     ? 1
                                     : 0);
  }
  return result;
}

// Runs of at least `f` consecutive alarmed passes.
int64_t Episodes(const std::vector<uint8_t>& alarm, int64_t f) {
  int64_t episodes = 0, run = 0;
  for (uint8_t a : alarm) {
    run = a ? run + 1 : 0;
    if (run == f) ++episodes;
  }
  return episodes;
}

}  // namespace

int64_t RunStreamStudy(const std::vector<Spec>& features, const StreamOptions& o) {
  const int64_t passes_per_turnover = o.window / o.step;
  const int64_t per_stream = std::max<int64_t>(1, o.turnovers / std::max<int64_t>(o.streams, 1));
  const int64_t passes = per_stream * passes_per_turnover;
  const size_t tasks = o.reference_sizes.size() * static_cast<size_t>(o.streams);
  std::vector<StreamResult> results(tasks);
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < o.threads; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < tasks;) {
        const size_t ri = i / static_cast<size_t>(o.streams),
                     s = i % static_cast<size_t>(o.streams);
        results[i] = RunOneStream(features, o, o.reference_sizes[ri], s, passes);
      }
    });
  }
  for (std::thread& w : workers) w.join();

  std::cout << "\n### Sliding windows: false alarm episodes on a null stream\n\n"
            << "Window " << o.window << " rows, " << o.step << " new rows per pass ("
            << passes_per_turnover << " passes per window turnover); " << o.streams
            << " independent streams per reference size (fresh reference each), " << per_stream
            << " turnovers each. Alarm = dataset_drift OR performance drift (regression MAE). "
               "An episode of persistence F = a run of >= F consecutive alarmed passes; at one "
               "pass a minute F = 1, 15, 60, 240 passes is 1 min, 15 min, 1 h, 4 h (the alert "
               "rules' `for:` is 1 h warning, 4 h critical).\n\n";
  std::vector<std::string> header = {"reference rows", "passes", "dataset alarms / pass",
                                     "performance alarms / pass", "either / pass"};
  for (int64_t f : kPersistence) header.push_back("episodes / turnover, F = " + std::to_string(f));
  std::cout << MarkdownHeader(header);
  int64_t total_passes = 0, errors = 0;
  for (size_t ri = 0; ri < o.reference_sizes.size(); ++ri) {
    int64_t n = 0, dataset = 0, performance = 0, either = 0;
    int64_t episodes[std::size(kPersistence)] = {};
    for (size_t s = 0; s < static_cast<size_t>(o.streams); ++s) {
      const StreamResult& r = results[ri * static_cast<size_t>(o.streams) + s];
      std::vector<uint8_t> alarm(r.dataset.size());
      for (size_t i = 0; i < alarm.size(); ++i) {
        alarm[i] = r.dataset[i] | r.performance[i];
        dataset += r.dataset[i];
        performance += r.performance[i];
        either += alarm[i];
      }
      n += static_cast<int64_t>(alarm.size());
      errors += r.errors;
      for (size_t k = 0; k < std::size(kPersistence); ++k)
        episodes[k] += Episodes(alarm, kPersistence[k]);
    }
    const double turnovers = static_cast<double>(n) / static_cast<double>(passes_per_turnover);
    const auto rate = [&](int64_t k) {
      char cell[48];
      std::snprintf(cell, sizeof cell, "%.4f (%lld)",
                    static_cast<double>(k) / static_cast<double>(n), static_cast<long long>(k));
      return std::string(cell);
    };
    std::vector<std::string> row = {std::to_string(o.reference_sizes[ri]), std::to_string(n),
                                    rate(dataset), rate(performance), rate(either)};
    for (int64_t e : episodes) {
      char cell[48];
      std::snprintf(cell, sizeof cell, "%.4f (%lld)", static_cast<double>(e) / turnovers,
                    static_cast<long long>(e));
      row.push_back(cell);
    }
    std::cout << MarkdownRow(row);
    total_passes += n;
  }
  std::cout << "\nCounts in parentheses. With no episode in T turnovers the 95 % upper bound is "
               "about 3 / T per turnover (rule of three; windows a turnover apart share no rows).";
  std::cout << "\nAt one pass a minute a window turnover is " << passes_per_turnover
            << " minutes: episodes per day per model = episodes per turnover x "
            << 1440 / passes_per_turnover << ".\n";
  if (errors > 0) std::cout << "\nERRORS: " << errors << " drift reports failed in the streams\n";
  return total_passes;
}

}  // namespace mw::bench
