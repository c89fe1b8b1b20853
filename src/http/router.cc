#include <string>
#include <string_view>
#include <vector>

#include "common/percent_decode.h"
#include "http/http.h"

namespace mw::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const size_t end = path.find('/', pos);
    const size_t stop = end == std::string_view::npos ? path.size() : end;
    parts.push_back(path.substr(pos, stop - pos));
    pos = stop;
  }
  return parts;
}

// Matches one template against the segments of a raw path, each already percent-decoded; fills
// params on success.
bool MatchTemplate(std::string_view tmpl, const std::vector<std::string>& segments,
                   PathParams* params) {
  const auto t = SplitPath(tmpl);
  if (t.size() != segments.size()) return false;
  PathParams found;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].size() >= 2 && t[i].front() == '{' && t[i].back() == '}') {
      if (segments[i].empty()) return false;
      found.emplace(std::string(t[i].substr(1, t[i].size() - 2)), segments[i]);
    } else if (t[i] != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string path_template, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path_template), std::move(handler)});
}

Router::Match Router::Find(std::string_view method, std::string_view raw_path) const {
  Match match;
  // Trailing slash differences are not the same resource ("/v1/models/" != "/v1/models").
  if (raw_path.size() > 1 && raw_path.back() == '/') return match;
  // Split on the raw '/' first, then decode: an encoded slash stays inside its segment.
  std::vector<std::string> segments;
  for (const std::string_view raw : SplitPath(raw_path)) {
    segments.push_back(PercentDecode(raw, false));
  }
  for (const auto& route : routes_) {
    PathParams params;
    if (!MatchTemplate(route.path_template, segments, &params)) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      match.route = &route;
      match.params = std::move(params);
      match.path_matched_other_method = false;
      return match;
    }
    match.path_matched_other_method = true;
  }
  return match;
}

}  // namespace mw::http
