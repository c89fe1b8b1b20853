#include "proxy/route/route_table.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace mw::proxy {
namespace {

RouteTable MustBuildTable(std::vector<RouteSpec> specs, size_t max_routes = 100) {
  auto table = RouteTable::Build(std::move(specs), max_routes);
  EXPECT_TRUE(table.has_value()) << table.status().ToString();
  if (!table) return RouteTable();
  return std::move(table).value();
}

std::string TableError(std::vector<RouteSpec> specs, size_t max_routes = 100) {
  auto table = RouteTable::Build(std::move(specs), max_routes);
  if (table.has_value()) return "<built>";
  EXPECT_EQ(table.error().code(), StatusCode::kInvalidArgument);
  return table.error().message();
}

// The endpoint a request falls in, or "unmatched".
std::string TableEndpointOf(const RouteTable& table, std::string_view method,
                            std::string_view path) {
  const auto m = table.Find(method, path);
  return m ? std::string(m->endpoint) : "unmatched";
}

TEST(RouteTableTest, FindsRouteByPathAndMethod) {
  const RouteTable t =
      MustBuildTable({{"/health", {"GET"}}, {"/predict/{restaurant_id}", {"POST"}}});
  const auto m = t.Find("POST", "/predict/42");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->index, 1u);
  EXPECT_EQ(m->endpoint, "/predict/{restaurant_id}");
  EXPECT_EQ(m->params, (http::PathParams{{"restaurant_id", "42"}}));
  EXPECT_EQ(t.Find("GET", "/health")->index, 0u);
  EXPECT_TRUE(t.Find("GET", "/health")->params.empty());
  EXPECT_EQ(t.size(), 2u);
}

TEST(RouteTableTest, UnknownPathIsNotMatched) {
  const RouteTable t = MustBuildTable({{"/predict/{id}", {}}});
  EXPECT_FALSE(t.Find("POST", "/predict").has_value());
  EXPECT_FALSE(t.Find("POST", "/predict/1/2").has_value());
  EXPECT_FALSE(t.Find("POST", "/predict/").has_value());
  EXPECT_FALSE(t.Find("POST", "predict/1").has_value());
  EXPECT_FALSE(t.Find("POST", "").has_value());
}

TEST(RouteTableTest, EmptyTableNeverMatches) {
  const RouteTable built = MustBuildTable({});
  EXPECT_EQ(built.size(), 0u);
  EXPECT_FALSE(built.Find("GET", "/").has_value());
  EXPECT_FALSE(RouteTable().Find("GET", "/").has_value());
}

TEST(RouteTableTest, LiteralBeatsParameterWhateverTheOrder) {
  const RouteTable param_first =
      MustBuildTable({{"/predict/{restaurant_id}", {"POST"}}, {"/predict/batch", {"POST"}}});
  const RouteTable literal_first =
      MustBuildTable({{"/predict/batch", {"POST"}}, {"/predict/{restaurant_id}", {"POST"}}});
  for (const RouteTable* t : {&param_first, &literal_first}) {
    EXPECT_EQ(TableEndpointOf(*t, "POST", "/predict/batch"), "/predict/batch");
    EXPECT_EQ(TableEndpointOf(*t, "POST", "/predict/7"), "/predict/{restaurant_id}");
  }
  EXPECT_EQ(param_first.Find("POST", "/predict/batch")->index, 1u);
  EXPECT_EQ(literal_first.Find("POST", "/predict/batch")->index, 0u);
}

TEST(RouteTableTest, AffixedParameterBeatsBareWhateverTheOrder) {
  for (const bool bare_first : {true, false}) {
    std::vector<RouteSpec> specs = {{"/v1/models/{model}", {}}, {"/v1/models/{model}:predict", {}}};
    if (!bare_first) std::swap(specs[0], specs[1]);
    const RouteTable t = MustBuildTable(std::move(specs));
    EXPECT_EQ(TableEndpointOf(t, "POST", "/v1/models/iris:predict"), "/v1/models/{model}:predict");
    EXPECT_EQ(TableEndpointOf(t, "POST", "/v1/models/iris"), "/v1/models/{model}");
  }
}

TEST(RouteTableTest, LiteralBeatsAffixedParameterWhateverTheOrder) {
  for (const bool affixed_first : {true, false}) {
    std::vector<RouteSpec> specs = {{"/v1/models/{model}:predict", {}},
                                    {"/v1/models/default:predict", {}}};
    if (!affixed_first) std::swap(specs[0], specs[1]);
    const RouteTable t = MustBuildTable(std::move(specs));
    EXPECT_EQ(TableEndpointOf(t, "POST", "/v1/models/default:predict"),
              "/v1/models/default:predict");
    EXPECT_EQ(TableEndpointOf(t, "POST", "/v1/models/iris:predict"), "/v1/models/{model}:predict");
  }
}

TEST(RouteTableTest, PrecedenceGoesSegmentBySegmentFromTheLeft) {
  // "/a/{x}" is more specific at segment 1, which decides before segment 2 is looked at.
  for (const bool literal_left_first : {true, false}) {
    std::vector<RouteSpec> specs = {{"/a/{x}", {}}, {"/{y}/b", {}}};
    if (!literal_left_first) std::swap(specs[0], specs[1]);
    const RouteTable t = MustBuildTable(std::move(specs));
    EXPECT_EQ(TableEndpointOf(t, "GET", "/a/b"), "/a/{x}");
    EXPECT_EQ(TableEndpointOf(t, "GET", "/c/b"), "/{y}/b");
  }
}

TEST(RouteTableTest, EquallySpecificRoutesGoByDeclarationOrder) {
  const RouteTable t1 = MustBuildTable({{"/x/{a}:predict", {}}, {"/x/m{b}", {}}});
  const RouteTable t2 = MustBuildTable({{"/x/m{b}", {}}, {"/x/{a}:predict", {}}});
  EXPECT_EQ(TableEndpointOf(t1, "POST", "/x/m:predict"), "/x/{a}:predict");
  EXPECT_EQ(TableEndpointOf(t2, "POST", "/x/m:predict"), "/x/m{b}");
}

TEST(RouteTableTest, PathMatchingOnlyWithAnotherMethodIsNotMatched) {
  const RouteTable t = MustBuildTable({{"/predict/{id}", {"POST"}}});
  EXPECT_FALSE(t.Find("GET", "/predict/1").has_value());
  EXPECT_FALSE(t.Find("HEAD", "/predict/1").has_value());
}

TEST(RouteTableTest, LessSpecificRouteServesTheMethodsTheOtherLacks) {
  const RouteTable t = MustBuildTable({{"/predict/batch", {"POST"}}, {"/predict/{id}", {"GET"}}});
  EXPECT_EQ(TableEndpointOf(t, "POST", "/predict/batch"), "/predict/batch");
  const auto m = t.Find("GET", "/predict/batch");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->endpoint, "/predict/{id}");
  EXPECT_EQ(m->params.at("id"), "batch");
}

TEST(RouteTableTest, SpecMethodsAreUpperCasedButRequestMethodsCompareExactly) {
  const RouteTable t = MustBuildTable({{"/predict", {"post", "Get"}}});
  EXPECT_TRUE(t.Find("POST", "/predict").has_value());
  EXPECT_TRUE(t.Find("GET", "/predict").has_value());
  EXPECT_FALSE(t.Find("post", "/predict").has_value());
  EXPECT_FALSE(t.Find("PUT", "/predict").has_value());
}

TEST(RouteTableTest, NoMethodsMeansEveryMethod) {
  const RouteTable t = MustBuildTable({{"/predict", {}}});
  for (const char* method : {"GET", "POST", "DELETE", "PURGE", "get"}) {
    EXPECT_TRUE(t.Find(method, "/predict").has_value()) << method;
  }
}

TEST(RouteTableTest, SamePathWithDistinctMethodsIsAllowed) {
  const RouteTable t = MustBuildTable({{"/items/{id}", {"GET"}}, {"/items/{item}", {"PUT"}}});
  EXPECT_EQ(t.Find("GET", "/items/1")->index, 0u);
  EXPECT_EQ(t.Find("PUT", "/items/1")->index, 1u);
  EXPECT_EQ(t.Find("PUT", "/items/1")->params.at("item"), "1");
}

TEST(RouteTableTest, DuplicateRouteIsRejectedNamingBothIndexes) {
  EXPECT_EQ(TableError({{"/predict/{id}", {"POST"}}, {"/health", {}}, {"/predict/{id}", {"post"}}}),
            "routes[0] (\"/predict/{id}\") and routes[2] (\"/predict/{id}\") have the same path "
            "and both accept POST");
}

TEST(RouteTableTest, PathsDifferingOnlyInParameterNamesAreDuplicates) {
  const std::string e = TableError({{"/predict/{a}", {"GET", "POST"}}, {"/predict/{b}", {"POST"}}});
  EXPECT_NE(e.find("routes[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("routes[1]"), std::string::npos) << e;
  EXPECT_NE(e.find("both accept POST"), std::string::npos) << e;
}

TEST(RouteTableTest, EveryMethodOverlapsAnyMethod) {
  EXPECT_NE(TableError({{"/x", {"GET"}}, {"/x", {}}}).find("routes[1] accepts every method"),
            std::string::npos);
  EXPECT_NE(TableError({{"/x", {}}, {"/x", {"GET"}}}).find("routes[0] accepts every method"),
            std::string::npos);
  EXPECT_NE(TableError({{"/x", {}}, {"/x", {}}}).find("both accept every method"),
            std::string::npos);
}

TEST(RouteTableTest, MethodListedTwiceIsNotADuplicateRoute) {
  const RouteTable t = MustBuildTable({{"/x", {"GET", "get"}}});
  EXPECT_TRUE(t.Find("GET", "/x").has_value());
}

TEST(RouteTableTest, SimilarButDifferentPathsAreNotDuplicates) {
  EXPECT_EQ(TableError({{"/x/{a}", {}}, {"/x/{a}/", {}}, {"/x/v{a}", {}}, {"/x/{a}v", {}}}),
            "<built>");
}

TEST(RouteTableTest, MoreRoutesThanTheLimitAreRejected) {
  EXPECT_EQ(TableError({{"/a", {}}, {"/b", {}}, {"/c", {}}}, 2),
            "3 routes, more than the limit of 2");
  EXPECT_EQ(TableError({{"/a", {}}, {"/b", {}}}, 2), "<built>");
}

TEST(RouteTableTest, InvalidTemplateNamesTheRoute) {
  EXPECT_EQ(TableError({{"/ok", {}}, {"/a/{b", {}}}),
            "routes[1]: route template \"/a/{b\": unclosed \"{\" in segment 2");
}

TEST(RouteTableTest, InvalidMethodNamesTheRoute) {
  EXPECT_EQ(TableError({{"/a", {"GET", ""}}}),
            "routes[0]: method \"\" is not an HTTP method token");
  EXPECT_EQ(TableError({{"/a", {}}, {"/b", {"GE T"}}}),
            "routes[1]: method \"GE T\" is not an HTTP method token");
  EXPECT_EQ(TableError({{"/a", {"M-SEARCH", "X_Y.1"}}}), "<built>");
}

TEST(RouteTableTest, EncodedSlashStaysInsideTheParameter) {
  const RouteTable t = MustBuildTable({{"/predict/{id}", {}}, {"/predict/{id}/explain", {}}});
  const auto m = t.Find("POST", "/predict/a%2Fexplain");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->endpoint, "/predict/{id}");
  EXPECT_EQ(m->params.at("id"), "a/explain");
  EXPECT_EQ(TableEndpointOf(t, "POST", "/predict/a/explain"), "/predict/{id}/explain");
}

TEST(RouteTableTest, EncodedLiteralMatchesItsRoute) {
  const RouteTable t = MustBuildTable({{"/predict/{id}", {}}, {"/predict/batch", {}}});
  EXPECT_EQ(TableEndpointOf(t, "POST", "/predict/b%61tch"), "/predict/batch");
  EXPECT_EQ(TableEndpointOf(t, "POST", "/predict/b%2561tch"), "/predict/{id}");
  EXPECT_EQ(t.Find("POST", "/predict/b%2561tch")->params.at("id"), "b%61tch");
}

TEST(RouteTableTest, LiteralsCountOnlyAtTheirOwnPosition) {
  const RouteTable t = MustBuildTable({{"/x/y", {}}, {"/y/x", {}}, {"/predict/{id}", {}}});
  EXPECT_EQ(TableEndpointOf(t, "GET", "/y/x"), "/y/x");
  EXPECT_EQ(TableEndpointOf(t, "GET", "/x/y"), "/x/y");
  EXPECT_EQ(TableEndpointOf(t, "GET", "/x/x"), "unmatched");
  // "x" is a literal elsewhere; here it is a parameter's value.
  EXPECT_EQ(t.Find("GET", "/predict/x")->params.at("id"), "x");
}

TEST(RouteTableTest, PathLongerThanAnyTemplateIsAMiss) {
  const RouteTable t = MustBuildTable({{"/{a}/{b}", {}}});
  std::string path;
  for (int i = 0; i < 100; ++i) path += "/x";
  EXPECT_FALSE(t.Find("GET", path).has_value());
  EXPECT_FALSE(t.Find("GET", "/x").has_value());
  EXPECT_TRUE(t.Find("GET", "/x/y").has_value());
}

TEST(RouteTableTest, HundredRoutesEachFindTheirOwn) {
  std::vector<RouteSpec> specs;
  for (int i = 0; i < 100; ++i) {
    specs.push_back({"/m" + std::to_string(i) + "/{id}:predict", {"POST"}});
  }
  const RouteTable t = MustBuildTable(std::move(specs), 100);
  for (size_t i = 0; i < 100; ++i) {
    const auto m = t.Find("POST", "/m" + std::to_string(i) + "/r" + std::to_string(i) + ":predict");
    ASSERT_TRUE(m.has_value()) << i;
    EXPECT_EQ(m->index, i);
    EXPECT_EQ(m->params.at("id"), "r" + std::to_string(i));
  }
  EXPECT_FALSE(t.Find("POST", "/m100/r:predict").has_value());
}

TEST(RouteTableTest, MatchesSurviveMovingTheTable) {
  RouteTable original = MustBuildTable({{"/predict/{id}", {}}});
  const RouteTable moved = std::move(original);
  EXPECT_EQ(TableEndpointOf(moved, "POST", "/predict/1"), "/predict/{id}");
}

}  // namespace
}  // namespace mw::proxy
