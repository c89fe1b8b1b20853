#include "profile/current_columns.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

using Counts = std::map<std::string, int64_t, std::less<>>;

// Features: 0 "amount" numeric, 1 "city" categorical, 2 "age" numeric.
ReferenceProfile Reference() {
  return BuildProfileFromCsv("amount,city,age,prediction\n10,Oslo,30,0.5\n20,Rome,40,0.7\n")
      .value();
}

TEST(CurrentColumnsBuilderTest, EachJsonKindForANumericFeature) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  for (const char* row :
       {R"({"amount": 12.5})", R"({"amount": -3})", R"({"amount": "12"})", R"({"amount": true})",
        R"({"amount": null})", R"({})", R"({"amount": [1]})", R"({"amount": {"a": 1}})",
        R"({"amount": 1e400})", R"({"amount": 0})"}) {
    ASSERT_TRUE(builder.AddFeaturesJson(row).ok()) << row;
  }
  const CurrentColumns columns = std::move(builder).Finish();
  EXPECT_EQ(columns.rows, 10);
  EXPECT_EQ(columns.numeric[0].sorted, (std::vector<double>{-3, 0, 12.5}));
  EXPECT_EQ(columns.numeric[0].missing, 2);  // null, absent
  EXPECT_EQ(columns.type_mismatches[0], 5);  // string, bool, array, object, 1e400
  EXPECT_TRUE(columns.categorical[0].counts.empty());
  // Features never mentioned are missing in every row.
  EXPECT_EQ(columns.categorical[1].missing, 10);
  EXPECT_EQ(columns.numeric[2].missing, 10);
  EXPECT_EQ(columns.type_mismatches[1], 0);
}

TEST(CurrentColumnsBuilderTest, EachJsonKindForACategoricalFeature) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  for (const char* row :
       {R"({"city": "Oslo"})", R"({"city": "Oslo"})", R"({"city": 1.50})", R"({"city": false})",
        R"({"city": null})", R"({"city": "caf\u00e9"})", R"({"city": ["x"]})", R"({"city": ""})"}) {
    ASSERT_TRUE(builder.AddFeaturesJson(row).ok()) << row;
  }
  const CurrentColumns columns = std::move(builder).Finish();
  EXPECT_EQ(columns.categorical[1].counts,
            (Counts{{"Oslo", 2}, {"1.50", 1}, {"false", 1}, {"caf\xC3\xA9", 1}, {"", 1}}));
  EXPECT_EQ(columns.categorical[1].missing, 1);
  EXPECT_EQ(columns.type_mismatches[1], 1);
}

TEST(CurrentColumnsBuilderTest, UnknownFeaturesCountRowsWithAValue) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"amount": 1, "new": 2, "other": "x"})").ok());
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"new": "y", "other": null})").ok());
  const CurrentColumns columns = std::move(builder).Finish();
  EXPECT_EQ(columns.unknown_features, (Counts{{"new", 2}, {"other", 1}}));
}

TEST(CurrentColumnsBuilderTest, InvalidRowsAreRefusedAndNotCounted) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  for (const char* bad :
       {"", "  ", "[1]", "\"x\"", "12", "null", "{", R"({"amount": 1,})", R"({"amount": 1} {})",
        R"({"amount": 1, "amount": 2})", R"({"new": 1, "new": 2})", R"({"amount": tru})",
        R"({"amount": 1, "city": "x"}])"}) {
    const Status status = builder.AddFeaturesJson(bad);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
  }
  // The refused rows left nothing behind, not even the values read before the error.
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"amount": 7})").ok());
  const CurrentColumns columns = std::move(builder).Finish();
  EXPECT_EQ(columns.rows, 1);
  EXPECT_EQ(columns.numeric[0].sorted, (std::vector<double>{7}));
  EXPECT_EQ(columns.numeric[0].missing, 0);
  EXPECT_EQ(columns.type_mismatches[0], 0);
  EXPECT_TRUE(columns.unknown_features.empty());
}

TEST(CurrentColumnsBuilderTest, ErrorMessagesSayWhatIsWrong) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  EXPECT_EQ(builder.AddFeaturesJson("[1]").message(), "features: expected a JSON object");
  EXPECT_EQ(builder.AddFeaturesJson(R"({"city":"a","city":"b"})").message(),
            "features: \"city\" appears twice");
  EXPECT_EQ(builder.AddFeaturesJson("{\"a\":").message().rfind("features: invalid JSON: ", 0), 0u);
}

TEST(CurrentColumnsBuilderTest, PredictionsAndActualsAreSortedAndNonFiniteIsMissing) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  builder.AddPrediction(0.9);
  builder.AddPrediction(0.1);
  builder.AddPrediction(std::numeric_limits<double>::quiet_NaN());
  builder.AddActual(1);
  builder.AddActual(-std::numeric_limits<double>::infinity());
  builder.AddActual(0);
  const CurrentColumns columns = std::move(builder).Finish();
  EXPECT_EQ(columns.prediction.sorted, (std::vector<double>{0.1, 0.9}));
  EXPECT_EQ(columns.prediction.missing, 1);
  EXPECT_EQ(columns.actual.sorted, (std::vector<double>{0, 1}));
  EXPECT_EQ(columns.actual.missing, 1);
}

TEST(CurrentColumnsBuilderTest, ManyRowsComeOutSorted) {
  const ReferenceProfile reference = Reference();
  CurrentColumnsBuilder builder(reference);
  std::vector<double> expected;
  for (int i = 0; i < 5000; ++i) {
    const double amount = std::fmod(i * 7919.0, 1013.0) - 500.25;
    expected.push_back(amount);
    const std::string row = "{\"age\":null,\"amount\":" + std::to_string(amount) + ",\"city\":\"c" +
                            std::to_string(i % 7) + "\"}";
    ASSERT_TRUE(builder.AddFeaturesJson(row).ok()) << row;
  }
  const CurrentColumns columns = std::move(builder).Finish();
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(columns.numeric[0].sorted.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(columns.numeric[0].sorted[i], expected[i], 1e-6);  // to_string keeps 6 decimals
  }
  EXPECT_EQ(columns.categorical[1].counts.size(), 7u);
  EXPECT_EQ(columns.numeric[2].missing, 5000);
}

TEST(ColumnsFromCsvTest, AlignsColumnsWithTheReference) {
  const ReferenceProfile reference = Reference();
  // No "age" column; an extra "zip"; columns in another order; ignored "id".
  Result<CurrentColumns> columns = ColumnsFromCsv(
      "id,city,zip,amount,prediction,actual\n"
      "1,Oslo,0123,15,0.25,1\n"
      "2,Paris,,abc,0.75,\n"
      "3,NA,9,-1e2,,0\n",
      reference);
  ASSERT_TRUE(columns.has_value()) << columns.status().ToString();
  EXPECT_EQ(columns->rows, 3);
  EXPECT_EQ(columns->numeric[0].sorted, (std::vector<double>{-100, 15}));
  EXPECT_EQ(columns->numeric[0].missing, 0);
  EXPECT_EQ(columns->type_mismatches[0], 1);  // "abc"
  EXPECT_EQ(columns->categorical[1].counts, (Counts{{"Oslo", 1}, {"Paris", 1}}));
  EXPECT_EQ(columns->categorical[1].missing, 1);
  EXPECT_EQ(columns->numeric[2].missing, 3);
  EXPECT_EQ(columns->unknown_features, (Counts{{"zip", 2}}));
  EXPECT_EQ(columns->prediction.sorted, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(columns->prediction.missing, 1);
  EXPECT_EQ(columns->actual.sorted, (std::vector<double>{0, 1}));
  EXPECT_EQ(columns->actual.missing, 1);
}

TEST(ColumnsFromCsvTest, Errors) {
  const ReferenceProfile reference = Reference();
  EXPECT_EQ(ColumnsFromCsv("", reference).error().message(), "the input is empty");
  EXPECT_EQ(ColumnsFromCsv("amount,city\n1\n", reference).error().message(),
            "line 2: column \"city\": expected 2 fields, got 1");
  EXPECT_EQ(ColumnsFromCsv("amount,prediction\n1,x\n", reference).error().message(),
            "line 2: column \"prediction\": expected a number, got \"x\"");
  ProfileOptions options;
  options.max_rows = 1;
  EXPECT_EQ(ColumnsFromCsv("amount\n1\n2\n", reference, options).error().message(),
            "line 3: too many rows (at most 1)");
}

TEST(ColumnsFromCsvTest, MatchesTheJsonBuilderForTheSameRows) {
  const ReferenceProfile reference = Reference();
  Result<CurrentColumns> from_csv =
      ColumnsFromCsv("amount,city,age\n1.5,Oslo,\n,Rome,33\n2,,NA\n", reference);
  ASSERT_TRUE(from_csv.has_value());
  CurrentColumnsBuilder builder(reference);
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"amount":1.5,"city":"Oslo"})").ok());
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"amount":null,"city":"Rome","age":33})").ok());
  ASSERT_TRUE(builder.AddFeaturesJson(R"({"amount":2})").ok());
  const CurrentColumns from_json = std::move(builder).Finish();
  EXPECT_EQ(from_csv->rows, from_json.rows);
  EXPECT_EQ(from_csv->numeric, from_json.numeric);
  EXPECT_EQ(from_csv->categorical, from_json.categorical);
  EXPECT_EQ(from_csv->type_mismatches, from_json.type_mismatches);
}

}  // namespace
}  // namespace mw::profile
