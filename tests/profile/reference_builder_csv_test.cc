#include <gtest/gtest.h>

#include <string>

#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

ReferenceProfile MustBuild(std::string_view csv, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromCsv(csv, options);
  EXPECT_TRUE(profile.has_value()) << profile.status().ToString();
  return profile.has_value() ? *profile : ReferenceProfile{};
}

std::string ErrorOf(std::string_view csv, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromCsv(csv, options);
  if (profile.has_value()) return "(no error)";
  EXPECT_EQ(profile.error().code(), StatusCode::kInvalidArgument);
  return profile.error().message();
}

using Counts = std::map<std::string, int64_t, std::less<>>;

TEST(BuildProfileFromCsvTest, NumericAndCategoricalColumnsInHeaderOrder) {
  const ReferenceProfile p = MustBuild("temp,city,age\n3.5,Oslo,40\n-1,Rome,22\n2e1,Oslo,31\n");
  EXPECT_EQ(p.rows, 3);
  ASSERT_EQ(p.features.size(), 3u);
  EXPECT_EQ(p.features[0].name, "temp");
  EXPECT_EQ(p.features[0].type, FeatureType::kNumeric);
  EXPECT_EQ(p.features[0].numeric.sorted, (std::vector<double>{-1, 3.5, 20}));
  EXPECT_EQ(p.features[0].min, -1);
  EXPECT_EQ(p.features[0].max, 20);
  EXPECT_EQ(p.features[1].name, "city");
  EXPECT_EQ(p.features[1].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"Oslo", 2}, {"Rome", 1}}));
  EXPECT_EQ(p.features[2].numeric.sorted, (std::vector<double>{22, 31, 40}));
  EXPECT_FALSE(p.prediction.has_value());
  EXPECT_FALSE(p.actual.has_value());
  EXPECT_EQ(p.Find("city"), &p.features[1]);
  EXPECT_EQ(p.Find("nope"), nullptr);
}

TEST(BuildProfileFromCsvTest, QuotedFieldsWithEscapedQuotesCommasAndNewlines) {
  const ReferenceProfile p = MustBuild(
      "note,\"n,um\"\n"
      "\"say \"\"hi\"\"\",1\n"
      "\"a,b\",\"2\"\n"
      "\"line1\nline2\",3\n"
      "\"\"\"\",4\n"
      "plain\"quote,5\n");
  ASSERT_EQ(p.features.size(), 2u);
  EXPECT_EQ(p.features[1].name, "n,um");
  EXPECT_EQ(
      p.features[0].categorical.counts,
      (Counts{{"say \"hi\"", 1}, {"a,b", 1}, {"line1\nline2", 1}, {"\"", 1}, {"plain\"quote", 1}}));
  // A quoted field that reads as a number is a number.
  EXPECT_EQ(p.features[1].numeric.sorted, (std::vector<double>{1, 2, 3, 4, 5}));
}

TEST(BuildProfileFromCsvTest, CrlfAndLfAndTrailingNewlineOrNot) {
  const ReferenceProfile lf = MustBuild("a,b\n1,x\n2,y\n");
  for (const char* text :
       {"a,b\r\n1,x\r\n2,y\r\n", "a,b\r\n1,x\r\n2,y", "a,b\n1,x\n2,y", "a,b\n1,x\n\n2,y\n\n",
        "\xEF\xBB\xBF"
        "a,b\n1,x\n2,y\n"}) {
    EXPECT_EQ(MustBuild(text), lf) << text;
  }
  // A CR inside quotes is data; a CRLF inside quotes stays CRLF.
  const ReferenceProfile quoted = MustBuild("a\r\n\"x\r\ny\"\r\n");
  EXPECT_EQ(quoted.features[0].categorical.counts, (Counts{{"x\r\ny", 1}}));
}

TEST(BuildProfileFromCsvTest, MissingMarkers) {
  const ReferenceProfile p = MustBuild("x,c\n1,a\n,\nNA,NA\nNaN,NaN\nnan,nan\nnull,null\n\"\",b\n");
  EXPECT_EQ(p.rows, 7);
  EXPECT_EQ(p.features[0].type, FeatureType::kNumeric);
  EXPECT_EQ(p.features[0].numeric.sorted, (std::vector<double>{1}));
  EXPECT_EQ(p.features[0].numeric.missing, 6);
  EXPECT_EQ(p.features[1].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(p.features[1].categorical.missing, 5);
}

TEST(BuildProfileFromCsvTest, OnlyWholeFiniteNumbersMakeANumericColumn) {
  // Each of these spellings turns its column categorical; numbers stay as their text.
  for (const char* odd :
       {" 1", "1 ", "+1", "inf", "-inf", "Infinity", "1e999", "0x10", "1,5", "1.5.2", "TRUE"}) {
    const std::string csv = std::string("v\n2.50\n\"") + odd + "\"\n";
    const ReferenceProfile p = MustBuild(csv);
    EXPECT_EQ(p.features[0].type, FeatureType::kCategorical) << odd;
    EXPECT_EQ(p.features[0].categorical.counts, (Counts{{"2.50", 1}, {odd, 1}})) << odd;
  }
  for (const char* number : {"1", "-0", "1e5", ".5", "5.", "1E-3", "-12.25e+2"}) {
    const ReferenceProfile p = MustBuild(std::string("v\n") + number + "\n");
    EXPECT_EQ(p.features[0].type, FeatureType::kNumeric) << number;
  }
}

TEST(BuildProfileFromCsvTest, AColumnWithNoValueIsNumericAndEmpty) {
  const ReferenceProfile p = MustBuild("a,b\n1,\n2,NA\n");
  EXPECT_EQ(p.features[1].type, FeatureType::kNumeric);
  EXPECT_TRUE(p.features[1].numeric.sorted.empty());
  EXPECT_EQ(p.features[1].numeric.missing, 2);
  EXPECT_EQ(p.features[1].min, 0);
  EXPECT_EQ(p.features[1].max, 0);
}

TEST(BuildProfileFromCsvTest, PredictionActualAndIgnoredColumns) {
  const ReferenceProfile p =
      MustBuild("id,timestamp,x,prediction,actual,model\nr1,5,1,0.9,1,m\nr2,6,2,0.1,,m\n");
  ASSERT_EQ(p.features.size(), 1u);
  EXPECT_EQ(p.features[0].name, "x");
  ASSERT_TRUE(p.prediction.has_value());
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{0.1, 0.9}));
  EXPECT_EQ(p.prediction->missing, 0);
  ASSERT_TRUE(p.actual.has_value());
  EXPECT_EQ(p.actual->sorted, (std::vector<double>{1}));
  EXPECT_EQ(p.actual->missing, 1);
}

TEST(BuildProfileFromCsvTest, OptionsRenameTheSpecialColumns) {
  ProfileOptions options;
  options.prediction_column = "score";
  options.actual_column = "label";
  options.ignore_columns = {"row"};
  const ReferenceProfile p = MustBuild("row,id,score,label\n1,7,0.5,1\n", options);
  ASSERT_EQ(p.features.size(), 1u);
  EXPECT_EQ(p.features[0].name, "id");  // no longer ignored
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{0.5}));
  EXPECT_EQ(p.actual->sorted, (std::vector<double>{1}));
}

TEST(BuildProfileFromCsvTest, TypeOverrides) {
  ProfileOptions options;
  options.types = {{"zip", FeatureType::kCategorical}, {"n", FeatureType::kNumeric}};
  const ReferenceProfile p = MustBuild("zip,n\n01234,1\n98765,NA\n01234,2\n", options);
  EXPECT_EQ(p.features[0].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[0].categorical.counts, (Counts{{"01234", 2}, {"98765", 1}}));
  EXPECT_EQ(p.features[1].type, FeatureType::kNumeric);
  EXPECT_EQ(p.features[1].numeric.missing, 1);

  EXPECT_EQ(ErrorOf("zip,n\n1,1\n2,two\n", options),
            "line 3: column \"n\": expected a number, got \"two\"");
}

TEST(BuildProfileFromCsvTest, RaggedRowsNameTheLineAndColumn) {
  EXPECT_EQ(ErrorOf("a,b,c,d,e,temp\n1,2,3,4,5,6\n1,2,3,4,5\n"),
            "line 3: column \"temp\": expected 6 fields, got 5");
  EXPECT_EQ(ErrorOf("a,b\n1,2\n1,2,3\n"), "line 3: field 3: expected 2 fields, got 3");
  // Lines are counted through quoted line breaks and skipped blank lines.
  EXPECT_EQ(ErrorOf("a,b\n\"x\ny\",1\n\n2\n"), "line 5: column \"b\": expected 2 fields, got 1");
}

TEST(BuildProfileFromCsvTest, MalformedInput) {
  EXPECT_EQ(ErrorOf(""), "the input is empty");
  EXPECT_EQ(ErrorOf("\n\r\n"), "the input is empty");
  EXPECT_EQ(ErrorOf("a,b\n"), "no data rows after the header");
  EXPECT_EQ(ErrorOf("a,b,a\n1,2,3\n"), "line 1: duplicate column \"a\"");
  EXPECT_EQ(ErrorOf("a,,b\n1,2,3\n"), "line 1: header field 2 has no name");
  EXPECT_EQ(ErrorOf("a,b\n1,\"open\n2,3\n"), "line 2: column \"b\": unterminated quoted field");
  EXPECT_EQ(ErrorOf("a,b\n\"x\"y,1\n"),
            "line 2: column \"a\": unexpected text after a closing quote");
  EXPECT_EQ(ErrorOf("a,prediction\n1,high\n"),
            "line 2: column \"prediction\": expected a number, got \"high\"");
}

TEST(BuildProfileFromCsvTest, TextMustBeUtf8) {
  EXPECT_EQ(MustBuild("city\nS\xC3\xA3o Paulo\n").features[0].categorical.counts,
            (Counts{{"S\xC3\xA3o Paulo", 1}}));
  // "São Paulo" saved as Latin-1 by a spreadsheet.
  EXPECT_EQ(ErrorOf("city\nOslo\nS\xE3o Paulo\n"),
            "line 3: the text is not valid UTF-8 (save the file as UTF-8)");
  EXPECT_EQ(ErrorOf("city\nOslo\nSa\xC3"),
            "line 3: the text is not valid UTF-8 (save the file as UTF-8)");
}

TEST(BuildProfileFromCsvTest, TooManyRows) {
  ProfileOptions options;
  options.max_rows = 2;
  EXPECT_TRUE(BuildProfileFromCsv("a\n1\n2\n", options).has_value());
  EXPECT_EQ(ErrorOf("a\n1\n2\n3\n", options), "line 4: too many rows (at most 2)");
}

TEST(BuildProfileFromCsvTest, ALateNonNumberMakesTheColumnCategoricalWithEveryValueAsText) {
  std::string csv = "v\n";
  for (int i = 0; i < 1000; ++i) csv += std::to_string(i % 10) + ".0\n";
  csv += "other\n";
  const ReferenceProfile p = MustBuild(csv);
  EXPECT_EQ(p.features[0].type, FeatureType::kCategorical);
  EXPECT_EQ(p.features[0].categorical.counts.size(), 11u);
  EXPECT_EQ(p.features[0].categorical.counts.at("3.0"), 100);
  EXPECT_EQ(p.features[0].categorical.counts.at("other"), 1);
}

}  // namespace
}  // namespace mw::profile
