#include "proxy/route/openapi.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_limits.h"
#include "proxy/route/route_table.h"

namespace mw::proxy {
namespace {

// What FastAPI 0.92 serves at /openapi.json for fixtures/fastapi_openapi_app.py (regenerated as
// that file says).
std::string FastApiOpenApiFixture() {
  const auto path =
      std::filesystem::path(__FILE__).parent_path() / "fixtures" / "fastapi_openapi.json";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

OpenApiRoutes MustParseOpenApi(std::string_view json, size_t max_routes = 100) {
  auto routes = ParseOpenApiPaths(json, max_routes);
  EXPECT_TRUE(routes.has_value()) << routes.status().ToString();
  if (!routes) return {};
  return std::move(routes).value();
}

std::string OpenApiError(std::string_view json) {
  auto routes = ParseOpenApiPaths(json, 100);
  if (routes.has_value()) return "<parsed>";
  EXPECT_EQ(routes.error().code(), StatusCode::kInvalidArgument);
  return routes.error().message();
}

std::vector<std::string> OpenApiPaths(const OpenApiRoutes& r) {
  std::vector<std::string> out;
  for (const RouteSpec& spec : r.routes) out.push_back(spec.path);
  return out;
}

using OpenApiMethodList = std::vector<std::string>;

TEST(OpenApiTest, ReadsFastApiDocumentInItsOrder) {
  const OpenApiRoutes r = MustParseOpenApi(FastApiOpenApiFixture());
  EXPECT_EQ(OpenApiPaths(r),
            (std::vector<std::string>{"/health", "/health/db", "/predict/{restaurant_id}",
                                      "/predict/batch"}));
  ASSERT_EQ(r.routes.size(), 4u);
  EXPECT_EQ(r.routes[0].methods, OpenApiMethodList{"GET"});
  EXPECT_EQ(r.routes[1].methods, OpenApiMethodList{"GET"});
  EXPECT_EQ(r.routes[2].methods, OpenApiMethodList{"POST"});
  EXPECT_EQ(r.routes[3].methods, OpenApiMethodList{"POST"});
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_FALSE(r.truncated);
}

TEST(OpenApiTest, FastApiRoutesBuildATableWhereBatchBeatsTheParameter) {
  auto table = RouteTable::Build(MustParseOpenApi(FastApiOpenApiFixture()).routes, 100);
  ASSERT_TRUE(table.has_value()) << table.status().ToString();
  // The document lists /predict/{restaurant_id} first; /predict/batch still wins its own path.
  EXPECT_EQ(table->Find("POST", "/predict/batch")->endpoint, "/predict/batch");
  const auto one = table->Find("POST", "/predict/17");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->endpoint, "/predict/{restaurant_id}");
  EXPECT_EQ(one->params.at("restaurant_id"), "17");
  EXPECT_EQ(table->Find("GET", "/health/db")->endpoint, "/health/db");
  EXPECT_EQ(table->Find("GET", "/health")->endpoint, "/health");
  EXPECT_FALSE(table->Find("GET", "/predict/17").has_value());
  EXPECT_FALSE(table->Find("GET", "/openapi.json").has_value());
}

TEST(OpenApiTest, OperationsBecomeUpperCaseMethodsAndOtherMembersAreIgnored) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"openapi": "3.1.0", "paths": {
    "/items/{id}": {"summary": "s", "description": "d", "servers": [{"url": "/x"}],
                    "parameters": [{"name": "id", "in": "path"}], "x-internal": true,
                    "get": {}, "put": {}, "post": {}, "delete": {}, "options": {}, "head": {},
                    "patch": {}, "trace": {}, "GET": {}, "connect": {}}}})");
  ASSERT_EQ(r.routes.size(), 1u);
  EXPECT_EQ(r.routes[0].methods, (OpenApiMethodList{"GET", "PUT", "POST", "DELETE", "OPTIONS",
                                                    "HEAD", "PATCH", "TRACE"}));
}

TEST(OpenApiTest, PathWithoutOperationsAcceptsEveryMethod) {
  const OpenApiRoutes r =
      MustParseOpenApi(R"({"paths": {"/ref": {"$ref": "#/components/pathItems/x"}, "/bare": {}}})");
  ASSERT_EQ(r.routes.size(), 2u);
  EXPECT_TRUE(r.routes[0].methods.empty());
  EXPECT_TRUE(r.routes[1].methods.empty());
}

TEST(OpenApiTest, KServeAndOpenInferencePathsAreTemplates) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"paths": {
    "/v1/models/{model_name}:predict": {"post": {}},
    "/v2/models/{model_name}/versions/{model_version}/infer": {"post": {}},
    "/v2/models/{model_name}/infer": {"post": {}}}})");
  ASSERT_EQ(r.routes.size(), 3u);
  auto table = RouteTable::Build(r.routes, 100);
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->Find("POST", "/v1/models/iris:predict")->params.at("model_name"), "iris");
  EXPECT_EQ(table->Find("POST", "/v2/models/iris/versions/2/infer")->index, 1u);
}

TEST(OpenApiTest, InvalidTemplatesAreSkippedAndCounted) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"paths": {
    "/ok": {"get": {}}, "/a/{b": {"get": {}}, "relative": {"get": {}},
    "/{x}{y}": {"get": {}}, "/q?x=1": {"get": {}}, "/also/{ok}": {"post": {}}}})");
  EXPECT_EQ(OpenApiPaths(r), (std::vector<std::string>{"/ok", "/also/{ok}"}));
  EXPECT_EQ(r.skipped, 4u);
  EXPECT_FALSE(r.truncated);
}

TEST(OpenApiTest, PathItemThatIsNotAnObjectIsSkipped) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"paths": {"/a": [], "/b": "get", "/c": {}}})");
  EXPECT_EQ(OpenApiPaths(r), (std::vector<std::string>{"/c"}));
  EXPECT_EQ(r.skipped, 2u);
}

TEST(OpenApiTest, IdenticalPathsUpToParameterNamesAreSkipped) {
  const OpenApiRoutes r = MustParseOpenApi(
      R"({"paths": {"/p/{a}": {"get": {}}, "/p/{b}": {"post": {}}, "/p/{a}/x": {"get": {}}}})");
  EXPECT_EQ(OpenApiPaths(r), (std::vector<std::string>{"/p/{a}", "/p/{a}/x"}));
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_TRUE(RouteTable::Build(r.routes, 100).has_value());
}

TEST(OpenApiTest, KeepsTheFirstMaxRoutesOfTenThousand) {
  std::string doc = R"({"openapi": "3.0.2", "paths": {"/bad/{": {})";
  for (int i = 0; i < 10000; ++i) doc += ", \"/p" + std::to_string(i) + "/{id}\": {\"post\": {}}";
  doc += "}}";
  const OpenApiRoutes r = MustParseOpenApi(doc, 100);
  ASSERT_EQ(r.routes.size(), 100u);
  EXPECT_EQ(r.routes.front().path, "/p0/{id}");
  EXPECT_EQ(r.routes.back().path, "/p99/{id}");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.skipped, 1u);
  EXPECT_TRUE(RouteTable::Build(r.routes, 100).has_value());
}

TEST(OpenApiTest, RepeatedPathKeyKeepsTheFirst) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"paths": {"/a": {"get": {}}, "/a": {"post": {}}}})");
  ASSERT_EQ(r.routes.size(), 1u);
  EXPECT_EQ(r.routes[0].methods, OpenApiMethodList{"GET"});
  EXPECT_EQ(r.skipped, 1u);
}

TEST(OpenApiTest, ExactlyMaxRoutesIsNotTruncated) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"paths": {"/a": {}, "/b": {}}})", 2);
  EXPECT_EQ(r.routes.size(), 2u);
  EXPECT_FALSE(r.truncated);
}

TEST(OpenApiTest, EmptyPathsGiveNoRoutes) {
  const OpenApiRoutes r = MustParseOpenApi(R"({"openapi": "3.0.2", "paths": {}})");
  EXPECT_TRUE(r.routes.empty());
  EXPECT_EQ(r.skipped, 0u);
}

TEST(OpenApiTest, ByteOrderMarkIsSkipped) {
  const OpenApiRoutes r = MustParseOpenApi("\xEF\xBB\xBF{\"paths\": {\"/a\": {\"get\": {}}}}");
  EXPECT_EQ(r.routes.size(), 1u);
}

TEST(OpenApiTest, DocumentThatIsNotJsonIsInvalid) {
  EXPECT_EQ(OpenApiError("<html>not found</html>"), "OpenAPI document: not JSON");
  EXPECT_EQ(OpenApiError(""), "OpenAPI document: not JSON");
  EXPECT_EQ(OpenApiError(R"({"paths": {"/a": {}})"), "OpenAPI document: not JSON");
  EXPECT_EQ(OpenApiError("{\"paths\": {\"/\xff\": {}}}"), "OpenAPI document: not JSON");
}

TEST(OpenApiTest, DocumentWithoutPathsObjectIsInvalid) {
  const std::string no_paths = "OpenAPI document: no \"paths\" object at the top level";
  EXPECT_EQ(OpenApiError(R"({"openapi": "3.0.2"})"), no_paths);
  EXPECT_EQ(OpenApiError(R"({"paths": []})"), no_paths);
  EXPECT_EQ(OpenApiError(R"({"info": {"paths": {}}})"), no_paths);
  EXPECT_EQ(OpenApiError(R"([{"paths": {}}])"), no_paths);
  EXPECT_EQ(OpenApiError("42"), no_paths);
}

// A document whose "get" operation nests `arrays` arrays: the whole document is 3 + arrays deep.
std::string OpenApiNestedDocument(int arrays) {
  std::string doc = R"({"paths": {"/a": {"get": )";
  doc += std::string(arrays, '[') + std::string(arrays, ']');
  return doc + "}}}";
}

TEST(OpenApiTest, DocumentNestedTooDeepIsInvalid) {
  const std::string e = OpenApiError(OpenApiNestedDocument(kMaxJsonDepth - 2));
  EXPECT_NE(e.find(JsonTooDeepMessage()), std::string::npos) << e;
}

TEST(OpenApiTest, DocumentAsDeepAsTheLimitIsRead) {
  EXPECT_EQ(MustParseOpenApi(OpenApiNestedDocument(kMaxJsonDepth - 3)).routes.size(), 1u);
}

}  // namespace
}  // namespace mw::proxy
