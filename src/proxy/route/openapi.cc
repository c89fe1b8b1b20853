#include "proxy/route/openapi.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>
#include <utility>

#include "common/json_limits.h"
#include "proxy/route/route_template.h"

namespace mw::proxy {
namespace {

// The operation members of an OpenAPI 3 Path Item Object, in the spec's order.
constexpr std::array<std::string_view, 8> kOpenApiMethods = {"get",     "put",  "post",  "delete",
                                                             "options", "head", "patch", "trace"};

std::vector<std::string> OpenApiOperationMethods(simdjson::dom::object item) {
  std::vector<std::string> methods;
  for (const simdjson::dom::key_value_pair member : item) {
    if (std::find(kOpenApiMethods.begin(), kOpenApiMethods.end(), member.key) ==
        kOpenApiMethods.end()) {
      continue;
    }
    std::string upper(member.key);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    methods.push_back(std::move(upper));
  }
  return methods;
}

}  // namespace

Result<OpenApiRoutes> ParseOpenApiPaths(std::string_view json, size_t max_routes) {
  json = StripUtf8Bom(json);
  // The message every reader of outside JSON gives for a deep document; the parser below is
  // limited to the same depth as well.
  if (Status depth = CheckJsonDepth(json); !depth.ok()) {
    return InvalidArgument("OpenAPI document: " + depth.message());
  }
  // simdjson's DOM validates the whole document (UTF-8 included) and keeps members in document
  // order, which decides what "the first max_routes" are, in time linear in its size (nlohmann's
  // ordered_json inserts each key with a linear search: quadratic in the number of paths).
  simdjson::dom::parser parser;
  if (parser.allocate(json.size(), kMaxJsonDepth) != simdjson::SUCCESS) {
    return InvalidArgument("OpenAPI document: too large to parse");
  }
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return InvalidArgument("OpenAPI document: not JSON");
  }
  simdjson::dom::object paths;
  if (doc["paths"].get(paths) != simdjson::SUCCESS) {
    return InvalidArgument("OpenAPI document: no \"paths\" object at the top level");
  }
  OpenApiRoutes out;
  std::unordered_set<std::string> shapes;  // of the routes kept, to skip identical paths
  for (const simdjson::dom::key_value_pair entry : paths) {
    auto parsed = RouteTemplate::Parse(entry.key);
    simdjson::dom::object item;
    if (!parsed || entry.value.get(item) != simdjson::SUCCESS || shapes.contains(parsed->shape())) {
      ++out.skipped;
      continue;
    }
    if (out.routes.size() == max_routes) {
      out.truncated = true;
      break;
    }
    shapes.insert(parsed->shape());
    out.routes.push_back(RouteSpec{std::string(entry.key), OpenApiOperationMethods(item)});
  }
  return out;
}

}  // namespace mw::proxy
