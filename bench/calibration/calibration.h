// Shared pieces of the calibration benchmark (bench/calibration_bench.cc): the simulated feature
// families, their samples in the shapes ComputeDriftReport takes, the performance rows, Monte Carlo
// counters and Markdown formatting. A Monte Carlo study of the product's decision code, not a
// timing benchmark: every decision is read from mw::stats::ComputeDriftReport and
// mw::monitor::ComputePerformance, never re-implemented here.
//
// Thread-safety: everything here is a value type or a pure function; each worker thread owns its
// generators and counters and the counters are merged after the workers have joined.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "monitor/assessment.h"
#include "stats/drift.h"
#include "stats/drift_report.h"

namespace mw::bench {

using Rng = std::mt19937_64;

// A deterministic generator for one named piece of the study: the same (seed, keys) always give
// the same stream, whatever the thread that draws it.
Rng MakeRng(uint64_t seed, std::initializer_list<uint64_t> keys);

enum class Family {
  kNormal,       // N(param, 1)
  kLognormal,    // exp(N(0, 1)): skewed
  kStudentT2,    // Student t with 2 degrees of freedom: heavy-tailed, infinite variance
  kPoisson,      // Poisson(param): discrete numeric with about a dozen distinct values
  kFlag,         // 0/1 numeric with P(1) = param
  kConstant,     // every value = param; its np.std is float noise (~1e-16), not 0 (see MakeStudy)
  kCategorical,  // categories c00, c01, ... with the probabilities of Spec::probabilities
};

struct Spec {
  std::string name;
  Family family = Family::kNormal;
  double param = 0;
  std::vector<double> probabilities;  // kCategorical only; sums to 1
  bool categorical() const { return family == Family::kCategorical; }
};

// Equiprobable categorical with k levels; Zipf (p_i proportional to 1 / i) with k levels; the
// k-level equiprobable one with level 0 raised by `points` and the others scaled down
// proportionally; a 2-level one with P(c00) = p.
Spec Equiprobable(std::string name, int k);
Spec Zipf(std::string name, int k);
Spec BoostedLevel(std::string name, int k, double points);
Spec TwoLevel(std::string name, double p);

// The category name of level i ("c00" ... "c99").
const std::string& CategoryName(int i);

// One side of a feature as ComputeDriftReport takes it: sorted values or category counts.
struct Sample {
  std::vector<double> sorted;
  stats::CategoryCounts counts;
};

// n raw draws in row order (categorical: the level index as a double).
std::vector<double> DrawRaw(const Spec& spec, int64_t n, Rng& rng);
// A sample of n rows: sorted values or counts (categorical and flags drawn as multinomial
// counts, the same distribution as n independent rows, without n draws).
Sample DrawSample(const Spec& spec, int64_t n, Rng& rng);
// The sample of rows already drawn (DrawRaw's output, or a window of it).
Sample SampleOf(const Spec& spec, std::span<const double> raw);

// The FeatureInput of a (reference, current) pair; borrows both samples.
stats::FeatureInput InputOf(const Spec& spec, const Sample& reference, const Sample& current);

// Regression rows: actual ~ N(50, 10), prediction = actual + scale * e with e ~ N(0, sigma);
// `abs_errors` receives |prediction - actual| per row.
void RegressionRows(int64_t n, double sigma, double scale, Rng& rng,
                    std::vector<monitor::Row>& rows, std::vector<double>& abs_errors);
// Binary classification rows: label ~ Bernoulli(positive_share); score N(0, 1) for negatives and
// N(separation, 1) for positives, mapped into (0, 1) by the logistic (monotone: AUC unchanged).
void ClassificationRows(int64_t n, double separation, double positive_share, Rng& rng,
                        std::vector<monitor::Row>& rows);

// One-sided one-sample t-test of H0 "mean(x) <= mu" against "mean(x) > mu": the p-value
// 1 - T_{n-1}((mean - mu) / (sd / sqrt(n))). 1 when n < 2 or sd == 0 with mean <= mu.
double OneSidedTTestPValue(std::span<const double> x, double mu);

// A Monte Carlo proportion: hits out of n replicates.
struct Count {
  int64_t hits = 0, n = 0;
  void Add(bool hit) {
    hits += hit ? 1 : 0;
    ++n;
  }
  void Merge(const Count& o) {
    hits += o.hits;
    n += o.n;
  }
  double Rate() const { return n > 0 ? static_cast<double>(hits) / static_cast<double>(n) : 0.0; }
  double Se() const;  // sqrt(rate (1 - rate) / n)
};

// Two paired detectors on the same replicates (ours and a classical test).
struct Paired {
  Count ours, classical;
  int64_t ours_only = 0, classical_only = 0;
  void Add(bool o, bool c) {
    ours.Add(o);
    classical.Add(c);
    ours_only += (o && !c) ? 1 : 0;
    classical_only += (c && !o) ? 1 : 0;
  }
  void Merge(const Paired& p) {
    ours.Merge(p.ours);
    classical.Merge(p.classical);
    ours_only += p.ours_only;
    classical_only += p.classical_only;
  }
  // The Monte Carlo standard error of (ours rate - classical rate) on paired replicates.
  double DifferenceSe() const;
  // ours < classical - 2 * DifferenceSe(): our power is measurably below the classical test's.
  bool OursBelow() const;
};

// "0.048"; "-" for a count without replicates.
std::string Fixed3(double v);
// A Markdown table row from cells.
std::string MarkdownRow(const std::vector<std::string>& cells);
// The header and separator rows of a Markdown table.
std::string MarkdownHeader(const std::vector<std::string>& cells);

// The sliding-window study: false alarm EPISODES of the model-level alarm (dataset drift OR
// performance drift) on a null stream. Prints its Markdown table.
struct StreamOptions {
  uint64_t seed = 0;
  int64_t window = 1000;    // rows per evaluated window
  int64_t step = 50;        // new rows per pass
  int64_t streams = 8;      // independent streams per reference size (fresh reference each)
  int64_t turnovers = 400;  // window turnovers in total per reference size
  std::vector<int64_t> reference_sizes;
  int threads = 1;
};
// Returns the number of passes evaluated.
int64_t RunStreamStudy(const std::vector<Spec>& features, const StreamOptions& options);

}  // namespace mw::bench
