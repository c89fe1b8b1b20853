#include "proxy/route/route_template.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace mw::proxy {
namespace {

using TemplateKind = RouteTemplate::Segment::Kind;

RouteTemplate MustParseTemplate(std::string_view text) {
  auto t = RouteTemplate::Parse(text);
  EXPECT_TRUE(t.has_value()) << t.status().ToString();
  return std::move(t).value();
}

// The parameters of a match, or a map holding only "<no match>" when it does not match.
http::PathParams TemplateParams(std::string_view tmpl, std::string_view raw_path) {
  http::PathParams out;
  if (!MustParseTemplate(tmpl).Match(raw_path, &out)) return {{"<no match>", ""}};
  return out;
}

bool TemplateMatches(std::string_view tmpl, std::string_view raw_path) {
  return MustParseTemplate(tmpl).Match(raw_path, nullptr);
}

std::string TemplateError(std::string_view text) {
  auto t = RouteTemplate::Parse(text);
  if (t.has_value()) return "<parsed>";
  EXPECT_EQ(t.error().code(), StatusCode::kInvalidArgument);
  return t.error().message();
}

TEST(RouteTemplateTest, ParsesLiteralAffixedAndBareSegments) {
  const RouteTemplate t = MustParseTemplate("/v1/models/{model}:predict/{rest}");
  EXPECT_EQ(t.text(), "/v1/models/{model}:predict/{rest}");
  ASSERT_EQ(t.segments().size(), 4u);
  EXPECT_EQ(t.segments()[0].kind, TemplateKind::kLiteral);
  EXPECT_EQ(t.segments()[0].prefix, "v1");
  EXPECT_EQ(t.segments()[2].kind, TemplateKind::kAffixed);
  EXPECT_EQ(t.segments()[2].prefix, "");
  EXPECT_EQ(t.segments()[2].suffix, ":predict");
  EXPECT_EQ(t.segments()[2].name, "model");
  EXPECT_EQ(t.segments()[3].kind, TemplateKind::kBare);
  EXPECT_EQ(t.segments()[3].name, "rest");
}

TEST(RouteTemplateTest, MatchesLiteralPathOnly) {
  EXPECT_TRUE(TemplateMatches("/health/db", "/health/db"));
  EXPECT_FALSE(TemplateMatches("/health/db", "/health"));
  EXPECT_FALSE(TemplateMatches("/health/db", "/health/dbx"));
  EXPECT_FALSE(TemplateMatches("/health/db", "/health/db/x"));
  EXPECT_FALSE(TemplateMatches("/health/db", "/Health/db"));
}

TEST(RouteTemplateTest, CapturesBareParameter) {
  const auto p = TemplateParams("/predict/{restaurant_id}", "/predict/42");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.at("restaurant_id"), "42");
}

TEST(RouteTemplateTest, CapturesSeveralParameters) {
  const auto p = TemplateParams("/v2/models/{model_name}/versions/{model_version}/infer",
                                "/v2/models/iris/versions/3/infer");
  EXPECT_EQ(p.at("model_name"), "iris");
  EXPECT_EQ(p.at("model_version"), "3");
}

TEST(RouteTemplateTest, CapturesKServeSuffixedParameter) {
  EXPECT_EQ(TemplateParams("/v1/models/{model}:predict", "/v1/models/iris:predict").at("model"),
            "iris");
  EXPECT_FALSE(TemplateMatches("/v1/models/{model}:predict", "/v1/models/iris:explain"));
  EXPECT_FALSE(TemplateMatches("/v1/models/{model}:predict", "/v1/models/iris"));
}

TEST(RouteTemplateTest, CapturesPrefixedAndBothAffixedParameters) {
  EXPECT_EQ(TemplateParams("/files/v{version}", "/files/v12").at("version"), "12");
  EXPECT_EQ(TemplateParams("/m/a{x}b", "/m/a-b").at("x"), "-");
  EXPECT_FALSE(TemplateMatches("/files/v{version}", "/files/12"));
}

TEST(RouteTemplateTest, AffixedParameterMustNotBeEmpty) {
  EXPECT_FALSE(TemplateMatches("/v1/models/{model}:predict", "/v1/models/:predict"));
  EXPECT_FALSE(TemplateMatches("/m/a{x}b", "/m/ab"));
  // The prefix and suffix may not overlap to make room: "aba" is a + "" + ba, not a + b + a.
  EXPECT_FALSE(TemplateMatches("/m/ab{x}ba", "/m/aba"));
}

TEST(RouteTemplateTest, SuffixIsTakenFromTheEnd) {
  EXPECT_EQ(TemplateParams("/m/{x}:p", "/m/a:p:p").at("x"), "a:p");
}

TEST(RouteTemplateTest, BareParameterMustNotBeEmpty) {
  EXPECT_FALSE(TemplateMatches("/predict/{id}", "/predict/"));
  EXPECT_FALSE(TemplateMatches("/a/{x}/b", "/a//b"));
}

TEST(RouteTemplateTest, EmptySegmentMatchesOnlyAnEmptyLiteral) {
  EXPECT_TRUE(TemplateMatches("/a//b", "/a//b"));
  EXPECT_FALSE(TemplateMatches("/a//b", "/a/b"));
  EXPECT_FALSE(TemplateMatches("/a/b", "/a//b"));
}

TEST(RouteTemplateTest, TrailingSlashIsADifferentPath) {
  EXPECT_FALSE(TemplateMatches("/health", "/health/"));
  EXPECT_FALSE(TemplateMatches("/health/", "/health"));
  EXPECT_TRUE(TemplateMatches("/health/", "/health/"));
}

TEST(RouteTemplateTest, RootTemplateMatchesOnlyTheRoot) {
  EXPECT_TRUE(TemplateMatches("/", "/"));
  EXPECT_FALSE(TemplateMatches("/", "//"));
  EXPECT_FALSE(TemplateMatches("/", "/a"));
}

TEST(RouteTemplateTest, EncodedSlashStaysInsideTheParameter) {
  // Split on '/' first, then decode: "a%2Fb" is one segment.
  EXPECT_EQ(TemplateParams("/predict/{id}", "/predict/a%2Fb").at("id"), "a/b");
  EXPECT_FALSE(TemplateMatches("/predict/{id}", "/predict/a/b"));
  EXPECT_FALSE(TemplateMatches("/health/db", "/health%2Fdb"));
}

TEST(RouteTemplateTest, LiteralsMatchTheirEncodedForm) {
  EXPECT_TRUE(TemplateMatches("/predict/batch", "/predict/b%61tch"));
  EXPECT_FALSE(TemplateMatches("/predict/batch", "/predict/B%61tch"));
  EXPECT_TRUE(TemplateMatches("/caf\xC3\xA9", "/caf%C3%A9"));
  EXPECT_TRUE(TemplateMatches("/a b", "/a%20b"));
}

TEST(RouteTemplateTest, AffixesAreComparedDecoded) {
  EXPECT_EQ(TemplateParams("/v1/models/{model}:predict", "/v1/models/iris%3Apredict").at("model"),
            "iris");
  EXPECT_EQ(TemplateParams("/v1/models/{model}:predict", "/v1/models/a%20b%3apredict").at("model"),
            "a b");
}

TEST(RouteTemplateTest, ParametersComeDecoded) {
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/caf%C3%A9%20bar").at("x"), "caf\xC3\xA9 bar");
  // '+' is a space only in query strings.
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/a+b").at("x"), "a+b");
}

TEST(RouteTemplateTest, InvalidEscapesAreKeptLiterally) {
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/%zz").at("x"), "%zz");
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/%").at("x"), "%");
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/ab%f").at("x"), "ab%f");
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/a%00b").at("x"), std::string("a\0b", 3));
  EXPECT_EQ(TemplateParams("/m/{x}", "/m/%ff").at("x"), "\xff");
}

TEST(RouteTemplateTest, PathThatIsNotAbsoluteNeverMatches) {
  EXPECT_FALSE(TemplateMatches("/{x}", ""));
  EXPECT_FALSE(TemplateMatches("/{x}", "x"));
  EXPECT_FALSE(TemplateMatches("/{x}", "*"));
}

TEST(RouteTemplateTest, MissLeavesOutputUntouched) {
  const RouteTemplate t = MustParseTemplate("/predict/{id}");
  http::PathParams out{{"kept", "1"}};
  EXPECT_FALSE(t.Match("/other/1", &out));
  EXPECT_EQ(out, (http::PathParams{{"kept", "1"}}));
}

TEST(RouteTemplateTest, MatchReplacesOutput) {
  const RouteTemplate t = MustParseTemplate("/predict/{id}");
  http::PathParams out{{"stale", "1"}};
  EXPECT_TRUE(t.Match("/predict/7", &out));
  EXPECT_EQ(out, (http::PathParams{{"id", "7"}}));
}

TEST(RouteTemplateTest, ShapeErasesParameterNames) {
  EXPECT_EQ(MustParseTemplate("/v1/models/{model}:predict/{x}").shape(),
            "/v1/models/{}:predict/{}");
  EXPECT_EQ(MustParseTemplate("/predict/{a}").shape(), MustParseTemplate("/predict/{b}").shape());
  EXPECT_EQ(MustParseTemplate("/").shape(), "/");
  EXPECT_EQ(MustParseTemplate("/a//").shape(), "/a//");
}

TEST(RouteTemplateTest, ErrorNamesTheTemplateAndTheSegment) {
  EXPECT_EQ(TemplateError("/a/{b"), "route template \"/a/{b\": unclosed \"{\" in segment 2");
}

TEST(RouteTemplateTest, RejectsMalformedBraces) {
  EXPECT_NE(TemplateError("/a/b}").find("unmatched \"}\" in segment 2"), std::string::npos);
  EXPECT_NE(TemplateError("/a/}{b}").find("unmatched \"}\" in segment 2"), std::string::npos);
  EXPECT_NE(TemplateError("/{a}}").find("unmatched \"}\" in segment 1"), std::string::npos);
  EXPECT_NE(TemplateError("/{a{b}}").find("nested \"{\" in segment 1"), std::string::npos);
  EXPECT_NE(TemplateError("/x/{a}{b}").find("more than one parameter in segment 2"),
            std::string::npos);
  EXPECT_NE(TemplateError("/{a}x{b}").find("more than one parameter in segment 1"),
            std::string::npos);
}

TEST(RouteTemplateTest, RejectsBadParameterNames) {
  EXPECT_NE(TemplateError("/{}").find("empty parameter name in segment 1"), std::string::npos);
  EXPECT_NE(TemplateError("/{1a}").find("parameter name \"1a\" is not"), std::string::npos);
  EXPECT_NE(TemplateError("/{a-b}").find("parameter name \"a-b\" is not"), std::string::npos);
  EXPECT_NE(TemplateError("/{a b}").find("is not [A-Za-z_][A-Za-z0-9_]*"), std::string::npos);
  EXPECT_EQ(TemplateError("/{_a9Z}"), "<parsed>");
}

TEST(RouteTemplateTest, NameLengthIsBounded) {
  const std::string longest(RouteTemplate::kMaxNameBytes, 'n');
  EXPECT_EQ(TemplateError("/{" + longest + "}"), "<parsed>");
  EXPECT_NE(TemplateError("/{" + longest + "n}").find("parameter name longer than 64 bytes"),
            std::string::npos);
}

TEST(RouteTemplateTest, RejectsRepeatedParameterName) {
  EXPECT_NE(
      TemplateError("/{id}/x/v{id}").find("parameter \"id\" appears twice (segments 1 and 3)"),
      std::string::npos);
}

TEST(RouteTemplateTest, RejectsTemplatesThatAreNotPaths) {
  EXPECT_NE(TemplateError("").find("must start with \"/\""), std::string::npos);
  EXPECT_NE(TemplateError("predict/{id}").find("must start with \"/\""), std::string::npos);
  EXPECT_NE(TemplateError("/predict?x=1").find("without a query string"), std::string::npos);
  EXPECT_NE(TemplateError("/predict#x").find("without a fragment"), std::string::npos);
}

TEST(RouteTemplateTest, RejectsTextThatCannotBeALabel) {
  EXPECT_NE(TemplateError("/a\x01").find("UTF-8 without control characters"), std::string::npos);
  EXPECT_NE(TemplateError("/a\n").find("UTF-8 without control characters"), std::string::npos);
  // The echo of a bad template is itself made safe.
  EXPECT_EQ(TemplateError("/\xff"),
            "route template \"/\xEF\xBF\xBD\": must be UTF-8 without control characters");
}

TEST(RouteTemplateTest, LengthAndSegmentsAreBounded) {
  EXPECT_EQ(TemplateError("/" + std::string(RouteTemplate::kMaxBytes - 1, 'a')), "<parsed>");
  EXPECT_NE(TemplateError("/" + std::string(RouteTemplate::kMaxBytes, 'a'))
                .find("longer than 1024 bytes"),
            std::string::npos);
  std::string most;
  for (size_t i = 0; i < RouteTemplate::kMaxSegments; ++i) most += "/s";
  EXPECT_EQ(TemplateError(most), "<parsed>");
  EXPECT_NE(TemplateError(most + "/s").find("more than 32 segments"), std::string::npos);
}

TEST(RouteTemplateTest, LongestTemplateMatchesItsPath) {
  std::string tmpl, path;
  for (size_t i = 0; i < RouteTemplate::kMaxSegments; ++i) {
    tmpl += "/{p" + std::to_string(i) + "}";
    path += "/" + std::to_string(i);
  }
  const auto p = TemplateParams(tmpl, path);
  ASSERT_EQ(p.size(), RouteTemplate::kMaxSegments);
  EXPECT_EQ(p.at("p31"), "31");
  EXPECT_FALSE(TemplateMatches(tmpl, path + "/32"));
}

}  // namespace
}  // namespace mw::proxy
