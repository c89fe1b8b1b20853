#include "profile/quality.h"

#include <gtest/gtest.h>

#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

// Reference: 4 rows. "x" numeric in [1, 9] with 1 missing; "c" categorical {a:2, b:1}, 1 missing.
ReferenceProfile FourRowReference() {
  return BuildProfileFromCsv("x,c\n1,a\n9,a\n5,b\nNA,\n").value();
}

TEST(ComputeQualityTest, HandComputedCounts) {
  const ReferenceProfile reference = FourRowReference();
  CurrentColumnsBuilder builder(reference);
  // 8 rows. x: values 0 (below), 1 (edge), 9 (edge), 10 (above), 12 (above), 5; one string
  // (mismatch), one absent (missing). c: a, z, z, y, b, null, absent x2; extra feature "new".
  for (const char* row : {R"({"x": 0, "c": "a"})", R"({"x": 1, "c": "z"})", R"({"x": 9, "c": "z"})",
                          R"({"x": 10, "c": "y"})", R"({"x": 12, "c": "b", "new": 1})",
                          R"({"x": 5, "c": null})", R"({"x": "oops"})", R"({"zeta": true})"}) {
    ASSERT_TRUE(builder.AddFeaturesJson(row).ok()) << row;
  }
  const QualityReport report = ComputeQuality(reference, std::move(builder).Finish());
  EXPECT_EQ(report.rows, 8);
  ASSERT_EQ(report.features.size(), 2u);

  const FeatureQuality& x = report.features[0];
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.type, FeatureType::kNumeric);
  EXPECT_EQ(x.rows, 8);
  EXPECT_EQ(x.missing, 1);
  EXPECT_DOUBLE_EQ(x.missing_rate, 1.0 / 8);
  EXPECT_DOUBLE_EQ(x.reference_missing_rate, 1.0 / 4);
  EXPECT_EQ(x.type_mismatches, 1);
  EXPECT_EQ(x.out_of_range, 3);  // 0, 10, 12; the edges 1 and 9 are inside
  EXPECT_DOUBLE_EQ(x.out_of_range_rate, 3.0 / 8);
  EXPECT_EQ(x.reference_min, 1);
  EXPECT_EQ(x.reference_max, 9);
  EXPECT_TRUE(x.unseen_categories.empty());
  EXPECT_EQ(x.unseen, 0);

  const FeatureQuality& c = report.features[1];
  EXPECT_EQ(c.type, FeatureType::kCategorical);
  EXPECT_EQ(c.missing, 3);
  EXPECT_DOUBLE_EQ(c.missing_rate, 3.0 / 8);
  EXPECT_DOUBLE_EQ(c.reference_missing_rate, 1.0 / 4);
  EXPECT_EQ(c.type_mismatches, 0);
  EXPECT_EQ(c.out_of_range, 0);
  EXPECT_EQ(c.unseen_categories,
            (std::vector<std::pair<std::string, int64_t>>{{"z", 2}, {"y", 1}}));
  EXPECT_EQ(c.unseen, 3);
  EXPECT_DOUBLE_EQ(c.unseen_rate, 3.0 / 8);

  EXPECT_EQ(report.unknown_features, (std::vector<std::string>{"new", "zeta"}));
}

TEST(ComputeQualityTest, UnseenCategoriesTiesAreByName) {
  const ReferenceProfile reference = FourRowReference();
  CurrentColumnsBuilder builder(reference);
  for (const char* c : {"q", "d", "m", "d", "q", "e"}) {
    ASSERT_TRUE(builder.AddFeaturesJson(std::string("{\"c\":\"") + c + "\"}").ok());
  }
  const QualityReport report = ComputeQuality(reference, std::move(builder).Finish());
  EXPECT_EQ(report.features[1].unseen_categories,
            (std::vector<std::pair<std::string, int64_t>>{{"d", 2}, {"q", 2}, {"e", 1}, {"m", 1}}));
}

TEST(ComputeQualityTest, AnEmptyWindowHasZeroRates) {
  const ReferenceProfile reference = FourRowReference();
  const QualityReport report = ComputeQuality(reference, CurrentColumnsBuilder(reference).Finish());
  EXPECT_EQ(report.rows, 0);
  for (const FeatureQuality& f : report.features) {
    EXPECT_EQ(f.missing_rate, 0);
    EXPECT_EQ(f.out_of_range_rate, 0);
    EXPECT_EQ(f.unseen_rate, 0);
    EXPECT_DOUBLE_EQ(f.reference_missing_rate, 0.25);
  }
}

TEST(ComputeQualityTest, AReferenceWithoutValuesPutsEveryValueOutOfRange) {
  const ReferenceProfile reference = BuildProfileFromCsv("x,y\nNA,1\n,2\n").value();
  ASSERT_EQ(reference.features[0].type, FeatureType::kNumeric);
  CurrentColumnsBuilder builder(reference);
  for (const char* row : {R"({"x": 0})", R"({"x": -4})", R"({"x": null})"}) {
    ASSERT_TRUE(builder.AddFeaturesJson(row).ok());
  }
  const QualityReport report = ComputeQuality(reference, std::move(builder).Finish());
  EXPECT_EQ(report.features[0].out_of_range, 2);
  EXPECT_DOUBLE_EQ(report.features[0].out_of_range_rate, 2.0 / 3);
  EXPECT_DOUBLE_EQ(report.features[0].reference_missing_rate, 1.0);
}

}  // namespace
}  // namespace mw::profile
