#include "proxy/route/route_table.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>

#include "common/names.h"
#include "common/truncate.h"
#include "proxy/route/detail/path_segments.h"

namespace mw::proxy {
namespace {

std::string RouteLabel(size_t index) { return "routes[" + std::to_string(index) + "]"; }

// RFC 9110 §5.6.2: token = 1*tchar.
bool IsRouteMethodChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The methods upper-cased and without repeats, or InvalidArgument naming the route.
Result<std::vector<std::string>> NormalizeRouteMethods(const std::vector<std::string>& methods,
                                                       size_t index) {
  std::vector<std::string> out;
  for (const std::string& method : methods) {
    if (method.empty() || !std::all_of(method.begin(), method.end(), IsRouteMethodChar)) {
      return InvalidArgument(RouteLabel(index) + ": method \"" +
                             ReplaceUnsafeText(TruncateForEcho(method)) +
                             "\" is not an HTTP method token");
    }
    std::string upper = method;
    for (char& c : upper) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (std::find(out.begin(), out.end(), upper) == out.end()) out.push_back(std::move(upper));
  }
  return out;
}

// How two methods lists overlap ("both accept POST"), or nullopt when they do not. Empty = any.
std::optional<std::string> RouteMethodOverlap(const std::vector<std::string>& a, size_t a_index,
                                              const std::vector<std::string>& b, size_t b_index) {
  if (a.empty() && b.empty()) return "both accept every method";
  if (a.empty()) return RouteLabel(a_index) + " accepts every method";
  if (b.empty()) return RouteLabel(b_index) + " accepts every method";
  for (const std::string& method : a) {
    if (std::find(b.begin(), b.end(), method) != b.end()) return "both accept " + method;
  }
  return std::nullopt;
}

// Specificity rank of a segment: lower is more specific.
int RouteSegmentRank(const RouteTemplate::Segment& s) {
  switch (s.kind) {
    case RouteTemplate::Segment::Kind::kLiteral:
      return 0;
    case RouteTemplate::Segment::Kind::kAffixed:
      return 1;
    case RouteTemplate::Segment::Kind::kBare:
      return 2;
  }
  return 2;
}

// True when `a` is more specific than `b` at the first segment where they differ. Templates with
// different segment counts never match the same path, so how they compare does not matter.
bool MoreSpecificRoute(const RouteTemplate& a, const RouteTemplate& b) {
  return std::lexicographical_compare(
      a.segments().begin(), a.segments().end(), b.segments().begin(), b.segments().end(),
      [](const RouteTemplate::Segment& x, const RouteTemplate::Segment& y) {
        return RouteSegmentRank(x) < RouteSegmentRank(y);
      });
}

bool RouteAccepts(const std::vector<std::string>& methods, std::string_view method) {
  if (methods.empty()) return true;
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// True when the decoded `segments` fit `t`: each literal by its id (the path's segment ids are in
// `segment_ids`, the template's in `literal_ids`), each parameter by Segment::Matches.
bool RouteFits(const RouteTemplate& t, const std::vector<uint32_t>& literal_ids,
               std::span<const std::string_view> segments, const uint32_t* segment_ids) {
  for (size_t i = 0; i < segments.size(); ++i) {
    const bool fits = literal_ids[i] != 0 ? literal_ids[i] == segment_ids[i]
                                          : t.segments()[i].Matches(segments[i]);
    if (!fits) return false;
  }
  return true;
}

}  // namespace

Result<RouteTable> RouteTable::Build(std::vector<RouteSpec> specs, size_t max_routes) {
  if (specs.size() > max_routes) {
    return InvalidArgument(std::to_string(specs.size()) + " routes, more than the limit of " +
                           std::to_string(max_routes));
  }
  RouteTable table;
  table.routes_.reserve(specs.size());
  // Routes with the same shape match the same paths: only their methods may tell them apart.
  std::unordered_map<std::string_view, std::vector<size_t>> by_shape;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto parsed = RouteTemplate::Parse(specs[i].path);
    if (!parsed) return InvalidArgument(RouteLabel(i) + ": " + parsed.error().message());
    auto methods = NormalizeRouteMethods(specs[i].methods, i);
    if (!methods) return methods.error();
    std::vector<uint32_t> literal_ids;
    for (const RouteTemplate::Segment& segment : parsed->segments()) {
      if (segment.kind != RouteTemplate::Segment::Kind::kLiteral) {
        literal_ids.push_back(0);
        continue;
      }
      const auto next = static_cast<uint32_t>(table.literal_ids_.size() + 1);
      literal_ids.push_back(table.literal_ids_.try_emplace(segment.prefix, next).first->second);
    }
    table.routes_.push_back(
        Route{i, std::move(*parsed), std::move(*methods), std::move(literal_ids)});
  }
  for (const Route& route : table.routes_) {
    std::vector<size_t>& same = by_shape[route.route.shape()];
    for (const size_t earlier : same) {
      const Route& other = table.routes_[earlier];
      if (auto overlap =
              RouteMethodOverlap(other.methods, other.index, route.methods, route.index)) {
        return InvalidArgument(RouteLabel(other.index) + " (\"" + other.route.text() + "\") and " +
                               RouteLabel(route.index) + " (\"" + route.route.text() +
                               "\") have the same path and " + *overlap);
      }
    }
    same.push_back(route.index);
    table.segment_counts_.set(route.route.segments().size());
  }
  // Stable: equally specific routes keep their declaration order.
  std::stable_sort(table.routes_.begin(), table.routes_.end(), [](const Route& a, const Route& b) {
    return MoreSpecificRoute(a.route, b.route);
  });
  return table;
}

std::optional<RouteMatch> RouteTable::Find(std::string_view method,
                                           std::string_view raw_path) const {
  const size_t n = detail::PathSegments::Count(raw_path);
  // No template has this many segments (or the path is not absolute): a miss, nothing decoded.
  if (n == 0 || n >= segment_counts_.size() || !segment_counts_.test(n)) return std::nullopt;
  detail::PathSegments split;
  if (!split.Split(raw_path)) return std::nullopt;
  const std::span<const std::string_view> segments = split.view();
  std::array<uint32_t, RouteTemplate::kMaxSegments> ids;  // 0: no template has it as a literal
  for (size_t i = 0; i < n; ++i) {
    const auto it = literal_ids_.find(segments[i]);
    ids[i] = it == literal_ids_.end() ? 0 : it->second;
  }
  for (const Route& route : routes_) {
    // Numbers first: cheaper than comparing the method's text.
    if (route.literal_ids.size() != n ||
        !RouteFits(route.route, route.literal_ids, segments, ids.data()) ||
        !RouteAccepts(route.methods, method)) {
      continue;
    }
    http::PathParams params;
    route.route.MatchSegments(segments, &params);  // it fits, so this only fills params
    return RouteMatch{route.index, route.route.text(), std::move(params)};
  }
  return std::nullopt;
}

}  // namespace mw::proxy
