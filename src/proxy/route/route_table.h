// The routes of the watched prediction API: which template (and so which `endpoint` label and
// which per-route configuration, kept by the proxy under the route's index) a request falls in.
// Built once from `proxy.routes` or from the upstream's OpenAPI paths; read by every proxied
// request. Knows nothing of capture or cache: a match is an index, a label and parameters.
//
// Precedence. Where several templates match a path, the one whose segments are more specific
// wins, comparing segment by segment from the left: a literal beats an affixed parameter
// (`x{p}y`), which beats a bare one (`{p}`). So "/predict/batch" beats "/predict/{restaurant_id}"
// whatever their order; templates equally specific at every segment go by declaration order.
//
// Thread-safety: immutable after Build; Find is const and safe to call concurrently.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "http/http.h"
#include "proxy/route/route_template.h"

namespace mw::proxy {

struct RouteSpec {
  std::string path;                  // a template (route_template.h)
  std::vector<std::string> methods;  // HTTP method tokens, any case; empty = every method
};

struct RouteMatch {
  size_t index = 0;           // the route's position in the specs given to Build
  std::string_view endpoint;  // its template text (the `endpoint` label); points into the table
  http::PathParams params;    // decoded
};

class RouteTable {
 public:
  // A table with no routes: Find never matches.
  RouteTable() = default;

  // The table of `specs`, or InvalidArgument naming the route (its 0-based index, as in
  // `proxy.routes[2]`):
  //   - more than `max_routes` specs ("12 routes, more than the limit of 10");
  //   - a template that does not parse ("routes[2]: route template \"/a/{b\": unclosed ...");
  //   - a method that is not an HTTP token (RFC 9110 §5.6.2), e.g. empty or with a space;
  //   - two routes with the same path (the same template up to parameter names, which match
  //     the same requests) and a method in common, or either accepting every method: the later
  //     one could never match: `routes[0] ("/p/{id}") and routes[3] ("/p/{x}") have the same
  //     path and both accept POST`.
  // Methods are upper-cased (ASCII); a method listed twice counts once.
  static Result<RouteTable> Build(std::vector<RouteSpec> specs, size_t max_routes);

  // The most specific route (see Precedence) whose template matches `raw_path` (percent-encoded,
  // no query string) and which accepts `method` (compared case-sensitively with the upper-cased
  // methods: "get" is not GET, as RFC 9110 says methods are case-sensitive; nor is HEAD taken
  // for GET), or nullopt. A path that matches only with another method is nullopt too (both
  // are the `unmatched` endpoint). The endpoint view is valid while the table lives and is not
  // assigned to. A miss allocates only to decode a path holding '%'.
  std::optional<RouteMatch> Find(std::string_view method, std::string_view raw_path) const;

  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    size_t index = 0;
    RouteTemplate route;
    std::vector<std::string> methods;   // upper-case, distinct; empty = any
    std::vector<uint32_t> literal_ids;  // per segment: its literal's id, 0 for a parameter
  };

  std::vector<Route> routes_;  // most specific first (then by index)
  // Every literal segment text of every template, numbered from 1. Find looks each path segment
  // up once and then compares numbers route by route: templates that share literals (every
  // "/v1/models/...") cost no repeated string comparisons.
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> literal_ids_;
  // Bit n: some template has n segments. A path of another length misses without being split.
  std::bitset<RouteTemplate::kMaxSegments + 1> segment_counts_;
};

}  // namespace mw::proxy
