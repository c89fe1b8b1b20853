#include "proxy/route/route_template.h"

#include <optional>
#include <utility>

#include "common/names.h"
#include "common/truncate.h"
#include "proxy/route/detail/path_segments.h"

namespace mw::proxy {
namespace {

using RouteSegment = RouteTemplate::Segment;

bool IsRouteNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool IsRouteNameChar(char c) { return IsRouteNameStart(c) || (c >= '0' && c <= '9'); }

// Why `name` cannot name a parameter, or nullopt. `where` is " in segment N".
std::optional<std::string> RouteNameProblem(std::string_view name, const std::string& where) {
  if (name.empty()) return "empty parameter name" + where;
  if (name.size() > RouteTemplate::kMaxNameBytes) {
    return "parameter name longer than " + std::to_string(RouteTemplate::kMaxNameBytes) + " bytes" +
           where;
  }
  bool ok = IsRouteNameStart(name.front());
  for (const char c : name) ok = ok && IsRouteNameChar(c);
  if (!ok) {
    return "parameter name \"" + std::string(name) + "\" is not [A-Za-z_][A-Za-z0-9_]*" + where;
  }
  return std::nullopt;
}

// Parses segment number `number` (1-based, for the message) into *out; the reason it is not a
// segment otherwise.
std::optional<std::string> ParseRouteSegment(std::string_view s, size_t number, RouteSegment* out) {
  const std::string where = " in segment " + std::to_string(number);
  const size_t open = s.find('{');
  const size_t close = s.find('}');
  if (close != std::string_view::npos && (open == std::string_view::npos || close < open)) {
    return "unmatched \"}\"" + where;
  }
  if (open == std::string_view::npos) {
    out->kind = RouteSegment::Kind::kLiteral;
    out->prefix = std::string(s);
    return std::nullopt;
  }
  if (close == std::string_view::npos) return "unclosed \"{\"" + where;
  const std::string_view name = s.substr(open + 1, close - open - 1);
  if (name.find('{') != std::string_view::npos) return "nested \"{\"" + where;
  const std::string_view suffix = s.substr(close + 1);
  if (suffix.find('{') != std::string_view::npos) return "more than one parameter" + where;
  if (suffix.find('}') != std::string_view::npos) return "unmatched \"}\"" + where;
  if (auto problem = RouteNameProblem(name, where)) return problem;
  out->prefix = std::string(s.substr(0, open));
  out->suffix = std::string(suffix);
  out->name = std::string(name);
  out->kind = out->prefix.empty() && out->suffix.empty() ? RouteSegment::Kind::kBare
                                                         : RouteSegment::Kind::kAffixed;
  return std::nullopt;
}

// Problems with the template as a whole, before its segments are looked at.
std::optional<std::string> RouteTextProblem(std::string_view text) {
  if (text.empty() || text.front() != '/') return "must start with \"/\"";
  if (text.size() > RouteTemplate::kMaxBytes) {
    return "longer than " + std::to_string(RouteTemplate::kMaxBytes) + " bytes";
  }
  if (!IsSafeText(text)) return "must be UTF-8 without control characters";
  if (text.find('?') != std::string_view::npos) {
    return "holds \"?\": a template is a path without a query string";
  }
  if (text.find('#') != std::string_view::npos) {
    return "holds \"#\": a template is a path without a fragment";
  }
  if (detail::PathSegments::Count(text) > RouteTemplate::kMaxSegments) {
    return "more than " + std::to_string(RouteTemplate::kMaxSegments) + " segments";
  }
  return std::nullopt;
}

// The reason two parameters share a name, or nullopt.
std::optional<std::string> DuplicateRouteName(const std::vector<RouteSegment>& segments) {
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].kind == RouteSegment::Kind::kLiteral) continue;
    for (size_t j = i + 1; j < segments.size(); ++j) {
      if (segments[j].kind != RouteSegment::Kind::kLiteral &&
          segments[j].name == segments[i].name) {
        return "parameter \"" + segments[i].name + "\" appears twice (segments " +
               std::to_string(i + 1) + " and " + std::to_string(j + 1) + ")";
      }
    }
  }
  return std::nullopt;
}

}  // namespace

bool RouteTemplate::Segment::Matches(std::string_view s) const {
  switch (kind) {
    case Kind::kLiteral:
      return s == prefix;
    case Kind::kBare:
      return !s.empty();
    case Kind::kAffixed:
      return s.size() > prefix.size() + suffix.size() && s.starts_with(prefix) &&
             s.ends_with(suffix);
  }
  return false;
}

Result<RouteTemplate> RouteTemplate::Parse(std::string_view text) {
  const auto fail = [text](const std::string& why) -> Status {
    return InvalidArgument("route template \"" + ReplaceUnsafeText(TruncateForEcho(text)) +
                           "\": " + why);
  };
  if (auto problem = RouteTextProblem(text)) return fail(*problem);
  RouteTemplate t;
  t.text_ = std::string(text);
  size_t pos = 1;  // past the leading '/'
  while (true) {
    const size_t slash = text.find('/', pos);
    const size_t stop = slash == std::string_view::npos ? text.size() : slash;
    RouteSegment segment;
    if (auto problem =
            ParseRouteSegment(text.substr(pos, stop - pos), t.segments_.size() + 1, &segment)) {
      return fail(*problem);
    }
    t.shape_ += '/';
    t.shape_ += segment.prefix;
    if (segment.kind != RouteSegment::Kind::kLiteral) t.shape_ += "{}";
    t.shape_ += segment.suffix;
    t.segments_.push_back(std::move(segment));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (auto problem = DuplicateRouteName(t.segments_)) return fail(*problem);
  return t;
}

bool RouteTemplate::Match(std::string_view raw_path, http::PathParams* out) const {
  // A different segment count is a miss before anything is decoded.
  if (detail::PathSegments::Count(raw_path) != segments_.size()) return false;
  detail::PathSegments split;
  return split.Split(raw_path) && MatchSegments(split.view(), out);
}

bool RouteTemplate::MatchSegments(std::span<const std::string_view> decoded,
                                  http::PathParams* out) const {
  if (decoded.size() != segments_.size()) return false;
  for (size_t i = 0; i < decoded.size(); ++i) {
    if (!segments_[i].Matches(decoded[i])) return false;
  }
  if (out == nullptr) return true;
  // Only a match builds the parameters: a miss allocates nothing.
  http::PathParams params;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const RouteSegment& t = segments_[i];
    if (t.kind == RouteSegment::Kind::kLiteral) continue;
    params.emplace(t.name, decoded[i].substr(t.prefix.size(), decoded[i].size() - t.prefix.size() -
                                                                  t.suffix.size()));
  }
  *out = std::move(params);
  return true;
}

}  // namespace mw::proxy
