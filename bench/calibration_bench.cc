// Calibration benchmark (issue 20): a Monte Carlo study of the product's drift and performance
// decisions on UNCHANGED data (false-alarm rates) and on stated shifts (power beside the classical
// tests), printed as Markdown tables ready for docs/drift.md. Not a timing benchmark.
//
// Every decision is the product's own: mw::stats::ComputeDriftReport (default DriftOptions except
// threads = 1; replicates run in parallel instead) and mw::monitor::ComputePerformance (default
// QualitySettings). The classical comparators are the stats/ functions (KsTwoSampleSorted,
// TwoProportionZTest, ChiSquareHomogeneity) and a one-sided t-test, at their nominal levels.
//
// Grid: current windows 10 ... 10000 rows x references of 1000 and 100000 rows; per replicate a
// fresh reference (shared by the current sizes of that replicate) and a fresh current window per
// cell; 1000 replicates per cell. Deterministic: the seed and the replicate index fix every draw,
// whatever the thread count. Usage: calibration_bench [--replicates N] [--large-replicates N]
// [--turnovers N] [--window ROWS] [--step ROWS] [--threads N] [--seed N] (--large-replicates
// cuts the 10000-row cells only; --window and --step shape the sliding-window study). Exit status 0
// always (it is a report); the last line is `calibration: N cells, M over budget`.
#include <algorithm>
#include <atomic>
#include <boost/math/distributions/binomial.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "calibration/calibration.h"
#include "stats/ks.h"

namespace mw::bench {
namespace {

constexpr int64_t kCurrentSizes[] = {10, 30, 100, 300, 1000, 10000};
constexpr int64_t kReferenceSizes[] = {1000, 100000};
constexpr int kSizes = 6, kRefs = 2;
constexpr double kPi = 3.14159265358979323846;
constexpr double kSigma = 2.0;              // regression error spread
constexpr double kAuc = 0.85;               // the classifier's true (and training) AUC
constexpr double kPositiveShare = 0.3;      // positives among labelled rows
constexpr double kMaeShift = 1.3;           // the power scenario: errors scaled by 1.3
constexpr double kModelAlarmBudget = 0.01;  // dataset and performance alarms of an unchanged model

// The performance comparator's level: half the two-sided alarm level of QualitySettings when the
// settings carry one (i20-perf adds `alarm_level`), else 0.005 (the plan's value).
template <typename S>
double PerformanceComparatorLevel(const S& settings) {
  if constexpr (requires { settings.alarm_level; }) {
    return settings.alarm_level / 2;
  } else {
    return 0.005;
  }
}

// "ks", or "ks/exact" once FeatureDrift reports its p-value method (i20-drift).
template <typename F>
std::string TestLabel(const F& f) {
  std::string label(stats::DriftTestName(f.test));
  if constexpr (requires { std::string(f.pvalue_method); }) {
    const std::string method(f.pvalue_method);
    if (!method.empty()) label += "/" + method;
  }
  return label;
}

enum class Comparator { kKs, kZ, kChiSquare };
std::string_view ComparatorName(Comparator c) {
  return c == Comparator::kKs ? "KS" : c == Comparator::kZ ? "z-test" : "chi-square";
}

struct PowerSpec {
  Spec spec;    // the current window's distribution
  size_t base;  // index of the null feature whose reference it is compared with
  Comparator comparator;
  std::string label;
};

struct Study {
  std::vector<Spec> features;  // the null features, all in one report per replicate
  std::vector<PowerSpec> power;
  stats::DriftOptions drift_options;
  monitor::QualitySettings settings;
  int64_t replicates = 1000, large_replicates = 1000;
  uint64_t seed = 20;
};

// The constant column holds 1.1 everywhere: its np.std is float noise, 2.2e-16, at both reference
// sizes (numpy and stats::PopulationStdDev alike). The 0.1 gives numpy's 1.4e-17 too, but
// PopulationStdDev's compensated long sum makes that exactly 0 at 100000 rows, which would test
// the std == 0 path instead of the noise one.
constexpr double kConstantValue = 1.1;

Study MakeStudy() {
  Study s;
  s.features = {{"normal", Family::kNormal, 0, {}},
                {"lognormal", Family::kLognormal, 0, {}},
                {"student_t2", Family::kStudentT2, 0, {}},
                {"poisson3", Family::kPoisson, 3, {}},
                {"flag", Family::kFlag, 0.5, {}},
                {"constant", Family::kConstant, kConstantValue, {}},
                Equiprobable("cat2", 2),
                Equiprobable("cat10", 10),
                Equiprobable("cat100", 100),
                Zipf("zipf10", 10),
                // A skewed flag: where the asymptotic z-test breaks its level on small windows
                // (so its power there is not a fair bar), while the report's p-value holds it.
                {"flag30", Family::kFlag, 0.3, {}}};
  s.power = {
      {{"shift02", Family::kNormal, 0.2, {}}, 0, Comparator::kKs, "normal, mean +0.2 sd"},
      {{"shift05", Family::kNormal, 0.5, {}}, 0, Comparator::kKs, "normal, mean +0.5 sd"},
      {TwoLevel("cat2_057", 0.57), 6, Comparator::kZ, "2-level categorical, 0.50 -> 0.57"},
      {{"flag_057", Family::kFlag, 0.57, {}}, 4, Comparator::kZ, "0/1 numeric flag, 0.50 -> 0.57"},
      {BoostedLevel("cat10_p10", 10, 0.10), 7, Comparator::kChiSquare,
       "10-level categorical, one level +10 points"},
      {{"flag30_037", Family::kFlag, 0.37, {}},
       10,
       Comparator::kZ,
       "0/1 numeric flag, 0.30 -> 0.37"}};
  s.drift_options.threads = 1;
  return s;
}

struct Tally {
  static constexpr int kMaxFeatures = 11, kMaxPower = 6;
  Count feature[kRefs][kSizes][kMaxFeatures];
  std::set<std::string> tests[kRefs][kSizes][kMaxFeatures];
  Count dataset[kRefs][kSizes];
  Count classical_null[kRefs][kSizes][kMaxPower];  // the comparator on the null feature
  Paired power[kRefs][kSizes][kMaxPower];
  Count regression[kSizes], classification[kSizes], ttest_null[kSizes];
  Paired mae_power[kSizes];
  // Setup checks at the largest size: the simulated models' own metrics, summed over replicates.
  double mae_sum = 0, auc_sum = 0;
  int64_t mae_n = 0, auc_n = 0;
  int64_t errors = 0;
  std::string first_error;

  void Merge(const Tally& o) {
    for (int r = 0; r < kRefs; ++r) {
      for (int c = 0; c < kSizes; ++c) {
        for (int f = 0; f < kMaxFeatures; ++f) {
          feature[r][c][f].Merge(o.feature[r][c][f]);
          tests[r][c][f].insert(o.tests[r][c][f].begin(), o.tests[r][c][f].end());
        }
        dataset[r][c].Merge(o.dataset[r][c]);
        for (int p = 0; p < kMaxPower; ++p) {
          classical_null[r][c][p].Merge(o.classical_null[r][c][p]);
          power[r][c][p].Merge(o.power[r][c][p]);
        }
      }
    }
    for (int c = 0; c < kSizes; ++c) {
      regression[c].Merge(o.regression[c]);
      classification[c].Merge(o.classification[c]);
      ttest_null[c].Merge(o.ttest_null[c]);
      mae_power[c].Merge(o.mae_power[c]);
    }
    mae_sum += o.mae_sum, auc_sum += o.auc_sum, mae_n += o.mae_n, auc_n += o.auc_n;
    if (first_error.empty()) first_error = o.first_error;
    errors += o.errors;
  }
};

int64_t Successes(const Spec& spec, const Sample& s) {
  if (spec.categorical()) {
    const auto it = s.counts.find(CategoryName(0));
    return it == s.counts.end() ? 0 : it->second;
  }
  return s.sorted.end() - std::lower_bound(s.sorted.begin(), s.sorted.end(), 1.0);
}

bool ClassicalRejects(Comparator c, const Spec& spec, const Sample& ref, const Sample& cur,
                      double alpha) {
  switch (c) {
    case Comparator::kKs: {
      const auto r = stats::KsTwoSampleSorted(ref.sorted, cur.sorted);
      return r.has_value() && r->pvalue <= alpha;
    }
    case Comparator::kZ: {
      const auto n = [&](const Sample& s) {
        int64_t total = static_cast<int64_t>(s.sorted.size());
        for (const auto& [name, count] : s.counts) total += count;
        return total;
      };
      return stats::TwoProportionZTest(Successes(spec, ref), n(ref), Successes(spec, cur), n(cur))
                 .pvalue <= alpha;
    }
    case Comparator::kChiSquare:
      return stats::ChiSquareHomogeneity(ref.counts, cur.counts).pvalue <= alpha;
  }
  return false;
}

std::optional<stats::DriftReport> Report(const Study& st,
                                         const std::vector<stats::FeatureInput>& in, Tally& t) {
  auto report = stats::ComputeDriftReport(in, st.drift_options);
  if (report.has_value()) return std::move(*report);
  if (t.errors++ == 0) t.first_error = report.error().message();
  return std::nullopt;
}

// One (reference size, current size) cell of one replicate: the null report over every feature,
// the classical tests on the null features, and the power report over the shifted features.
void DriftCell(const Study& st, int ri, int ci, const std::vector<Sample>& refs, Rng& rng,
               Tally& t) {
  const int64_t n = kCurrentSizes[ci];
  const double alpha = st.drift_options.p_value_threshold;
  std::vector<Sample> cur;
  std::vector<stats::FeatureInput> in;
  cur.reserve(st.features.size());
  for (const Spec& f : st.features) cur.push_back(DrawSample(f, n, rng));
  for (size_t f = 0; f < st.features.size(); ++f)
    in.push_back(InputOf(st.features[f], refs[f], cur[f]));
  if (auto report = Report(st, in, t)) {
    for (size_t f = 0; f < st.features.size(); ++f) {
      t.feature[ri][ci][f].Add(report->features[f].drift_detected);
      t.tests[ri][ci][f].insert(TestLabel(report->features[f]));
    }
    t.dataset[ri][ci].Add(report->dataset_drift);
  }
  for (size_t p = 0; p < st.power.size(); ++p) {
    const PowerSpec& ps = st.power[p];
    const Spec& base = st.features[ps.base];
    t.classical_null[ri][ci][p].Add(
        ClassicalRejects(ps.comparator, base, refs[ps.base], cur[ps.base], alpha));
  }
  std::vector<Sample> shifted;
  shifted.reserve(st.power.size());
  in.clear();
  for (const PowerSpec& ps : st.power) shifted.push_back(DrawSample(ps.spec, n, rng));
  for (size_t p = 0; p < st.power.size(); ++p)
    in.push_back(InputOf(st.power[p].spec, refs[st.power[p].base], shifted[p]));
  if (auto report = Report(st, in, t)) {
    for (size_t p = 0; p < st.power.size(); ++p) {
      const PowerSpec& ps = st.power[p];
      t.power[ri][ci][p].Add(
          report->features[p].drift_detected,
          ClassicalRejects(ps.comparator, st.features[ps.base], refs[ps.base], shifted[p], alpha));
    }
  }
}

// Performance drift of an unchanged regression model and classifier at one size, and the MAE
// +30 % power beside the one-sided t-test on the same errors.
void PerformanceCell(const Study& st, int ci, Rng& rng, Tally& t) {
  const int64_t n = kCurrentSizes[ci];
  const double mae = kSigma * std::sqrt(2 / kPi);
  const double level = PerformanceComparatorLevel(st.settings);
  const std::map<std::string, double> regression_training = {{"mae", mae}};
  const std::map<std::string, double> classification_training = {{"auc", kAuc}};
  std::vector<monitor::Row> rows;
  std::vector<double> abs_errors;
  RegressionRows(n, kSigma, 1.0, rng, rows, abs_errors);
  const monitor::PerformanceResult regression = monitor::ComputePerformance(
      registry::ModelTask::kRegression, rows, regression_training, "v1", "model", st.settings);
  t.regression[ci].Add(regression.drift_detected);
  if (ci == kSizes - 1 && regression.regression) t.mae_sum += regression.regression->mae, ++t.mae_n;
  t.ttest_null[ci].Add(OneSidedTTestPValue(abs_errors, mae) <= level);
  for (size_t i = 0; i < rows.size(); ++i) {
    const double e = rows[i].prediction - *rows[i].actual;
    rows[i].prediction = *rows[i].actual + kMaeShift * e;
    abs_errors[i] = std::fabs(kMaeShift * e);
  }
  t.mae_power[ci].Add(monitor::ComputePerformance(registry::ModelTask::kRegression, rows,
                                                  regression_training, "v1", "model", st.settings)
                          .drift_detected,
                      OneSidedTTestPValue(abs_errors, mae) <= level);
  // Binormal scores: AUC = Phi(separation / sqrt(2)).
  const double separation = std::sqrt(2.0) * 1.0364333894937898;  // Phi^-1(0.85)
  ClassificationRows(n, separation, kPositiveShare, rng, rows);
  const monitor::PerformanceResult classification =
      monitor::ComputePerformance(registry::ModelTask::kBinaryClassification, rows,
                                  classification_training, "v1", "model", st.settings);
  t.classification[ci].Add(classification.drift_detected);
  if (ci == kSizes - 1 && classification.classification && classification.classification->roc_auc)
    t.auc_sum += *classification.classification->roc_auc, ++t.auc_n;
}

void RunReplicate(const Study& st, int64_t rep, Tally& t) {
  const auto r = static_cast<uint64_t>(rep);
  for (int ri = 0; ri < kRefs; ++ri) {
    Rng ref_rng = MakeRng(st.seed, {r, 1, static_cast<uint64_t>(ri)});
    std::vector<Sample> refs;
    for (const Spec& f : st.features) refs.push_back(DrawSample(f, kReferenceSizes[ri], ref_rng));
    for (int ci = 0; ci < kSizes; ++ci) {
      if (kCurrentSizes[ci] >= 10000 && rep >= st.large_replicates) continue;
      Rng rng = MakeRng(st.seed, {r, 2, static_cast<uint64_t>(ri), static_cast<uint64_t>(ci)});
      DriftCell(st, ri, ci, refs, rng, t);
    }
  }
  for (int ci = 0; ci < kSizes; ++ci) {
    if (kCurrentSizes[ci] >= 10000 && rep >= st.large_replicates) continue;
    Rng rng = MakeRng(st.seed, {r, 3, static_cast<uint64_t>(ci)});
    PerformanceCell(st, ci, rng, t);
  }
}

Tally RunReplicates(const Study& st, int threads) {
  std::atomic<int64_t> next{0};
  std::vector<Tally> partial(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      for (int64_t rep; (rep = next.fetch_add(1)) < st.replicates;)
        RunReplicate(st, rep, partial[static_cast<size_t>(w)]);
    });
  }
  for (std::thread& w : workers) w.join();
  Tally total;
  for (const Tally& p : partial) total.Merge(p);
  return total;
}

std::vector<std::string> SizeHeader(std::string first) {
  std::vector<std::string> h = {std::move(first)};
  for (int64_t n : kCurrentSizes) h.push_back(std::to_string(n));
  return h;
}

// Counts cells against their budget; PASS/FAIL per cell.
struct Budget {
  int64_t cells = 0, over = 0;
  std::string Cell(const Count& c, double limit) {
    if (c.n == 0) return "-";
    ++cells;
    const bool pass = c.Rate() <= limit;
    over += pass ? 0 : 1;
    const std::string text = Fixed3(c.Rate()) + " ± " + Fixed3(c.Se());
    return pass ? text + " PASS" : "**" + text + " FAIL**";
  }
};

// P(a cell of n replicates FAILs) when its true rate is exactly alpha: P(X / n > limit) for
// X ~ Binomial(n, alpha). The per-cell budget has a ~2 % chance of failing a perfectly calibrated
// test, so over a hundred cells a few FAILs at the budget's edge are Monte Carlo chance.
double ChanceFail(int64_t n, double alpha, double limit) {
  if (n <= 0) return 0;
  const boost::math::binomial_distribution<double> x(static_cast<double>(n), alpha);
  return boost::math::cdf(boost::math::complement(x, std::floor(limit * static_cast<double>(n))));
}

void PrintFeatureTables(const Study& st, const Tally& t, Budget& b) {
  const double alpha = st.drift_options.p_value_threshold;
  double chance = 0;
  int64_t cells = 0;
  for (int ri = 0; ri < kRefs; ++ri) {
    std::cout << "\n### Per-feature false-alarm rate, reference " << kReferenceSizes[ri]
              << " rows (alpha " << alpha << "; budget alpha + 2 sqrt(alpha (1 - alpha) / R) = "
              << Fixed3(alpha +
                        2 * std::sqrt(alpha * (1 - alpha) /
                                      static_cast<double>(std::max<int64_t>(st.replicates, 1))))
              << " at R = " << st.replicates << " replicates)\n\n"
              << "Each cell: false-alarm rate ± its Monte Carlo standard error, PASS/FAIL against "
                 "the budget. 'test': the test(s) the report applied.\n\n";
    std::vector<std::string> header = SizeHeader("feature");
    header.insert(header.begin() + 1, "test");
    std::cout << MarkdownHeader(header);
    for (size_t f = 0; f < st.features.size(); ++f) {
      std::set<std::string> tests;
      for (int ci = 0; ci < kSizes; ++ci)
        tests.insert(t.tests[ri][ci][f].begin(), t.tests[ri][ci][f].end());
      std::string names;
      for (const std::string& n : tests) names += (names.empty() ? "" : ", ") + n;
      std::vector<std::string> row = {st.features[f].name, names};
      for (int ci = 0; ci < kSizes; ++ci) {
        const Count& c = t.feature[ri][ci][f];
        const double limit = alpha + 2 * std::sqrt(alpha * (1 - alpha) / std::max<int64_t>(c.n, 1));
        row.push_back(b.Cell(c, limit));
        chance += ChanceFail(c.n, alpha, limit);
        cells += c.n > 0 ? 1 : 0;
      }
      std::cout << MarkdownRow(row);
    }
  }
  std::cout << "\nIf every test were exactly calibrated (true rate = alpha in each cell), about "
            << std::round(chance * 10) / 10 << " of these " << cells
            << " cells would FAIL by Monte Carlo chance alone (a rate just over the budget is "
               "consistent with alpha; tests on discrete data are conservative and fail less).\n";
}

void PrintModelTables(const Study& st, const Tally& t, Budget& b) {
  std::cout << "\n### Dataset drift of an unchanged model (one report over all "
            << st.features.size() << " features; budget " << kModelAlarmBudget << ")\n\n"
            << MarkdownHeader(SizeHeader("reference rows"));
  for (int ri = 0; ri < kRefs; ++ri) {
    std::vector<std::string> row = {std::to_string(kReferenceSizes[ri])};
    for (int ci = 0; ci < kSizes; ++ci) row.push_back(b.Cell(t.dataset[ri][ci], kModelAlarmBudget));
    std::cout << MarkdownRow(row);
  }
  std::cout << "\n### Performance drift of an unchanged model (default QualitySettings; budget "
            << kModelAlarmBudget << ")\n\n"
            << MarkdownHeader(SizeHeader("model (labelled rows)"));
  std::vector<std::string> reg = {"regression, MAE (training MAE = true MAE)"};
  std::vector<std::string> cls = {"classifier, AUC 0.85, 30 % positives"};
  for (int ci = 0; ci < kSizes; ++ci) {
    reg.push_back(b.Cell(t.regression[ci], kModelAlarmBudget));
    cls.push_back(b.Cell(t.classification[ci], kModelAlarmBudget));
  }
  std::cout << MarkdownRow(reg) << MarkdownRow(cls);
}

std::string OursCell(const Paired& p, int64_t& low) {
  if (p.ours.n == 0) return "-";
  if (!p.OursBelow()) return Fixed3(p.ours.Rate());
  ++low;
  return "**" + Fixed3(p.ours.Rate()) + " LOW**";
}

int64_t PrintPowerTables(const Study& st, const Tally& t) {
  int64_t low = 0;
  std::cout << "\n### Detection power beside the classical test on the same replicates\n\n"
            << "Rates of detection; LOW marks ours < classical - 2 MC SE of the paired "
               "difference. 'false alarms' rows: the same test on the unchanged feature.\n";
  for (size_t p = 0; p < st.power.size(); ++p) {
    const PowerSpec& ps = st.power[p];
    const std::string cn(ComparatorName(ps.comparator));
    std::cout << "\n#### " << ps.label << " (classical: " << cn << " at "
              << st.drift_options.p_value_threshold << ")\n\n"
              << MarkdownHeader(SizeHeader("reference rows: decision"));
    for (int ri = 0; ri < kRefs; ++ri) {
      const std::string ref = std::to_string(kReferenceSizes[ri]) + ": ";
      std::vector<std::string> ours = {ref + "ours"}, classical = {ref + cn},
                               far = {ref + cn + " false alarms"},
                               our_far = {ref + "ours false alarms"};
      for (int ci = 0; ci < kSizes; ++ci) {
        const Paired& pc = t.power[ri][ci][p];
        ours.push_back(OursCell(pc, low));
        classical.push_back(pc.classical.n ? Fixed3(pc.classical.Rate()) : "-");
        const Count& cf = t.classical_null[ri][ci][p];
        far.push_back(cf.n ? Fixed3(cf.Rate()) : "-");
        const Count& of = t.feature[ri][ci][ps.base];
        our_far.push_back(of.n ? Fixed3(of.Rate()) : "-");
      }
      std::cout << MarkdownRow(ours) << MarkdownRow(classical) << MarkdownRow(far)
                << MarkdownRow(our_far);
    }
  }
  const double level = PerformanceComparatorLevel(st.settings);
  std::cout << "\n#### Regression MAE +30 % (errors x " << kMaeShift
            << "; classical: one-sided t-test on |e| against the training MAE at " << level
            << ")\n\n"
            << MarkdownHeader(SizeHeader("decision"));
  std::vector<std::string> ours = {"ours"}, classical = {"t-test"}, far = {"t-test false alarms"},
                           our_far = {"ours false alarms"};
  for (int ci = 0; ci < kSizes; ++ci) {
    ours.push_back(OursCell(t.mae_power[ci], low));
    classical.push_back(t.mae_power[ci].classical.n ? Fixed3(t.mae_power[ci].classical.Rate())
                                                    : "-");
    far.push_back(t.ttest_null[ci].n ? Fixed3(t.ttest_null[ci].Rate()) : "-");
    our_far.push_back(t.regression[ci].n ? Fixed3(t.regression[ci].Rate()) : "-");
  }
  std::cout << MarkdownRow(ours) << MarkdownRow(classical) << MarkdownRow(far)
            << MarkdownRow(our_far);
  return low;
}

// What the simulation claims about its own data, measured: the constant column's reference
// spread (numpy's noise, not 0) and the unchanged models' metrics at the largest size.
void PrintSetupChecks(const Study& st, const Tally& t) {
  const auto constant = std::find_if(st.features.begin(), st.features.end(),
                                     [](const Spec& f) { return f.family == Family::kConstant; });
  std::cout << "\nSetup checks:";
  if (constant != st.features.end()) {
    for (int64_t n : kReferenceSizes) {
      Rng rng = MakeRng(st.seed, {5});
      std::cout << " constant column std (np.std) "
                << stats::PopulationStdDev(DrawSample(*constant, n, rng).sorted) << " at " << n
                << " rows;";
    }
  }
  std::cout << " mean MAE at " << kCurrentSizes[kSizes - 1] << " rows "
            << (t.mae_n ? t.mae_sum / static_cast<double>(t.mae_n) : 0.0) << " (true "
            << kSigma * std::sqrt(2 / kPi) << "), mean AUC "
            << (t.auc_n ? t.auc_sum / static_cast<double>(t.auc_n) : 0.0) << " (true " << kAuc
            << ").\n";
}

int64_t ParseCount(const char* flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (end == value || *end != '\0' || v < 0) {
    std::cerr << flag << ": expected a non-negative integer, got '" << value << "'\n";
    std::exit(2);
  }
  return v;
}

struct Options {
  Study study = MakeStudy();
  StreamOptions stream;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

constexpr const char* kUsage =
    "usage: calibration_bench [--replicates N] [--large-replicates N] [--turnovers N] "
    "[--window ROWS] [--step ROWS] [--threads N] [--seed N]\n";

Options ParseOptions(int argc, char** argv) {
  Options o;
  bool large_set = false;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::cerr << kUsage;
      std::exit(2);
    }
    const int64_t v = ParseCount(argv[i], argv[i + 1]);
    const std::string_view flag = argv[i];
    if (flag == "--replicates") {
      o.study.replicates = v;
    } else if (flag == "--large-replicates") {
      o.study.large_replicates = v;
      large_set = true;
    } else if (flag == "--turnovers") {
      o.stream.turnovers = v;
    } else if (flag == "--window" || flag == "--step") {
      (flag == "--window" ? o.stream.window : o.stream.step) = std::max<int64_t>(v, 1);
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(std::max<int64_t>(v, 1));
    } else if (flag == "--seed") {
      o.study.seed = static_cast<uint64_t>(v);
    } else {
      std::cerr << "unknown option " << flag << "\n" << kUsage;
      std::exit(2);
    }
  }
  if (!large_set) o.study.large_replicates = o.study.replicates;
  o.stream.seed = o.study.seed;
  o.stream.threads = o.threads;
  o.stream.reference_sizes = {kReferenceSizes[0], kReferenceSizes[1]};
  return o;
}

}  // namespace
}  // namespace mw::bench

int main(int argc, char** argv) {
  using namespace mw::bench;
  const Options o = ParseOptions(argc, argv);
  const Study& st = o.study;
  if (st.features.size() > Tally::kMaxFeatures || st.power.size() > Tally::kMaxPower) {
    std::cerr << "calibration_bench: Tally holds " << Tally::kMaxFeatures << " features and "
              << Tally::kMaxPower << " power scenarios; raise its bounds\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::cout << "## Calibration benchmark\n\n"
            << st.replicates << " replicates per cell ("
            << std::min(st.large_replicates, st.replicates) << " in the 10000-row cells"
            << (st.large_replicates < st.replicates ? ", CUT for time" : "") << "), seed "
            << st.seed << ", " << o.threads << " threads.\n";
  const Tally t = RunReplicates(st, o.threads);
  const double replicate_seconds = seconds();
  PrintSetupChecks(st, t);
  Budget budget;
  PrintFeatureTables(st, t, budget);
  PrintModelTables(st, t, budget);
  const int64_t low = PrintPowerTables(st, t);
  RunStreamStudy(st.features, o.stream);
  std::printf("\nruntime: %.1f s (replicates %.1f s, sliding windows %.1f s)\n", seconds(),
              replicate_seconds, seconds() - replicate_seconds);
  if (t.errors > 0)
    std::printf("ERRORS: %lld reports failed; first: %s\n", static_cast<long long>(t.errors),
                t.first_error.c_str());
  std::printf("power: %lld cells where ours is below the classical test by more than 2 MC SE\n",
              static_cast<long long>(low));
  std::printf("calibration: %lld cells, %lld over budget\n", static_cast<long long>(budget.cells),
              static_cast<long long>(budget.over));
  return 0;
}
