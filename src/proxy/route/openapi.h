// Routes learned from the watched API's own OpenAPI 3 document (FastAPI serves one at
// /openapi.json), so the `endpoint` label is a template without any `proxy.routes` to write.
// Pure: the proxy fetches the document; this reads it.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proxy/route/route_table.h"

namespace mw::proxy {

struct OpenApiRoutes {
  // In document order; every one parses, no two have the same path, so RouteTable::Build with
  // the same max_routes accepts them.
  std::vector<RouteSpec> routes;
  // Entries of `paths` left out: a key that is not a valid template (route_template.h), a value
  // that is not an object, or a key with the same path as an earlier one up to parameter names
  // (OpenAPI calls such paths identical and invalid). Counted up to where reading stopped.
  size_t skipped = 0;
  // More than max_routes valid paths: only the first max_routes are in `routes`, and reading
  // stopped at the next valid one.
  bool truncated = false;
};

// Reads the `paths` object of `json`: each key is a template; each of its members named get, put,
// post, delete, options, head, patch or trace is a method (upper-cased), in the document's order;
// other members (parameters, summary, servers, $ref, ...) are ignored. A path with no operation
// member (only a $ref, which is not resolved) accepts every method (empty `methods`). `servers`
// base paths are not applied: templates are taken as the request paths the proxy sees.
// A leading UTF-8 byte order mark is skipped.
// InvalidArgument: not JSON, nested deeper than common/json_limits.h's kMaxJsonDepth, or no
// `paths` object at the top.
Result<OpenApiRoutes> ParseOpenApiPaths(std::string_view json, size_t max_routes);

}  // namespace mw::proxy
