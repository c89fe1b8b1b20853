// proxy/capture/spec.h: ParseSource, the text of one capture part in the configuration.
#include <gtest/gtest.h>

#include "proxy/capture/spec.h"

namespace mw::proxy {
namespace {

using SourceKind = Source::Kind;

Source ParsedSource(std::string_view text) {
  Result<Source> source = ParseSource(text);
  EXPECT_TRUE(source.has_value()) << text << ": " << source.status().message();
  return source.has_value() ? *source : Source{};
}

std::string SourceError(std::string_view text) {
  Result<Source> source = ParseSource(text);
  EXPECT_FALSE(source.has_value()) << text;
  if (source.has_value()) return "";
  EXPECT_EQ(source.error().code(), StatusCode::kInvalidArgument);
  return source.error().message();
}

TEST(ParseSource, RequestPointer) {
  const Source s = ParsedSource("request: /features");
  EXPECT_EQ(s.kind, SourceKind::kRequest);
  EXPECT_EQ(s.value, "/features");
}

TEST(ParseSource, ResponsePointerWithoutSpaceAndWithTrailingSpace) {
  const Source s = ParsedSource("response:/predictions/*  ");
  EXPECT_EQ(s.kind, SourceKind::kResponse);
  EXPECT_EQ(s.value, "/predictions/*");
}

TEST(ParseSource, EmptyPointerIsTheWholeBody) {
  const Source s = ParsedSource("request:");
  EXPECT_EQ(s.kind, SourceKind::kRequest);
  EXPECT_EQ(s.value, "");
}

TEST(ParseSource, PathParameter) {
  const Source s = ParsedSource("path: restaurant_id");
  EXPECT_EQ(s.kind, SourceKind::kPath);
  EXPECT_EQ(s.value, "restaurant_id");
}

TEST(ParseSource, HeaderNameIsLowerCased) {
  const Source s = ParsedSource("header: X-Request-Id");
  EXPECT_EQ(s.kind, SourceKind::kHeader);
  EXPECT_EQ(s.value, "x-request-id");
}

TEST(ParseSource, ConstPrefixMakesAConstantOfAnyText) {
  const Source s = ParsedSource("const: header: x");
  EXPECT_EQ(s.kind, SourceKind::kConstant);
  EXPECT_EQ(s.value, "header: x");
}

TEST(ParseSource, TextWithoutAKnownPrefixIsAConstantVerbatim) {
  for (const std::string_view text :
       {"demand_forecast", "http://x:1/y", " spaced ", "Request: /a", "requests: /a", ""}) {
    const Source s = ParsedSource(text);
    EXPECT_EQ(s.kind, SourceKind::kConstant) << text;
    EXPECT_EQ(s.value, text);
  }
}

TEST(ParseSource, PointerEscapesAreAccepted) {
  EXPECT_EQ(ParsedSource("request: /a~1b/c~0d").value, "/a~1b/c~0d");
}

TEST(ParseSource, PointerMustStartWithSlash) {
  EXPECT_EQ(SourceError("request: features"),
            "\"features\": a JSON pointer must be empty or start with \"/\"");
}

TEST(ParseSource, BadPointerEscapeIsRefused) {
  EXPECT_EQ(SourceError("response: /a~2b"),
            "\"/a~2b\": \"~\" must be followed by 0 or 1 (RFC 6901)");
  EXPECT_EQ(SourceError("response: /a~"), "\"/a~\": \"~\" must be followed by 0 or 1 (RFC 6901)");
}

TEST(ParseSource, TwoStarsAreRefused) {
  EXPECT_EQ(SourceError("request: /instances/*/*"), "\"/instances/*/*\": at most one \"*\"");
}

TEST(ParseSource, OneStarAnywhereIsAccepted) {
  EXPECT_EQ(ParsedSource("request: /batch/*/features").value, "/batch/*/features");
  EXPECT_EQ(ParsedSource("request: /*").value, "/*");
}

TEST(ParseSource, EmptyNamesAreRefused) {
  EXPECT_EQ(SourceError("path:"), "path: the parameter name is empty");
  EXPECT_EQ(SourceError("path:   "), "path: the parameter name is empty");
  EXPECT_EQ(SourceError("header: "), "header: the header name is empty");
}

TEST(ParseSource, HeaderNameMustBeAToken) {
  EXPECT_EQ(SourceError("header: X Y"),
            "header: \"X Y\" is not a header name (RFC 9110 token characters only)");
  EXPECT_EQ(SourceError("header: a:b"),
            "header: \"a:b\" is not a header name (RFC 9110 token characters only)");
}

}  // namespace
}  // namespace mw::proxy
