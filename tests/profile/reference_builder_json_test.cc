#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

using Counts = std::map<std::string, int64_t, std::less<>>;

ReferenceProfile MustBuildFromNdjson(std::string_view ndjson, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromNdjson(ndjson, options);
  EXPECT_TRUE(profile.has_value()) << profile.status().ToString();
  return profile.has_value() ? *profile : ReferenceProfile{};
}

std::string ErrorFromNdjson(std::string_view ndjson, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromNdjson(ndjson, options);
  if (profile.has_value()) return "(no error)";
  EXPECT_EQ(profile.error().code(), StatusCode::kInvalidArgument);
  return profile.error().message();
}

TEST(BuildProfileFromNdjsonTest, ColumnsInFirstSeenOrderAndAbsentKeysAreMissing) {
  const ReferenceProfile p = MustBuildFromNdjson(
      "{\"a\": 1, \"b\": \"x\"}\n"
      "{\"c\": 2.5, \"a\": 3}\n"
      "{\"b\": \"y\", \"a\": null}\n");
  EXPECT_EQ(p.rows, 3);
  ASSERT_EQ(p.features.size(), 3u);
  EXPECT_EQ(p.features[0].name, "a");
  EXPECT_EQ(p.features[0].numeric.sorted, (std::vector<double>{1, 3}));
  EXPECT_EQ(p.features[0].numeric.missing, 1);
  EXPECT_EQ(p.features[1].name, "b");
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"x", 1}, {"y", 1}}));
  EXPECT_EQ(p.features[1].categorical.missing, 1);
  EXPECT_EQ(p.features[2].name, "c");
  EXPECT_EQ(p.features[2].numeric.sorted, (std::vector<double>{2.5}));
  EXPECT_EQ(p.features[2].numeric.missing, 2);
}

TEST(BuildProfileFromNdjsonTest, BlankLinesCrlfAndNoTrailingNewline) {
  const ReferenceProfile lf = MustBuildFromNdjson("{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(MustBuildFromNdjson("\n{\"a\":1}\r\n  \n\t\r\n{\"a\":2}"), lf);
}

TEST(BuildProfileFromNdjsonTest, StringsBoolsAndNumbersMakeCategoriesAsWritten) {
  const ReferenceProfile p = MustBuildFromNdjson(
      "{\"v\": 1.50, \"flag\": true, \"s\": \"1.5\"}\n"
      "{\"v\": \"low\", \"flag\": false, \"s\": \"2\"}\n"
      "{\"v\": 1e3, \"flag\": true, \"s\": \"caf\\u00e9\"}\n");
  EXPECT_EQ(p.features[0].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[0].categorical.counts, (Counts{{"1.50", 1}, {"low", 1}, {"1e3", 1}}));
  EXPECT_EQ(p.features[1].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"true", 2}, {"false", 1}}));
  // A JSON string is never a number, even when it reads like one.
  EXPECT_EQ(p.features[2].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[2].categorical.counts, (Counts{{"1.5", 1}, {"2", 1}, {"caf\xC3\xA9", 1}}));
}

TEST(BuildProfileFromNdjsonTest, NanIsMissingAndInfinityIsNotANumber) {
  const ReferenceProfile p =
      MustBuildFromNdjson("{\"a\": NaN, \"b\": 1}\n{\"a\": 2, \"b\": Infinity}\n");
  EXPECT_EQ(p.features[0].type, FeatureType::kNumeric);
  EXPECT_EQ(p.features[0].numeric.missing, 1);
  EXPECT_EQ(p.features[1].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"1", 1}, {"Infinity", 1}}));
  const ReferenceProfile huge = MustBuildFromNdjson("{\"a\": 1e400}\n");
  EXPECT_EQ(huge.features[0].categorical.counts, (Counts{{"1e400", 1}}));
}

TEST(BuildProfileFromNdjsonTest, PredictionActualIgnoredAndOverrides) {
  ProfileOptions options;
  options.types = {{"zip", FeatureType::kCategorical}};
  const ReferenceProfile p = MustBuildFromNdjson(
      "{\"id\": \"r1\", \"segment\": {\"nested\": [1]}, \"zip\": 1234, \"prediction\": 0.25, "
      "\"actual\": null}\n"
      "{\"id\": \"r2\", \"zip\": 1234, \"prediction\": 0.75, \"actual\": 1}\n",
      options);
  ASSERT_EQ(p.features.size(), 1u);
  EXPECT_EQ(p.features[0].categorical.counts, (Counts{{"1234", 2}}));
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(p.actual->sorted, (std::vector<double>{1}));
  EXPECT_EQ(p.actual->missing, 1);

  options.types = {{"n", FeatureType::kNumeric}};
  EXPECT_EQ(ErrorFromNdjson("{\"n\": 1}\n{\"n\": \"2\"}\n", options),
            "line 2: column \"n\": expected a number, got a string");
  EXPECT_EQ(ErrorFromNdjson("{\"prediction\": true}\n"),
            "line 1: column \"prediction\": expected a number, got a boolean");
}

TEST(BuildProfileFromNdjsonTest, Errors) {
  EXPECT_EQ(ErrorFromNdjson(""), "the input is empty");
  EXPECT_EQ(ErrorFromNdjson("\n \n"), "the input is empty");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1}\n[1,2]\n"), "line 2: expected a JSON object");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1}\n\"text\"\n"), "line 2: expected a JSON object");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1}\n{\"a\":[1]}\n"),
            "line 2: column \"a\": nested objects and arrays are not supported");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":{\"b\":1}}\n"),
            "line 1: column \"a\": nested objects and arrays are not supported");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1,\"a\":2}\n"), "line 1: column \"a\" appears twice");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1}\n\n{\"a\":}\n").substr(0, 22), "line 3: invalid JSON: ");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1} {\"a\":2}\n").substr(0, 22), "line 1: invalid JSON: ");
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1\n").substr(0, 22), "line 1: invalid JSON: ");
  ProfileOptions options;
  options.max_rows = 1;
  EXPECT_EQ(ErrorFromNdjson("{\"a\":1}\n{\"a\":2}\n", options),
            "line 2: too many rows (at most 1)");
}

TEST(BuildProfileFromNdjsonTest, AgreesWithCsvForTheSameTable) {
  const ReferenceProfile from_csv =
      BuildProfileFromCsv("x,c,prediction\n1.5,a,0.2\n,b,0.4\n-3,a,\n").value();
  const ReferenceProfile from_ndjson = MustBuildFromNdjson(
      "{\"x\":1.5,\"c\":\"a\",\"prediction\":0.2}\n"
      "{\"x\":null,\"c\":\"b\",\"prediction\":0.4}\n"
      "{\"x\":-3,\"c\":\"a\"}\n");
  EXPECT_EQ(from_csv, from_ndjson);
}

TEST(BuildProfileFromLoggedTest, FeaturesPredictionsAndActuals) {
  const std::vector<LoggedRow> rows = {
      {R"({"amount": 10, "id": "a", "prediction": "x"})", 0.25, 1.0},
      {R"({"amount": 30, "id": "b"})", 0.75, std::nullopt},
      {R"({})", std::numeric_limits<double>::quiet_NaN(), 0.0},
  };
  const ReferenceProfile p = BuildProfileFromLogged(rows).value();
  EXPECT_EQ(p.rows, 3);
  // Inside a features object every key is a feature, even "id" and "prediction".
  ASSERT_EQ(p.features.size(), 3u);
  EXPECT_EQ(p.features[0].name, "amount");
  EXPECT_EQ(p.features[0].numeric.sorted, (std::vector<double>{10, 30}));
  EXPECT_EQ(p.features[0].numeric.missing, 1);
  EXPECT_EQ(p.features[1].name, "id");
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(p.features[2].name, "prediction");
  EXPECT_EQ(p.features[2].categorical.missing, 2);
  ASSERT_TRUE(p.prediction.has_value());
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(p.prediction->missing, 1);  // NaN
  ASSERT_TRUE(p.actual.has_value());
  EXPECT_EQ(p.actual->sorted, (std::vector<double>{0, 1}));
  EXPECT_EQ(p.actual->missing, 1);
}

TEST(BuildProfileFromLoggedTest, NoActualsMeansNoActualColumn) {
  const std::vector<LoggedRow> rows = {{R"({"a": 1})", 0.5, std::nullopt}};
  const ReferenceProfile p = BuildProfileFromLogged(rows).value();
  EXPECT_TRUE(p.prediction.has_value());
  EXPECT_FALSE(p.actual.has_value());
}

TEST(BuildProfileFromLoggedTest, MatchesNdjsonOfTheSameRows) {
  const std::vector<LoggedRow> rows = {
      {R"({"x": 1.5, "c": "a"})", 0.2, 1.0},
      {R"({"c": "b", "x": null})", 0.4, 0.0},
      {R"({"x": -3, "c": true})", 0.9, 1.0},
  };
  const ReferenceProfile from_ndjson = MustBuildFromNdjson(
      "{\"x\": 1.5, \"c\": \"a\", \"prediction\": 0.2, \"actual\": 1}\n"
      "{\"c\": \"b\", \"x\": null, \"prediction\": 0.4, \"actual\": 0}\n"
      "{\"x\": -3, \"c\": true, \"prediction\": 0.9, \"actual\": 1}\n");
  EXPECT_EQ(BuildProfileFromLogged(rows).value(), from_ndjson);
}

TEST(BuildProfileFromLoggedTest, ErrorsNameTheRow) {
  const auto error_of = [](std::vector<LoggedRow> rows, const ProfileOptions& options = {}) {
    Result<ReferenceProfile> p = BuildProfileFromLogged(rows, options);
    return p.has_value() ? std::string("(no error)") : p.error().message();
  };
  EXPECT_EQ(error_of({}), "the input is empty");
  EXPECT_EQ(error_of({{"{}", 0, {}}, {"[]", 0, {}}}), "row 2: expected a JSON object");
  EXPECT_EQ(error_of({{R"({"a":1,"a":2})", 0, {}}}), "row 1: column \"a\" appears twice");
  ProfileOptions options;
  options.max_rows = 1;
  EXPECT_EQ(error_of({{"{}", 0, {}}, {"{}", 0, {}}}, options), "row 2: too many rows (at most 1)");
}

}  // namespace
}  // namespace mw::profile
