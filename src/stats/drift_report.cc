#include "stats/drift_report.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "stats/ks.h"

namespace mw::stats {
namespace {

// Evidently's floor for the reference spread: with a constant reference, W1 is scaled by this,
// so any move of more than 1e-4 (at the 0.1 default threshold) counts as drift.
constexpr double kWassersteinMinStdDev = 0.001;

constexpr std::pair<DriftTest, std::string_view> kTestNames[] = {
    {DriftTest::kAuto, "auto"},
    {DriftTest::kKs, "ks"},
    {DriftTest::kPsi, "psi"},
    {DriftTest::kWasserstein, "wasserstein"},
    {DriftTest::kJensenShannon, "jensenshannon"},
    {DriftTest::kChiSquare, "chisquare"},
    {DriftTest::kZTest, "ztest"},
};

bool IsNumericTest(DriftTest t) {
  return t == DriftTest::kKs || t == DriftTest::kPsi || t == DriftTest::kWasserstein;
}

Status ValidateOptions(const DriftOptions& o) {
  for (double threshold :
       {o.p_value_threshold, o.psi_threshold, o.wasserstein_threshold, o.jensen_shannon_threshold,
        o.psi_min_proportion, o.dataset_drift_share, o.fdr_alpha}) {
    if (!std::isfinite(threshold)) return InvalidArgument("drift thresholds must be finite");
  }
  if (!(o.p_value_threshold > 0 && o.p_value_threshold <= 1)) {
    return InvalidArgument("p_value_threshold must be in (0, 1]");
  }
  if (!(o.fdr_alpha > 0 && o.fdr_alpha <= 1)) return InvalidArgument("fdr_alpha must be in (0, 1]");
  if (!(o.dataset_drift_share >= 0 && o.dataset_drift_share <= 1)) {
    return InvalidArgument("dataset_drift_share must be in [0, 1]");
  }
  if (o.psi_bins < 1) return InvalidArgument("psi_bins must be at least 1");
  if (!(o.psi_min_proportion > 0)) return InvalidArgument("psi_min_proportion must be positive");
  if (o.large_reference_rows < 0) return InvalidArgument("large_reference_rows must be >= 0");
  if (o.threads < 0) return InvalidArgument("threads must be >= 0");
  return Status::Ok();
}

DriftTest RequestedTest(const FeatureInput& f, const DriftOptions& o) {
  auto it = o.test_per_feature.find(f.name);
  return it == o.test_per_feature.end() ? DriftTest::kAuto : it->second;
}

// W1 / std(reference), or W1 / kWassersteinMinStdDev for a constant reference.
double WassersteinScore(std::optional<double> normalized, std::span<const double> reference,
                        std::span<const double> current) {
  if (normalized) return *normalized;
  return Wasserstein1Sorted(reference, current) / kWassersteinMinStdDev;
}

void DecidePValue(FeatureDrift& out, double statistic, double pvalue, const DriftOptions& o) {
  out.score = statistic;
  out.pvalue = pvalue;
  out.threshold = o.p_value_threshold;
  out.drift_detected = pvalue < o.p_value_threshold;
}

void DecideDistance(FeatureDrift& out, double distance, double threshold) {
  out.score = distance;
  out.threshold = threshold;
  out.drift_detected = distance >= threshold;
}

Result<FeatureDrift> NumericDrift(const FeatureInput& f, const DriftOptions& o) {
  if (f.reference_sorted.empty() || f.current_sorted.empty()) {
    return InvalidArgument("feature '" + f.name + "': reference and current must be non-empty");
  }
  if (!IsSortedFinite(f.reference_sorted) || !IsSortedFinite(f.current_sorted)) {
    return InvalidArgument("feature '" + f.name + "': values must be finite and sorted ascending");
  }
  FeatureDrift out;
  out.name = f.name;
  out.type = "numeric";
  out.reference_size = static_cast<int64_t>(f.reference_sorted.size());
  out.current_size = static_cast<int64_t>(f.current_sorted.size());
  out.test = RequestedTest(f, o);
  if (out.test == DriftTest::kAuto) {
    out.test =
        out.reference_size <= o.large_reference_rows ? DriftTest::kKs : DriftTest::kWasserstein;
  }
  if (!IsNumericTest(out.test)) {
    return InvalidArgument("feature '" + f.name + "': test '" +
                           std::string(DriftTestName(out.test)) + "' needs a categorical feature");
  }
  const bool want_ks = o.all_statistics || out.test == DriftTest::kKs;
  const bool want_psi = o.all_statistics || out.test == DriftTest::kPsi;
  std::optional<KsResult> ks;
  if (want_ks) {
    Result<KsResult> r = KsTwoSampleSorted(f.reference_sorted, f.current_sorted);
    if (!r.has_value()) return r.error();
    ks = std::move(*r);
  }
  const double psi =
      want_psi ? Psi(f.reference_sorted, f.current_sorted, o.psi_bins, o.psi_min_proportion) : 0.0;
  std::optional<double> wasserstein_norm;
  if (o.all_statistics || out.test == DriftTest::kWasserstein) {
    wasserstein_norm = NormalizedWasserstein(f.reference_sorted, f.current_sorted);
  }
  switch (out.test) {
    case DriftTest::kKs:
      DecidePValue(out, ks->statistic, ks->pvalue, o);
      break;
    case DriftTest::kPsi:
      DecideDistance(out, psi, o.psi_threshold);
      break;
    default:
      DecideDistance(out, WassersteinScore(wasserstein_norm, f.reference_sorted, f.current_sorted),
                     o.wasserstein_threshold);
  }
  if (o.all_statistics) {
    out.statistics["ks_statistic"] = ks->statistic;
    out.statistics["ks_pvalue"] = ks->pvalue;
    if (wasserstein_norm) out.statistics["wasserstein_norm"] = *wasserstein_norm;
    out.statistics["psi"] = psi;
  }
  return out;
}

// Number of categories with a non-zero count on at least one side.
size_t NonEmptyUnionSize(const CategoryCounts& a, const CategoryCounts& b) {
  std::set<std::string_view> names;
  for (const auto& [name, count] : a) {
    if (count > 0) names.insert(name);
  }
  for (const auto& [name, count] : b) {
    if (count > 0) names.insert(name);
  }
  return names.size();
}

Result<int64_t> CategoricalTotal(const FeatureInput& f, const CategoryCounts* counts) {
  if (counts == nullptr) {
    return InvalidArgument("feature '" + f.name + "': categorical counts are missing");
  }
  int64_t total = 0;
  for (const auto& [name, count] : *counts) {
    if (count < 0) {
      return InvalidArgument("feature '" + f.name + "': category '" + name +
                             "' has a negative count");
    }
    total += count;
  }
  if (total == 0) {
    return InvalidArgument("feature '" + f.name + "': reference and current must be non-empty");
  }
  return total;
}

// The z-test on a two-category feature: successes are the first category in name order.
ZTestResult BinaryZTest(const CategoryCounts& reference, const CategoryCounts& current,
                        int64_t reference_total, int64_t current_total) {
  std::string_view first;
  for (const CategoryCounts* side : {&reference, &current}) {
    for (const auto& [name, count] : *side) {
      if (count > 0 && (first.empty() || name < first)) first = name;
    }
  }
  auto count_of = [&](const CategoryCounts& side) -> int64_t {
    auto it = side.find(first);
    return it == side.end() ? 0 : it->second;
  };
  return TwoProportionZTest(count_of(reference), reference_total, count_of(current), current_total);
}

Result<FeatureDrift> CategoricalDrift(const FeatureInput& f, const DriftOptions& o) {
  Result<int64_t> reference_total = CategoricalTotal(f, f.reference_counts);
  if (!reference_total.has_value()) return reference_total.error();
  Result<int64_t> current_total = CategoricalTotal(f, f.current_counts);
  if (!current_total.has_value()) return current_total.error();
  const CategoryCounts& ref = *f.reference_counts;
  const CategoryCounts& cur = *f.current_counts;
  FeatureDrift out;
  out.name = f.name;
  out.type = "categorical";
  out.reference_size = *reference_total;
  out.current_size = *current_total;
  const size_t categories = NonEmptyUnionSize(ref, cur);
  out.test = RequestedTest(f, o);
  if (out.test == DriftTest::kAuto) {
    if (out.reference_size > o.large_reference_rows) {
      out.test = DriftTest::kJensenShannon;
    } else {
      out.test = categories == 2 ? DriftTest::kZTest : DriftTest::kChiSquare;
    }
  }
  if (IsNumericTest(out.test)) {
    return InvalidArgument("feature '" + f.name + "': test '" +
                           std::string(DriftTestName(out.test)) + "' needs a numeric feature");
  }
  if (out.test == DriftTest::kZTest && categories > 2) {
    return InvalidArgument("feature '" + f.name + "': ztest needs at most 2 categories, found " +
                           std::to_string(categories));
  }
  switch (out.test) {
    case DriftTest::kZTest: {
      const ZTestResult z = BinaryZTest(ref, cur, out.reference_size, out.current_size);
      DecidePValue(out, z.statistic, z.pvalue, o);
      break;
    }
    case DriftTest::kChiSquare: {
      const ChiSquareResult chi = ChiSquareHomogeneity(ref, cur);
      DecidePValue(out, chi.statistic, chi.pvalue, o);
      break;
    }
    default:
      DecideDistance(out, JensenShannonDistance(ref, cur), o.jensen_shannon_threshold);
  }
  if (o.all_statistics) {
    const ChiSquareResult chi = ChiSquareHomogeneity(ref, cur);
    out.statistics["jensenshannon"] = JensenShannonDistance(ref, cur);
    out.statistics["chi2_statistic"] = chi.statistic;
    out.statistics["chi2_pvalue"] = chi.pvalue;
    if (categories == 2) {
      const ZTestResult z = BinaryZTest(ref, cur, out.reference_size, out.current_size);
      out.statistics["ztest_statistic"] = z.statistic;
      out.statistics["ztest_pvalue"] = z.pvalue;
    }
  }
  return out;
}

Status ValidateNamesAndOverrides(std::span<const FeatureInput> features, const DriftOptions& o) {
  std::set<std::string_view> names;
  for (const FeatureInput& f : features) {
    if (!names.insert(f.name).second) {
      return InvalidArgument("feature '" + f.name + "' appears more than once");
    }
  }
  for (const auto& [name, test] : o.test_per_feature) {
    if (!names.contains(name)) {
      return InvalidArgument("test_per_feature names no feature: '" + name + "'");
    }
  }
  return Status::Ok();
}

// Computes every feature, on up to `threads` threads (the caller's included). Each slot is
// written by exactly one thread; the joins publish them.
std::vector<Result<FeatureDrift>> ComputeFeatures(std::span<const FeatureInput> features,
                                                  const DriftOptions& o) {
  std::vector<std::optional<Result<FeatureDrift>>> slots(features.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < features.size(); i = next.fetch_add(1)) {
      slots[i].emplace(features[i].categorical ? CategoricalDrift(features[i], o)
                                               : NumericDrift(features[i], o));
    }
  };
  size_t threads = o.threads > 0 ? static_cast<size_t>(o.threads)
                                 : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(features.size(), 1));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads available: the ones running (and this one) do the rest
    }
  }
  work();
  for (std::thread& h : helpers) h.join();
  std::vector<Result<FeatureDrift>> out;
  out.reserve(features.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

}  // namespace

std::string_view DriftTestName(DriftTest test) {
  for (const auto& [t, name] : kTestNames) {
    if (t == test) return name;
  }
  return "unknown";
}

std::optional<DriftTest> ParseDriftTest(std::string_view name) {
  for (const auto& [t, n] : kTestNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

Result<DriftReport> ComputeDriftReport(std::span<const FeatureInput> features,
                                       const DriftOptions& options) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  if (Status s = ValidateNamesAndOverrides(features, options); !s.ok()) return s;
  std::vector<Result<FeatureDrift>> computed = ComputeFeatures(features, options);
  DriftReport report;
  report.features.reserve(features.size());
  for (Result<FeatureDrift>& r : computed) {
    if (!r.has_value()) return r.error();
    report.features.push_back(std::move(*r));
  }
  // Benjamini–Hochberg over the features decided by a p-value.
  std::vector<double> pvalues;
  std::vector<size_t> tested;
  for (size_t i = 0; i < report.features.size(); ++i) {
    if (report.features[i].pvalue) {
      pvalues.push_back(*report.features[i].pvalue);
      tested.push_back(i);
    }
  }
  const std::vector<double> adjusted = BenjaminiHochbergAdjusted(pvalues);
  for (FeatureDrift& f : report.features) f.drift_detected_bh = f.drift_detected;
  for (size_t k = 0; k < tested.size(); ++k) {
    FeatureDrift& f = report.features[tested[k]];
    f.pvalue_bh = adjusted[k];
    f.drift_detected_bh = adjusted[k] <= options.fdr_alpha;
  }
  for (const FeatureDrift& f : report.features) {
    report.drifted += f.drift_detected ? 1 : 0;
    report.drifted_bh += f.drift_detected_bh ? 1 : 0;
  }
  if (!report.features.empty()) {
    report.drift_share =
        static_cast<double>(report.drifted) / static_cast<double>(report.features.size());
    report.dataset_drift = report.drift_share >= options.dataset_drift_share;
  }
  return report;
}

}  // namespace mw::stats
