#include "stats/drift_report.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "stats/homogeneity.h"
#include "stats/ks.h"

namespace mw::stats {
namespace {

// Evidently's floor for the reference spread: with a constant reference, W1 is scaled by this,
// so any move of more than 1e-4 (at the 0.1 default threshold) gives a large score; the decision
// still needs the companion test.
constexpr double kWassersteinMinStdDev = 0.001;

constexpr std::pair<DriftTest, std::string_view> kTestNames[] = {
    {DriftTest::kAuto, "auto"},
    {DriftTest::kKs, "ks"},
    {DriftTest::kPsi, "psi"},
    {DriftTest::kWasserstein, "wasserstein"},
    {DriftTest::kJensenShannon, "jensenshannon"},
    {DriftTest::kChiSquare, "chisquare"},
    {DriftTest::kZTest, "ztest"},
    {DriftTest::kMissing, "missing"},
};

bool IsDistanceTest(DriftTest t) {
  return t == DriftTest::kPsi || t == DriftTest::kWasserstein || t == DriftTest::kJensenShannon;
}

Status ValidateOptions(const DriftOptions& o) {
  const std::pair<double, const char*> finite[] = {
      {o.p_value_threshold, "p_value_threshold"},
      {o.psi_threshold, "psi_threshold"},
      {o.wasserstein_threshold, "wasserstein_threshold"},
      {o.jensen_shannon_threshold, "jensen_shannon_threshold"},
      {o.psi_min_proportion, "psi_min_proportion"},
      {o.dataset_drift_share, "dataset_drift_share"},
      {o.fdr_alpha, "fdr_alpha"},
      {o.dataset_alpha, "dataset_alpha"}};
  for (const auto& [value, name] : finite) {
    if (!std::isfinite(value)) return InvalidArgument(std::string(name) + " must be finite");
  }
  const std::pair<double, const char*> levels[] = {{o.p_value_threshold, "p_value_threshold"},
                                                   {o.fdr_alpha, "fdr_alpha"},
                                                   {o.dataset_alpha, "dataset_alpha"}};
  for (const auto& [value, name] : levels) {
    if (!(value > 0 && value <= 1))
      return InvalidArgument(std::string(name) + " must be in (0, 1]");
  }
  if (!(o.dataset_drift_share >= 0 && o.dataset_drift_share <= 1)) {
    return InvalidArgument("dataset_drift_share must be in [0, 1]");
  }
  if (o.psi_bins < 1) return InvalidArgument("psi_bins must be at least 1");
  if (!(o.psi_min_proportion > 0)) return InvalidArgument("psi_min_proportion must be positive");
  if (o.discrete_max_levels < 0 || o.discrete_max_levels > 100) {
    return InvalidArgument("discrete_max_levels must be in [0, 100]");
  }
  if (o.monte_carlo_draws < 100 || o.monte_carlo_draws > 1'000'000) {
    return InvalidArgument("monte_carlo_draws must be in [100, 1000000]");
  }
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

// A feature's classical test: what decides it automatically, and the companion of a requested
// distance test.
struct PTest {
  DriftTest test = DriftTest::kKs;
  double statistic = 0, pvalue = 1;
  std::string method;
  int64_t levels = 0;
};

PTest FromKs(const KsResult& ks) {
  // KS names its paths as scipy does ("exact" | "asymp").
  return {DriftTest::kKs, ks.statistic, ks.pvalue, ks.method == "exact" ? "exact" : "asymptotic",
          0};
}

PTest FromLevels(const LevelTable& table, bool z_test, const DriftOptions& o) {
  const LevelTestResult r = LevelTest(table, z_test, o.monte_carlo_draws);
  return {z_test ? DriftTest::kZTest : DriftTest::kChiSquare, r.statistic, r.pvalue, r.method,
          r.levels};
}

void DecidePValue(FeatureDrift& out, const PTest& t, const DriftOptions& o) {
  out.test = t.test;
  out.score = t.statistic;
  out.pvalue = t.pvalue;
  out.pvalue_method = t.method;
  out.levels = t.levels;
  out.threshold = o.p_value_threshold;
  out.drift_detected = t.pvalue <= o.p_value_threshold;
}

// A requested distance: an effect-size gate on the companion test.
void DecideDistance(FeatureDrift& out, DriftTest test, double distance, double threshold,
                    const PTest& companion, const DriftOptions& o) {
  DecidePValue(out, companion, o);
  out.test = test;
  out.score = distance;
  out.threshold = threshold;
  out.drift_detected = distance >= threshold && companion.pvalue <= o.p_value_threshold;
}

Status UnsuitedTest(const FeatureInput& f, DriftTest test, const std::string& why) {
  return InvalidArgument("feature '" + f.name + "': test '" + std::string(DriftTestName(test)) +
                         "' " + why);
}

Result<FeatureDrift> PresenceDrift(const FeatureInput& f, int64_t reference_values,
                                   const DriftOptions& o) {
  // Columns (values, missing): the current row has no values at all.
  LevelTable table;
  table.reference = {reference_values, f.reference_missing};
  table.current = {0, f.current_missing};
  FeatureDrift out;
  out.name = f.name;
  out.type = f.categorical ? "categorical" : "numeric";
  out.reference_size = reference_values + f.reference_missing;
  out.current_size = f.current_missing;
  DecidePValue(out, FromLevels(table, true, o), o);
  out.test = DriftTest::kMissing;
  out.score = 1.0;  // the current window's missing share
  return out;
}

Status CheckMissingCounts(const FeatureInput& f) {
  if (f.reference_missing < 0 || f.current_missing < 0) {
    return InvalidArgument("feature '" + f.name + "': missing counts must be >= 0");
  }
  return Status::Ok();
}

Result<FeatureDrift> NumericDrift(const FeatureInput& f, const DriftOptions& o) {
  if (Status s = CheckMissingCounts(f); !s.ok()) return s;
  if (f.reference_sorted.empty() || (f.current_sorted.empty() && f.current_missing == 0)) {
    return InvalidArgument("feature '" + f.name + "': reference and current must be non-empty");
  }
  if (!IsSortedFinite(f.reference_sorted) || !IsSortedFinite(f.current_sorted)) {
    return InvalidArgument("feature '" + f.name + "': values must be finite and sorted ascending");
  }
  const DriftTest requested = RequestedTest(f, o);
  const bool categorical_test = requested == DriftTest::kChiSquare ||
                                requested == DriftTest::kZTest ||
                                requested == DriftTest::kJensenShannon;
  const std::vector<double> levels = ReferenceLevels(f.reference_sorted, o.discrete_max_levels);
  if (requested == DriftTest::kJensenShannon || (categorical_test && levels.empty())) {
    return UnsuitedTest(f, requested,
                        "needs a categorical feature or (chisquare, ztest) a numeric one with at "
                        "most discrete_max_levels distinct reference values");
  }
  if (f.current_sorted.empty()) {
    return PresenceDrift(f, static_cast<int64_t>(f.reference_sorted.size()), o);
  }
  FeatureDrift out;
  out.name = f.name;
  out.type = "numeric";
  out.reference_size = static_cast<int64_t>(f.reference_sorted.size());
  out.current_size = static_cast<int64_t>(f.current_sorted.size());
  std::optional<KsResult> ks;
  if (levels.empty() || requested == DriftTest::kKs || o.all_statistics) {
    Result<KsResult> r = KsTwoSampleSorted(f.reference_sorted, f.current_sorted);
    if (!r.has_value()) return r.error();
    ks = std::move(*r);
  }
  std::optional<PTest> classical;
  if (levels.empty()) {
    classical = FromKs(*ks);
  } else {
    const LevelTable table = TableFromLevels(levels, f.reference_sorted, f.current_sorted);
    if (requested == DriftTest::kZTest && table.levels() > 2) {
      return UnsuitedTest(f, requested,
                          "needs at most 2 levels, found " + std::to_string(table.levels()));
    }
    const bool z_test = requested == DriftTest::kZTest ||
                        (requested != DriftTest::kChiSquare && table.levels() == 2);
    classical = FromLevels(table, z_test, o);
  }
  const bool want_psi = o.all_statistics || requested == DriftTest::kPsi;
  const double psi =
      want_psi ? Psi(f.reference_sorted, f.current_sorted, o.psi_bins, o.psi_min_proportion) : 0.0;
  std::optional<double> wasserstein_norm;
  if (o.all_statistics || requested == DriftTest::kWasserstein) {
    wasserstein_norm = NormalizedWasserstein(f.reference_sorted, f.current_sorted);
  }
  switch (requested) {
    case DriftTest::kKs:
      DecidePValue(out, FromKs(*ks), o);
      break;
    case DriftTest::kPsi:
      DecideDistance(out, requested, psi, o.psi_threshold, *classical, o);
      break;
    case DriftTest::kWasserstein:
      DecideDistance(out, requested,
                     WassersteinScore(wasserstein_norm, f.reference_sorted, f.current_sorted),
                     o.wasserstein_threshold, *classical, o);
      break;
    default:  // auto, or chisquare / ztest on levels
      DecidePValue(out, *classical, o);
  }
  if (o.all_statistics) {
    out.statistics["ks_statistic"] = ks->statistic;
    out.statistics["ks_pvalue"] = ks->pvalue;
    if (wasserstein_norm) out.statistics["wasserstein_norm"] = *wasserstein_norm;
    out.statistics["psi"] = psi;
  }
  return out;
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
  return total;
}

Result<FeatureDrift> CategoricalDrift(const FeatureInput& f, const DriftOptions& o) {
  if (Status s = CheckMissingCounts(f); !s.ok()) return s;
  Result<int64_t> reference_total = CategoricalTotal(f, f.reference_counts);
  if (!reference_total.has_value()) return reference_total.error();
  Result<int64_t> current_total = CategoricalTotal(f, f.current_counts);
  if (!current_total.has_value()) return current_total.error();
  if (*reference_total == 0 || (*current_total == 0 && f.current_missing == 0)) {
    return InvalidArgument("feature '" + f.name + "': reference and current must be non-empty");
  }
  const DriftTest requested = RequestedTest(f, o);
  if (requested == DriftTest::kKs || requested == DriftTest::kPsi ||
      requested == DriftTest::kWasserstein) {
    return UnsuitedTest(f, requested, "needs a numeric feature");
  }
  const CategoryCounts& ref = *f.reference_counts;
  const CategoryCounts& cur = *f.current_counts;
  const LevelTable table = TableFromCounts(ref, cur);
  if (requested == DriftTest::kZTest && table.levels() > 2) {
    return InvalidArgument("feature '" + f.name + "': ztest needs at most 2 categories, found " +
                           std::to_string(table.levels()));
  }
  if (*current_total == 0) return PresenceDrift(f, *reference_total, o);
  FeatureDrift out;
  out.name = f.name;
  out.type = "categorical";
  out.reference_size = *reference_total;
  out.current_size = *current_total;
  const bool z_test =
      requested == DriftTest::kZTest || (requested != DriftTest::kChiSquare && table.levels() == 2);
  const PTest classical = FromLevels(table, z_test, o);
  if (requested == DriftTest::kJensenShannon) {
    DecideDistance(out, requested, JensenShannonDistance(ref, cur), o.jensen_shannon_threshold,
                   classical, o);
  } else {
    DecidePValue(out, classical, o);
  }
  if (o.all_statistics) {
    const ChiSquareResult chi = ChiSquareHomogeneityColumns(table.reference, table.current);
    out.statistics["jensenshannon"] = JensenShannonDistance(ref, cur);
    out.statistics["chi2_statistic"] = chi.statistic;
    out.statistics["chi2_pvalue"] = chi.pvalue;
    if (table.levels() == 2) {
      const ZTestResult z = TwoProportionZTest(table.reference[0], out.reference_size,
                                               table.current[0], out.current_size);
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
    if (test == DriftTest::kMissing) {
      return InvalidArgument("test_per_feature: feature '" + name +
                             "': the test 'missing' is applied automatically and cannot be "
                             "requested");
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
    if (t == DriftTest::kMissing) continue;
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
  // Benjamini–Hochberg over every feature with a p-value (all of them: a distance test carries
  // its companion's).
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
    const bool gate = !IsDistanceTest(f.test) || f.score >= f.threshold;
    f.drift_detected_bh = gate && adjusted[k] <= options.fdr_alpha;
    // Simes' global test equals the smallest BH-adjusted p-value.
    if (!report.dataset_pvalue || adjusted[k] < *report.dataset_pvalue) {
      report.dataset_pvalue = adjusted[k];
    }
  }
  for (const FeatureDrift& f : report.features) {
    report.drifted += f.drift_detected ? 1 : 0;
    report.drifted_bh += f.drift_detected_bh ? 1 : 0;
  }
  if (!report.features.empty()) {
    const double n = static_cast<double>(report.features.size());
    report.drift_share = static_cast<double>(report.drifted) / n;
    report.drift_share_bh = static_cast<double>(report.drifted_bh) / n;
    report.dataset_drift = report.dataset_pvalue &&
                           *report.dataset_pvalue <= options.dataset_alpha &&
                           report.drift_share_bh >= options.dataset_drift_share;
  }
  return report;
}

}  // namespace mw::stats
