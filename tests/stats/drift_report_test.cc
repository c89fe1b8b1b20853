// The drift decision layer: automatic test choice, overrides, thresholds, Benjamini–Hochberg,
// dataset drift and input validation (the calibrated decisions of issue 20 are checked in
// drift_decision_test.cc). The statistics themselves are checked against scipy in
// drift_test.cc and ks_test.cc; here the report must pick and combine them correctly.
#include "stats/drift_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "stats/drift.h"
#include "stats/drift_inputs.h"
#include "stats/ks.h"

namespace mw::stats {
namespace {

std::vector<double> SortedNormal(uint64_t seed, size_t n, double mean, double sd = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  SortValues(v);
  return v;
}

using test_inputs::CategoricalInput;
using test_inputs::NumericInput;

DriftReport MustCompute(std::span<const FeatureInput> features, const DriftOptions& options) {
  Result<DriftReport> r = ComputeDriftReport(features, options);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r.has_value() ? std::move(*r) : DriftReport{};
}

void ExpectInvalid(std::span<const FeatureInput> features, const DriftOptions& options,
                   const std::string& message_part) {
  Result<DriftReport> r = ComputeDriftReport(features, options);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find(message_part), std::string::npos) << r.error().message();
}

TEST(DriftTestNames, RoundTrip) {
  for (DriftTest t : {DriftTest::kAuto, DriftTest::kKs, DriftTest::kPsi, DriftTest::kWasserstein,
                      DriftTest::kJensenShannon, DriftTest::kChiSquare, DriftTest::kZTest}) {
    EXPECT_EQ(ParseDriftTest(DriftTestName(t)), t);
  }
  // The presence test is applied by the report itself; a configuration cannot request it.
  EXPECT_EQ(DriftTestName(DriftTest::kMissing), "missing");
  EXPECT_FALSE(ParseDriftTest("missing").has_value());
  EXPECT_EQ(DriftTestName(DriftTest::kJensenShannon), "jensenshannon");
  EXPECT_EQ(DriftTestName(DriftTest::kChiSquare), "chisquare");
  EXPECT_FALSE(ParseDriftTest("KS").has_value());
  EXPECT_FALSE(ParseDriftTest("").has_value());
}

TEST(DriftReport, AutoChoosesKsAtEveryReferenceSize) {
  const auto small = SortedNormal(1, 1000, 0), large = SortedNormal(2, 1001, 0);
  const auto current = SortedNormal(3, 800, 0.5);
  const std::vector<FeatureInput> features = {NumericInput("small", small, current),
                                              NumericInput("large", large, current)};
  const DriftReport report = MustCompute(features, DriftOptions{});
  ASSERT_EQ(report.features.size(), 2u);

  const FeatureDrift& ks = report.features[0];
  EXPECT_EQ(ks.type, "numeric");
  EXPECT_EQ(ks.test, DriftTest::kKs);
  const Result<KsResult> expected = KsTwoSampleSorted(small, current);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(ks.score, expected->statistic);
  EXPECT_EQ(ks.pvalue, expected->pvalue);
  EXPECT_EQ(ks.threshold, 0.05);
  EXPECT_TRUE(ks.drift_detected);  // a half-sd shift on 800 rows
  EXPECT_EQ(ks.reference_size, 1000);
  EXPECT_EQ(ks.current_size, 800);
  EXPECT_EQ(ks.pvalue_method, "exact");  // scipy's exact path (both sizes <= 10000)
  EXPECT_EQ(ks.levels, 0);

  // The old rule switched to Wasserstein above 1000 reference rows; KS now decides at every size.
  const FeatureDrift& large_ks = report.features[1];
  EXPECT_EQ(large_ks.test, DriftTest::kKs);
  EXPECT_EQ(large_ks.pvalue, KsTwoSampleSorted(large, current)->pvalue);
  EXPECT_TRUE(large_ks.drift_detected);
  EXPECT_EQ(large_ks.pvalue_bh,
            BenjaminiHochbergAdjusted(std::vector{*ks.pvalue, *large_ks.pvalue})[1]);
}

TEST(DriftReport, KsOnLargeSamplesReportsTheAsymptoticMethod) {
  const auto ref = SortedNormal(21, 20000, 0), cur = SortedNormal(22, 300, 0);
  const std::vector<FeatureInput> features = {NumericInput("f", ref, cur)};
  const FeatureDrift f = MustCompute(features, DriftOptions{}).features[0];
  EXPECT_EQ(f.test, DriftTest::kKs);
  EXPECT_EQ(KsTwoSampleSorted(ref, cur)->method, "asymp");  // premise
  EXPECT_EQ(f.pvalue_method, "asymptotic");
  EXPECT_EQ(f.pvalue, KsTwoSampleSorted(ref, cur)->pvalue);
}

TEST(DriftReport, AutoChoosesZForTwoCategoriesAndChiSquareForMoreAtEverySize) {
  const CategoryCounts binary_ref = {{"no", 600}, {"yes", 400}};
  const CategoryCounts binary_cur = {{"no", 500}, {"yes", 500}};
  const CategoryCounts multi_ref = {{"a", 300}, {"b", 300}, {"c", 400}};
  const CategoryCounts multi_cur = {{"a", 310}, {"b", 290}, {"c", 400}};
  const CategoryCounts large_ref = {{"a", 3000}, {"b", 3000}};
  const CategoryCounts large_cur = {{"a", 2000}, {"b", 4000}};
  const std::vector<FeatureInput> features = {
      CategoricalInput("binary", binary_ref, binary_cur),
      CategoricalInput("multi", multi_ref, multi_cur),
      CategoricalInput("large", large_ref, large_cur),
  };
  const DriftReport report = MustCompute(features, DriftOptions{});
  ASSERT_EQ(report.features.size(), 3u);

  const FeatureDrift& z = report.features[0];
  EXPECT_EQ(z.type, "categorical");
  EXPECT_EQ(z.test, DriftTest::kZTest);
  const ZTestResult expected_z = TwoProportionZTest(600, 1000, 500, 1000);  // "no" first
  EXPECT_EQ(z.score, expected_z.statistic);
  EXPECT_EQ(z.pvalue, expected_z.pvalue);
  EXPECT_TRUE(z.drift_detected);
  EXPECT_EQ(z.reference_size, 1000);
  EXPECT_EQ(z.pvalue_method, "asymptotic");
  EXPECT_EQ(z.levels, 2);

  const FeatureDrift& chi = report.features[1];
  EXPECT_EQ(chi.test, DriftTest::kChiSquare);
  const ChiSquareResult expected_chi = ChiSquareHomogeneity(multi_ref, multi_cur);
  EXPECT_EQ(chi.score, expected_chi.statistic);
  EXPECT_EQ(chi.pvalue, expected_chi.pvalue);
  EXPECT_FALSE(chi.drift_detected);
  EXPECT_EQ(chi.pvalue_method, "asymptotic");
  EXPECT_EQ(chi.levels, 3);

  // The old rule switched to Jensen–Shannon above 1000 reference rows.
  const FeatureDrift& large = report.features[2];
  EXPECT_EQ(large.test, DriftTest::kZTest);
  EXPECT_EQ(large.pvalue, TwoProportionZTest(3000, 6000, 2000, 6000).pvalue);
  EXPECT_TRUE(large.drift_detected);
  EXPECT_EQ(large.reference_size, 6000);
  EXPECT_EQ(large.current_size, 6000);
}

TEST(DriftReport, CategoriesCountedZeroOnBothSidesDoNotMakeABinaryFeatureMulticlass) {
  const CategoryCounts ref = {{"a", 60}, {"b", 40}, {"ghost", 0}};
  const CategoryCounts cur = {{"a", 50}, {"b", 50}};
  const std::vector<FeatureInput> features = {CategoricalInput("f", ref, cur)};
  EXPECT_EQ(MustCompute(features, DriftOptions{}).features[0].test, DriftTest::kZTest);
}

TEST(DriftReport, OverridesPickTheTestAndItsThreshold) {
  const auto ref = SortedNormal(4, 500, 0), cur = SortedNormal(5, 500, 0.05);
  const CategoryCounts binary_ref = {{"no", 60}, {"yes", 40}},
                       binary_cur = {{"no", 55}, {"yes", 45}};
  const std::vector<FeatureInput> features = {
      NumericInput("psi", ref, cur),
      NumericInput("wasserstein", ref, cur),
      CategoricalInput("chi", binary_ref, binary_cur),
      CategoricalInput("js", binary_ref, binary_cur),
      NumericInput("auto", ref, cur),
  };
  DriftOptions options;
  options.test_per_feature = {{"psi", DriftTest::kPsi},
                              {"wasserstein", DriftTest::kWasserstein},
                              {"chi", DriftTest::kChiSquare},
                              {"js", DriftTest::kJensenShannon},
                              {"auto", DriftTest::kAuto}};
  options.psi_threshold = 0.01;
  const DriftReport report = MustCompute(features, options);
  ASSERT_EQ(report.features.size(), 5u);
  EXPECT_EQ(report.features[0].test, DriftTest::kPsi);
  EXPECT_EQ(report.features[0].score, Psi(ref, cur));
  EXPECT_EQ(report.features[0].threshold, 0.01);
  // A requested distance is an effect-size gate on the feature's classical test (KS here),
  // whose p-value it reports.
  const double ks_p = KsTwoSampleSorted(ref, cur)->pvalue;
  EXPECT_EQ(report.features[0].pvalue, ks_p);
  EXPECT_EQ(report.features[0].drift_detected, Psi(ref, cur) >= 0.01 && ks_p <= 0.05);
  EXPECT_EQ(report.features[1].test, DriftTest::kWasserstein);
  EXPECT_EQ(report.features[1].score, *NormalizedWasserstein(ref, cur));
  EXPECT_EQ(report.features[1].pvalue, ks_p);
  EXPECT_EQ(report.features[2].test, DriftTest::kChiSquare);
  EXPECT_EQ(report.features[2].pvalue, ChiSquareHomogeneity(binary_ref, binary_cur).pvalue);
  EXPECT_EQ(report.features[3].test, DriftTest::kJensenShannon);
  EXPECT_EQ(report.features[3].pvalue, TwoProportionZTest(60, 100, 55, 100).pvalue);
  EXPECT_EQ(report.features[4].test, DriftTest::kKs);
}

TEST(DriftReport, DistanceAtExactlyTheThresholdIsDrift) {
  const auto ref = SortedNormal(6, 2000, 0), cur = SortedNormal(7, 2000, 0.3);
  const std::vector<FeatureInput> features = {NumericInput("f", ref, cur)};
  DriftOptions options;
  options.test_per_feature = {{"f", DriftTest::kWasserstein}};
  ASSERT_LE(KsTwoSampleSorted(ref, cur)->pvalue, 0.05);  // premise: the gate is open
  options.wasserstein_threshold = *NormalizedWasserstein(ref, cur);
  EXPECT_TRUE(MustCompute(features, options).features[0].drift_detected);
  options.wasserstein_threshold = std::nextafter(options.wasserstein_threshold, 1.0);
  EXPECT_FALSE(MustCompute(features, options).features[0].drift_detected);
}

TEST(DriftReport, ConstantReferenceScalesWassersteinByTheFloor) {
  const std::vector<double> ref(2000, 1.0);
  const std::vector<double> unchanged(100, 1.0);
  std::vector<double> moved(100, 1.0);
  moved.back() = 1.01;  // W1 = 0.01 / 100 = 1e-4
  const std::vector<FeatureInput> features = {NumericInput("same", ref, unchanged),
                                              NumericInput("moved", ref, moved)};
  DriftOptions options;
  options.all_statistics = true;
  options.test_per_feature = {{"same", DriftTest::kWasserstein},
                              {"moved", DriftTest::kWasserstein}};
  const DriftReport report = MustCompute(features, options);
  EXPECT_EQ(report.features[0].test, DriftTest::kWasserstein);
  EXPECT_EQ(report.features[0].score, 0.0);
  EXPECT_FALSE(report.features[0].drift_detected);
  EXPECT_NEAR(report.features[1].score, 0.1, 1e-12);
  EXPECT_EQ(report.features[1].score, Wasserstein1Sorted(ref, moved) / 0.001);
  // W1 / std is undefined, so the statistic is left out rather than reported as infinite.
  EXPECT_FALSE(report.features[1].statistics.contains("wasserstein_norm"));
  EXPECT_TRUE(report.features[1].statistics.contains("ks_pvalue"));
}

TEST(DriftReport, AllStatisticsReportsEveryApplicableStatistic) {
  const auto ref = SortedNormal(8, 3000, 0), cur = SortedNormal(9, 4000, 0.1);
  const CategoryCounts binary_ref = {{"no", 60}, {"yes", 40}},
                       binary_cur = {{"no", 55}, {"yes", 45}};
  const CategoryCounts multi_ref = {{"a", 3}, {"b", 4}, {"c", 5}}, multi_cur = {{"a", 5}, {"d", 4}};
  const std::vector<FeatureInput> features = {NumericInput("num", ref, cur),
                                              CategoricalInput("bin", binary_ref, binary_cur),
                                              CategoricalInput("multi", multi_ref, multi_cur)};
  DriftOptions options;
  options.all_statistics = true;
  const DriftReport report = MustCompute(features, options);

  const auto& num = report.features[0].statistics;
  const Result<KsResult> ks = KsTwoSampleSorted(ref, cur);
  ASSERT_TRUE(ks.has_value());
  EXPECT_EQ(num.size(), 4u);
  EXPECT_EQ(num.at("ks_statistic"), ks->statistic);
  EXPECT_EQ(num.at("ks_pvalue"), ks->pvalue);
  EXPECT_EQ(num.at("wasserstein_norm"), *NormalizedWasserstein(ref, cur));
  EXPECT_EQ(num.at("psi"), Psi(ref, cur));

  const auto& bin = report.features[1].statistics;
  EXPECT_EQ(bin.size(), 5u);
  EXPECT_EQ(bin.at("jensenshannon"), JensenShannonDistance(binary_ref, binary_cur));
  EXPECT_EQ(bin.at("chi2_statistic"), ChiSquareHomogeneity(binary_ref, binary_cur).statistic);
  EXPECT_EQ(bin.at("chi2_pvalue"), ChiSquareHomogeneity(binary_ref, binary_cur).pvalue);
  EXPECT_EQ(bin.at("ztest_pvalue"), TwoProportionZTest(60, 100, 55, 100).pvalue);
  EXPECT_EQ(bin.at("ztest_statistic"), TwoProportionZTest(60, 100, 55, 100).statistic);

  const auto& multi = report.features[2].statistics;
  EXPECT_EQ(multi.size(), 3u);
  EXPECT_EQ(multi.at("chi2_pvalue"), ChiSquareHomogeneity(multi_ref, multi_cur).pvalue);

  // Without the option only the chosen test runs.
  EXPECT_TRUE(MustCompute(features, DriftOptions{}).features[0].statistics.empty());
}

// Two-category features whose raw z-test p-values are given by the "yes" counts in the current
// sample (reference fixed at 500 of 1000).
struct BinaryFeatures {
  std::vector<CategoryCounts> current;
  CategoryCounts reference = {{"no", 500}, {"yes", 500}};
  std::vector<FeatureInput> inputs;
  explicit BinaryFeatures(const std::vector<int64_t>& yes) {
    current.reserve(yes.size());
    for (int64_t y : yes) current.push_back({{"no", 1000 - y}, {"yes", y}});
    for (size_t i = 0; i < yes.size(); ++i) {
      inputs.push_back(CategoricalInput("f" + std::to_string(i), reference, current[i]));
    }
  }
};

TEST(DriftReport, BenjaminiHochbergCanOverruleRawDecisions) {
  // Two borderline shifts among four features: raw p < 0.05 but BH-adjusted p > 0.05.
  const BinaryFeatures f({545, 546, 505, 498});
  const DriftReport report = MustCompute(f.inputs, DriftOptions{});
  std::vector<double> raw;
  for (const FeatureDrift& d : report.features) raw.push_back(*d.pvalue);
  ASSERT_LT(raw[0], 0.05);  // premise: the first two are raw drift
  ASSERT_LT(raw[1], 0.05);
  const std::vector<double> adjusted = BenjaminiHochbergAdjusted(raw);
  for (size_t i = 0; i < raw.size(); ++i) {
    EXPECT_EQ(report.features[i].pvalue_bh, adjusted[i]);
    EXPECT_EQ(report.features[i].drift_detected_bh, adjusted[i] <= 0.05);
  }
  EXPECT_GT(adjusted[0], 0.05);
  EXPECT_EQ(report.drifted, 2);
  EXPECT_EQ(report.drifted_bh, 0);
  EXPECT_DOUBLE_EQ(report.drift_share, 0.5);
}

TEST(DriftReport, BenjaminiHochbergKeepsStrongSignals) {
  const BinaryFeatures f({700, 505, 498});
  const DriftReport report = MustCompute(f.inputs, DriftOptions{});
  EXPECT_TRUE(report.features[0].drift_detected);
  EXPECT_TRUE(report.features[0].drift_detected_bh);
  EXPECT_EQ(report.drifted_bh, 1);
}

TEST(DriftReport, DistanceTestsEnterBenjaminiHochbergWithTheirCompanionPValue) {
  const CategoryCounts big_ref = {{"a", 3000}, {"b", 3000}}, big_cur = {{"a", 1000}, {"b", 5000}};
  BinaryFeatures f({545});
  f.inputs.push_back(CategoricalInput("js", big_ref, big_cur));
  DriftOptions options;
  options.test_per_feature = {{"js", DriftTest::kJensenShannon}};
  const DriftReport report = MustCompute(f.inputs, options);
  const std::vector<double> adjusted = BenjaminiHochbergAdjusted(
      std::vector{*report.features[0].pvalue, *report.features[1].pvalue});
  EXPECT_EQ(report.features[0].pvalue_bh, adjusted[0]);
  EXPECT_EQ(report.features[1].pvalue_bh, adjusted[1]);
  EXPECT_EQ(report.features[1].pvalue, TwoProportionZTest(3000, 6000, 1000, 6000).pvalue);
  EXPECT_TRUE(report.features[1].drift_detected);
  EXPECT_TRUE(report.features[1].drift_detected_bh);
  // With the distance under its threshold the BH decision stays closed however small p is.
  options.jensen_shannon_threshold = 0.9;
  const DriftReport gated = MustCompute(f.inputs, options);
  EXPECT_FALSE(gated.features[1].drift_detected);
  EXPECT_FALSE(gated.features[1].drift_detected_bh);
}

TEST(DriftReport, DatasetDriftWhenTheDriftedShareReachesTheThreshold) {
  const BinaryFeatures f({700, 300, 505, 498});  // two drifted of four
  DriftOptions options;
  options.dataset_drift_share = 0.5;
  DriftReport report = MustCompute(f.inputs, options);
  EXPECT_EQ(report.drifted, 2);
  EXPECT_DOUBLE_EQ(report.drift_share, 0.5);
  EXPECT_DOUBLE_EQ(report.drift_share_bh, 0.5);
  ASSERT_TRUE(report.dataset_pvalue.has_value());
  EXPECT_LE(*report.dataset_pvalue, 0.005);
  EXPECT_TRUE(report.dataset_drift);
  options.dataset_drift_share = 0.51;
  report = MustCompute(f.inputs, options);
  EXPECT_FALSE(report.dataset_drift);
}

TEST(DriftReport, NoFeaturesIsNoDrift) {
  const DriftReport report = MustCompute({}, DriftOptions{});
  EXPECT_TRUE(report.features.empty());
  EXPECT_EQ(report.drift_share, 0.0);
  EXPECT_EQ(report.drift_share_bh, 0.0);
  EXPECT_FALSE(report.dataset_pvalue.has_value());
  EXPECT_FALSE(report.dataset_drift);
}

TEST(DriftReport, ThreadCountDoesNotChangeTheReport) {
  std::vector<std::vector<double>> data;
  for (uint64_t i = 0; i < 24; ++i) data.push_back(SortedNormal(100 + i, 300 + 97 * i, 0.02 * i));
  std::vector<FeatureInput> features;
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    features.push_back(NumericInput("f" + std::to_string(i), data[i], data[i + 1]));
  }
  DriftOptions options;
  options.all_statistics = true;
  options.threads = 1;
  const DriftReport serial = MustCompute(features, options);
  options.threads = 5;
  const DriftReport parallel = MustCompute(features, options);
  ASSERT_EQ(serial.features.size(), parallel.features.size());
  for (size_t i = 0; i < serial.features.size(); ++i) {
    EXPECT_EQ(serial.features[i].name, parallel.features[i].name);
    EXPECT_EQ(serial.features[i].score, parallel.features[i].score);
    EXPECT_EQ(serial.features[i].statistics, parallel.features[i].statistics);
    EXPECT_EQ(serial.features[i].pvalue_bh, parallel.features[i].pvalue_bh);
  }
  EXPECT_EQ(serial.drifted, parallel.drifted);
}

TEST(DriftReport, RejectsEmptySidesNamingTheFeature) {
  const std::vector<double> some = {1, 2, 3}, none;
  const CategoryCounts counts = {{"a", 1}}, zero = {{"a", 0}}, empty_map;
  ExpectInvalid(std::vector{NumericInput("num_empty", some, none)}, {}, "num_empty");
  ExpectInvalid(std::vector{NumericInput("ref_empty", none, some)}, {}, "ref_empty");
  ExpectInvalid(std::vector{CategoricalInput("cat_zero", counts, zero)}, {}, "cat_zero");
  ExpectInvalid(std::vector{CategoricalInput("cat_empty", empty_map, counts)}, {}, "cat_empty");
  FeatureInput missing = CategoricalInput("cat_null", counts, counts);
  missing.current_counts = nullptr;
  ExpectInvalid(std::vector{missing}, {}, "cat_null");
}

TEST(DriftReport, RejectsMalformedInput) {
  const std::vector<double> some = {1, 2, 3}, unsorted = {3, 1, 2}, nan = {1, NAN};
  const std::vector<double> many = {1, 2, 3, 4, 5, 6};  // more levels than discrete_max_levels
  const CategoryCounts counts = {{"a", 1}, {"b", 2}}, negative = {{"a", -1}, {"b", 2}};
  const CategoryCounts three = {{"a", 1}, {"b", 2}, {"c", 3}};
  ExpectInvalid(std::vector{NumericInput("unsorted", some, unsorted)}, {}, "unsorted");
  ExpectInvalid(std::vector{NumericInput("nan", nan, some)}, {}, "nan");
  ExpectInvalid(std::vector{CategoricalInput("neg", counts, negative)}, {}, "neg");
  ExpectInvalid(std::vector{NumericInput("dup", some, some), NumericInput("dup", some, some)}, {},
                "dup");

  DriftOptions options;
  options.test_per_feature = {{"x", DriftTest::kChiSquare}};
  ExpectInvalid(std::vector{NumericInput("x", many, many)}, options, "discrete_max_levels");
  options.test_per_feature = {{"x", DriftTest::kJensenShannon}};
  ExpectInvalid(std::vector{NumericInput("x", some, some)}, options, "x");
  options.test_per_feature = {{"x", DriftTest::kZTest}};
  ExpectInvalid(std::vector{NumericInput("x", some, some)}, options, "at most 2 levels");
  options.test_per_feature = {{"x", DriftTest::kMissing}};
  ExpectInvalid(std::vector{NumericInput("x", some, some)}, options, "missing");
  options.test_per_feature = {{"x", DriftTest::kKs}};
  ExpectInvalid(std::vector{CategoricalInput("x", counts, counts)}, options, "x");
  options.test_per_feature = {{"x", DriftTest::kZTest}};
  ExpectInvalid(std::vector{CategoricalInput("x", three, counts)}, options, "ztest");
  options.test_per_feature = {{"typo", DriftTest::kKs}};
  ExpectInvalid(std::vector{NumericInput("x", some, some)}, options, "typo");
}

TEST(DriftReport, RejectsOptionsOutOfRange) {
  const std::vector<double> some = {1, 2, 3};
  const std::vector<FeatureInput> features = {NumericInput("x", some, some)};
  auto with = [](auto mutate) {
    DriftOptions o;
    mutate(o);
    return o;
  };
  ExpectInvalid(features, with([](DriftOptions& o) { o.p_value_threshold = 0; }), "p_value");
  ExpectInvalid(features, with([](DriftOptions& o) { o.fdr_alpha = 1.5; }), "fdr_alpha");
  ExpectInvalid(features, with([](DriftOptions& o) { o.psi_bins = 0; }), "psi_bins");
  ExpectInvalid(features, with([](DriftOptions& o) { o.psi_min_proportion = 0; }), "psi_min");
  ExpectInvalid(features, with([](DriftOptions& o) { o.dataset_drift_share = -0.1; }), "share");
  ExpectInvalid(features, with([](DriftOptions& o) { o.threads = -1; }), "threads");
  ExpectInvalid(features, with([](DriftOptions& o) { o.psi_threshold = NAN; }), "psi_threshold");
  ExpectInvalid(features, with([](DriftOptions& o) { o.dataset_alpha = 0; }), "dataset_alpha");
  ExpectInvalid(features, with([](DriftOptions& o) { o.dataset_alpha = 1.01; }), "dataset_alpha");
  ExpectInvalid(features, with([](DriftOptions& o) { o.discrete_max_levels = -1; }),
                "discrete_max_levels");
  ExpectInvalid(features, with([](DriftOptions& o) { o.discrete_max_levels = 101; }),
                "discrete_max_levels");
  ExpectInvalid(features, with([](DriftOptions& o) { o.monte_carlo_draws = 99; }),
                "monte_carlo_draws");
  ExpectInvalid(features, with([](DriftOptions& o) { o.monte_carlo_draws = 1'000'001; }),
                "monte_carlo_draws");
}

}  // namespace
}  // namespace mw::stats
