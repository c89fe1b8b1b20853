// The drift decision layer: given each feature's reference and current data, choose a test (or
// take the one configured for the feature), compute it, decide drift per feature, adjust the
// p-values for multiple comparisons (Benjamini–Hochberg) and decide dataset drift.
//
// Every per-feature decision is a p-value test, drift when p <= p_value_threshold, whose false
// alarm rate is at most that level at every pair of sample sizes (docs/drift.md):
//   numeric, more than discrete_max_levels distinct reference values: two-sample KS (exact or
//            asymptotic as scipy chooses; distribution-free, conservative under ties);
//   numeric with at most discrete_max_levels distinct reference values (flags, small counts, a
//            constant column): tested as levels (homogeneity.h: SameLevel matching, a value
//            matching no reference level counts in a "new value" level) like a categorical one;
//   categorical and numeric-as-levels: 2 levels -> two-proportion z-test, more -> chi-square
//            homogeneity; asymptotic p-value when every expected count is >= 5, else the
//            conditional Monte Carlo p-value (monte_carlo_draws draws, seeded from the counts);
//   a feature whose current window has rows but no usable value: the presence test (test
//            "missing"), the same homogeneity test on the 2 x 2 table (values, missing);
//   distance tests (psi, wasserstein, jensenshannon) only when requested for a feature: drift
//            when distance >= its threshold AND the feature's classical test (the automatic
//            choice above) has p <= p_value_threshold, so the distance is an effect-size gate on a
//            calibrated test; pvalue reports that companion test.
// Dataset drift: dataset_pvalue (Simes: the smallest BH-adjusted p-value) <= dataset_alpha AND
// the BH-drifted share >= dataset_drift_share.
//
// Thread-safety: ComputeDriftReport is pure; it may use `options.threads` worker threads
// internally and returns after they have finished.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "stats/drift.h"

namespace mw::stats {

// kMissing is the presence test the report applies by itself (a current window without a usable
// value); it cannot be requested.
enum class DriftTest {
  kAuto,
  kKs,
  kPsi,
  kWasserstein,
  kJensenShannon,
  kChiSquare,
  kZTest,
  kMissing
};

// "auto", "ks", "psi", "wasserstein", "jensenshannon", "chisquare", "ztest", "missing".
std::string_view DriftTestName(DriftTest test);
// The inverse of DriftTestName (exact, lower-case) for the tests a configuration may request;
// nullopt for anything else, "missing" included.
std::optional<DriftTest> ParseDriftTest(std::string_view name);

struct DriftOptions {
  double p_value_threshold = 0.05;  // every per-feature test: drift when p <= this
  // Effect-size gates of the distance tests (only when requested in test_per_feature): drift when
  // the distance >= its threshold and the companion test's p <= p_value_threshold.
  double psi_threshold = 0.2;             // PSI
  double wasserstein_threshold = 0.1;     // W1 / std(reference)
  double jensen_shannon_threshold = 0.1;  // JS distance
  int psi_bins = 10;                      // reference-quantile bins
  double psi_min_proportion = 1e-4;       // bin proportions are clipped below at this
  // A numeric feature with at most this many distinct reference values is tested as levels
  // (z / chi-square) instead of KS; 0 never does. In [0, 100].
  int discrete_max_levels = 5;
  // B of the conditional Monte Carlo p-value (used when an expected count is below 5); the
  // smallest p-value it can give is 1 / (B + 1). In [100, 1000000].
  int monte_carlo_draws = 2000;
  double fdr_alpha = 0.05;  // Benjamini–Hochberg: drift_detected_bh when adjusted p <= this
  // Dataset drift when dataset_pvalue <= dataset_alpha and the BH-drifted share >=
  // dataset_drift_share. dataset_alpha in (0, 1], the share in [0, 1].
  double dataset_alpha = 0.005;
  double dataset_drift_share = 0.5;
  // Per-feature test overrides, by feature name. Every name must be one of the features, and
  // the test must suit the feature (numeric: ks, psi, wasserstein, and chisquare / ztest when it
  // is tested as levels; categorical: jensenshannon, chisquare, ztest; ztest needs at most 2
  // levels); kAuto means the automatic choice; kMissing is refused.
  std::map<std::string, DriftTest, std::less<>> test_per_feature;
  bool all_statistics = false;  // also compute every applicable statistic (reports, bench)
  int threads = 0;              // 0 = std::thread::hardware_concurrency(); features in parallel
};

// One feature's data. Borrowed: the spans and pointers must stay valid during the call.
struct FeatureInput {
  std::string name;
  bool categorical = false;
  // Numeric: both sorted ascending (SortValues), finite; the reference non-empty, the current
  // non-empty unless current_missing > 0.
  std::span<const double> reference_sorted, current_sorted;
  // Categorical: both non-null, counts >= 0, the reference's total > 0, the current's total > 0
  // unless current_missing > 0.
  const CategoryCounts* reference_counts = nullptr;
  const CategoryCounts* current_counts = nullptr;
  // Rows without a usable value (absent, null, or of the wrong type), >= 0. Used only when the
  // current side has no value at all: then the presence test decides.
  int64_t reference_missing = 0, current_missing = 0;
};

struct FeatureDrift {
  std::string name;
  std::string type;                   // "numeric" | "categorical" (numeric stays numeric as levels)
  DriftTest test = DriftTest::kAuto;  // the test applied (never kAuto in a returned report)
  // The test's statistic: KS D, chi-square statistic, signed z, W1 / std(reference), PSI or
  // JS distance; for "missing", the current window's missing share (1). For Wasserstein with a
  // constant reference (std <= 1e-9 |mean|), W1 / 0.001 (Evidently's floor).
  double score = 0;
  // The decision's p-value: the test's own, or for a distance test its companion's. Every
  // returned feature has one.
  std::optional<double> pvalue;
  // How pvalue was computed: "exact" | "asymptotic" | "monte_carlo".
  std::string pvalue_method;
  int64_t levels = 0;    // K of a level test (z, chi-square, missing); 0 for KS
  double threshold = 0;  // the threshold the decision used (alpha, or the distance threshold)
  bool drift_detected = false;
  // The decision after Benjamini–Hochberg over every feature of the report: pvalue_bh <=
  // fdr_alpha (and, for a distance test, the distance still >= its threshold).
  bool drift_detected_bh = false;
  std::optional<double> pvalue_bh;
  // Numeric: values; categorical: total counts; "missing": rows (values + missing).
  int64_t reference_size = 0, current_size = 0;
  // With all_statistics: numeric ks_statistic, ks_pvalue, wasserstein_norm (absent for a
  // constant reference), psi (also when tested as levels); categorical jensenshannon,
  // chi2_statistic, chi2_pvalue, and ztest_statistic, ztest_pvalue when the union has exactly 2
  // categories. These are the scipy statistics and asymptotic p-values, whatever path decided.
  // Empty for "missing".
  std::map<std::string, double, std::less<>> statistics;
};

struct DriftReport {
  std::vector<FeatureDrift> features;  // in input order
  int64_t drifted = 0, drifted_bh = 0;
  double drift_share = 0;     // drifted / features.size() (raw decisions), 0 for no features
  double drift_share_bh = 0;  // drifted_bh / features.size(), 0 for no features
  // Simes' global p-value of "no feature drifted": the smallest BH-adjusted p-value; nullopt
  // when no feature has a p-value (no features).
  std::optional<double> dataset_pvalue;
  // dataset_pvalue <= dataset_alpha and drift_share_bh >= dataset_drift_share.
  bool dataset_drift = false;
};

// Computes the report. Errors (kInvalidArgument, naming the feature where there is one): a
// reference side empty; a current side empty without current_missing; a numeric side unsorted or
// non-finite; a categorical side missing or negative; a negative missing count; duplicate feature
// names; an override naming no feature, requesting "missing" or a test that does not suit the
// feature; options out of range, the message naming the option (thresholds not finite,
// p_value_threshold, fdr_alpha or dataset_alpha outside (0, 1], dataset_drift_share outside
// [0, 1], psi_bins < 1, psi_min_proportion <= 0, discrete_max_levels outside [0, 100],
// monte_carlo_draws outside [100, 1000000], threads negative).
Result<DriftReport> ComputeDriftReport(std::span<const FeatureInput> features,
                                       const DriftOptions& options);

}  // namespace mw::stats
