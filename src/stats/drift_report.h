// The drift decision layer: given each feature's reference and current data, choose a test (or
// take the one configured for the feature), compute it, decide drift per feature, adjust the
// p-value tests for multiple comparisons (Benjamini–Hochberg) and decide dataset drift.
//
// Automatic test choice (mirrors Evidently's defaults; docs/drift.md):
//   numeric,     reference rows <= large_reference_rows: KS,  drift when p < p_value_threshold
//   numeric,     more reference rows:  normalised Wasserstein, drift when >= wasserstein_threshold
//   categorical, reference rows <= large_reference_rows: chi-square, or the two-proportion z-test
//                when the union of categories has exactly 2; drift when p < p_value_threshold
//   categorical, more reference rows:  Jensen–Shannon distance, drift when
//                >= jensen_shannon_threshold
//   PSI only when requested for a feature; drift when >= psi_threshold.
// Dataset drift: drifted / features >= dataset_drift_share (raw per-feature decisions).
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

enum class DriftTest { kAuto, kKs, kPsi, kWasserstein, kJensenShannon, kChiSquare, kZTest };

// "auto", "ks", "psi", "wasserstein", "jensenshannon", "chisquare", "ztest".
std::string_view DriftTestName(DriftTest test);
// The inverse of DriftTestName (exact, lower-case); nullopt for anything else.
std::optional<DriftTest> ParseDriftTest(std::string_view name);

struct DriftOptions {
  double p_value_threshold = 0.05;        // KS, chi-square, z: drift when p < this
  double psi_threshold = 0.2;             // drift when PSI >= this
  double wasserstein_threshold = 0.1;     // drift when W1 / std(reference) >= this
  double jensen_shannon_threshold = 0.1;  // drift when JS distance >= this
  int psi_bins = 10;                      // reference-quantile bins
  double psi_min_proportion = 1e-4;       // bin proportions are clipped below at this
  int64_t large_reference_rows = 1000;    // the automatic choice switches above this many
  double dataset_drift_share = 0.5;       // dataset drift when drifted / total >= this
  double fdr_alpha = 0.05;                // Benjamini–Hochberg level over the p-value tests
  // Per-feature test overrides, by feature name. Every name must be one of the features, and
  // the test must suit the feature's type (numeric: ks, psi, wasserstein; categorical:
  // jensenshannon, chisquare, ztest); kAuto means the automatic choice.
  std::map<std::string, DriftTest, std::less<>> test_per_feature;
  bool all_statistics = false;  // also compute every applicable statistic (reports, bench)
  int threads = 0;              // 0 = std::thread::hardware_concurrency(); features in parallel
};

// One feature's data. Borrowed: the spans and pointers must stay valid during the call.
struct FeatureInput {
  std::string name;
  bool categorical = false;
  // Numeric: both sorted ascending (SortValues), finite, non-empty.
  std::span<const double> reference_sorted, current_sorted;
  // Categorical: both non-null, counts >= 0, each side's total > 0.
  const CategoryCounts* reference_counts = nullptr;
  const CategoryCounts* current_counts = nullptr;
};

struct FeatureDrift {
  std::string name;
  std::string type;                   // "numeric" | "categorical"
  DriftTest test = DriftTest::kAuto;  // the test applied (never kAuto in a returned report)
  // The test's statistic: KS D, chi-square statistic, signed z, W1 / std(reference), PSI or
  // JS distance. For Wasserstein with a constant reference, W1 / 0.001 (Evidently's floor).
  double score = 0;
  std::optional<double> pvalue;  // KS, chi-square and z only
  double threshold = 0;          // the threshold the decision used
  bool drift_detected = false;
  // The decision after Benjamini–Hochberg over every p-value test in the report
  // (pvalue_bh <= fdr_alpha); for distance tests, equal to drift_detected.
  bool drift_detected_bh = false;
  std::optional<double> pvalue_bh;
  int64_t reference_size = 0, current_size = 0;  // rows (categorical: total counts)
  // With all_statistics: numeric ks_statistic, ks_pvalue, wasserstein_norm (absent for a
  // constant reference), psi; categorical jensenshannon, chi2_statistic, chi2_pvalue, and
  // ztest_statistic, ztest_pvalue when the union has exactly 2 categories.
  std::map<std::string, double, std::less<>> statistics;
};

struct DriftReport {
  std::vector<FeatureDrift> features;  // in input order
  int64_t drifted = 0, drifted_bh = 0;
  double drift_share = 0;  // drifted / features.size(), 0 for no features
  bool dataset_drift = false;
};

// Computes the report. Errors (kInvalidArgument, naming the feature where there is one): a
// numeric side empty, unsorted or non-finite; a categorical side missing, negative or totalling
// 0; duplicate feature names; an override naming no feature or a test that does not suit the
// feature (ztest on more than 2 categories); options out of range (thresholds not finite,
// p_value_threshold or fdr_alpha outside (0, 1], dataset_drift_share outside [0, 1],
// psi_bins < 1, psi_min_proportion <= 0, large_reference_rows or threads negative).
Result<DriftReport> ComputeDriftReport(std::span<const FeatureInput> features,
                                       const DriftOptions& options);

}  // namespace mw::stats
