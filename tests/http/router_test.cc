#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/http.h"

namespace mw::http {
namespace {

Handler Noop() {
  return [](Request&, const PathParams&, Responder) {};
}

TEST(RouterTest, MatchesLiteralPath) {
  Router r;
  r.Add("GET", "/health", Noop());
  const auto m = r.Find("GET", "/health");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path_template, "/health");
}

TEST(RouterTest, ExtractsPathParameters) {
  Router r;
  r.Add("PUT", "/v1/models/{model}/versions/{version}", Noop());
  const auto m = r.Find("PUT", "/v1/models/demand/versions/v3");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("model"), "demand");
  EXPECT_EQ(m.params.at("version"), "v3");
}

TEST(RouterTest, ReportsOtherMethodForKnownPath) {
  Router r;
  r.Add("POST", "/v1/predictions", Noop());
  const auto m = r.Find("GET", "/v1/predictions");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched_other_method);
}

TEST(RouterTest, UnknownPathIsNotMatched) {
  Router r;
  r.Add("GET", "/v1/models/{model}", Noop());
  const auto m = r.Find("GET", "/v1/models/a/b");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_matched_other_method);
}

TEST(RouterTest, HeadMatchesGetRoute) {
  Router r;
  r.Add("GET", "/livez", Noop());
  EXPECT_NE(r.Find("HEAD", "/livez").route, nullptr);
}

TEST(RouterTest, TrailingSlashIsADifferentResource) {
  Router r;
  r.Add("GET", "/v1/models", Noop());
  EXPECT_EQ(r.Find("GET", "/v1/models/").route, nullptr);
}

TEST(RouterTest, EncodedSlashStaysInsideOneParameter) {
  Router r;
  r.Add("PUT", "/v1/models/{model}", Noop());
  r.Add("PUT", "/v1/models/{model}/versions/{version}", Noop());
  const auto m = r.Find("PUT", "/v1/models/x%2Fversions%2Fy");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path_template, "/v1/models/{model}");
  EXPECT_EQ(m.params.at("model"), "x/versions/y");
}

TEST(RouterTest, DecodesEachParameterAfterMatching) {
  Router r;
  r.Add("GET", "/v1/models/{model}", Noop());
  const auto m = r.Find("GET", "/v1/models/caf%C3%A9%20bar");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("model"), "caf\xC3\xA9 bar");
  // '+' is a space only in query strings.
  EXPECT_EQ(r.Find("GET", "/v1/models/a+b").params.at("model"), "a+b");
}

TEST(RouterTest, LiteralSegmentsMatchTheirEncodedForm) {
  Router r;
  r.Add("GET", "/v1/models", Noop());
  EXPECT_NE(r.Find("GET", "/v1/model%73").route, nullptr);
  // An encoded slash never joins two literal segments.
  EXPECT_EQ(r.Find("GET", "/v1%2Fmodels").route, nullptr);
}

TEST(RouterTest, InvalidOrNulEscapesDoNotCrash) {
  Router r;
  r.Add("GET", "/v1/models/{model}", Noop());
  EXPECT_EQ(r.Find("GET", "/v1/models/a%00b").params.at("model"), std::string("a\0b", 3));
  EXPECT_EQ(r.Find("GET", "/v1/models/%zz").params.at("model"), "%zz");
  EXPECT_EQ(r.Find("GET", "/v1/models/%").params.at("model"), "%");
  EXPECT_EQ(r.Find("GET", "/v1/models/ab%f").params.at("model"), "ab%f");
  EXPECT_EQ(r.Find("GET", "/v1/models/%ff").params.at("model"), "\xff");
}

TEST(ProblemTest, BuildsRfc9457Document) {
  const auto res = Problem(422, "Invalid request body", "2 errors", "/v1/predictions",
                           {{"/events/3/prediction", "must be a number"}});
  EXPECT_EQ(res.status, 422);
  EXPECT_EQ(res.content_type, "application/problem+json");
  const auto doc = nlohmann::json::parse(res.body);
  EXPECT_EQ(doc["type"], "about:blank");
  EXPECT_EQ(doc["title"], "Invalid request body");
  EXPECT_EQ(doc["status"], 422);
  EXPECT_EQ(doc["instance"], "/v1/predictions");
  EXPECT_EQ(doc["errors"][0]["pointer"], "/events/3/prediction");
  EXPECT_EQ(doc["errors"][0]["detail"], "must be a number");
}

TEST(ProblemTest, InvalidUtf8DoesNotThrow) {
  const auto res = Problem(409, "Conflict", std::string("id \xff\xfe"), "");
  EXPECT_TRUE(nlohmann::json::accept(res.body));
}

}  // namespace
}  // namespace mw::http
