// A route template of the watched prediction API ("/predict/{restaurant_id}",
// "/v1/models/{model}:predict"): parsed once from `proxy.routes[].path` or from the upstream's
// OpenAPI document, then matched against the raw path of every proxied request. The template's
// text is the `endpoint` label of the proxy's request metrics, so what may be a template is
// bounded (length, segments, UTF-8 text).
//
// Syntax. An absolute path of '/'-separated segments; each segment is either a literal or
// `prefix{name}suffix` with at most one parameter (prefix and suffix may be empty). Names match
// [A-Za-z_][A-Za-z0-9_]{0,63} and are unique within a template. Literals are compared with the
// *decoded* request segment, so they are written decoded ("/caf\xC3\xA9", not "/caf%C3%A9") and
// may hold any character but '{', '}', '?' and '#'. Empty segments are kept: "/a/" (trailing
// slash) and "/a//b" are templates of their own, as they are different paths.
//
// Matching. The raw path (percent-encoded, without the query string: the caller strips it) is
// split on '/' first, then each segment is percent-decoded (common/percent_decode.h) and compared:
// so "/predict/a%2Fb" has two segments and `{id}` captures "a/b", as in http::Router. A parameter
// captures the decoded bytes between its prefix and suffix and must not be empty; an empty
// segment only matches an empty literal.
//
// Thread-safety: immutable after Parse; Match is const and safe to call concurrently.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/http.h"

namespace mw::proxy {

class RouteTemplate {
 public:
  // Bounds on a template (and so on the `endpoint` label): bytes of its text, '/'-separated
  // segments, bytes of a parameter name.
  static constexpr size_t kMaxBytes = 1024;
  static constexpr size_t kMaxSegments = 32;
  static constexpr size_t kMaxNameBytes = 64;

  // One '/'-separated piece of the template. For kLiteral only `prefix` is set (the literal).
  struct Segment {
    enum class Kind { kLiteral, kAffixed, kBare };  // kAffixed: a parameter with prefix/suffix
    Kind kind = Kind::kLiteral;
    std::string prefix;
    std::string suffix;
    std::string name;

    // True when the decoded request segment `s` fits: equal to the literal, or a non-empty
    // parameter value between the prefix and the suffix.
    bool Matches(std::string_view s) const;
  };

  // The parsed template, or InvalidArgument naming the problem and, where there is one, its
  // 1-based segment: `route template "/a/{b": unclosed "{" in segment 2`. Refused: empty, not
  // starting with '/', over kMaxBytes or kMaxSegments, not UTF-8 or holding control characters
  // (the text becomes a label value), '?' or '#' anywhere, an unclosed '{', an unmatched '}',
  // a second parameter in one segment, a name that is empty, too long, badly formed or repeated.
  static Result<RouteTemplate> Parse(std::string_view text);

  // True when `raw_path` (as the request sent it, no query string) matches; then `*out` (when not
  // null) is replaced by the decoded parameters. On false `*out` is left as it was.
  bool Match(std::string_view raw_path, http::PathParams* out) const;

  // As Match, over a path already split on '/' and percent-decoded, one entry per segment (what
  // RouteTable does once for all its templates: detail/path_segments.h).
  bool MatchSegments(std::span<const std::string_view> decoded, http::PathParams* out) const;

  // The template as parsed (the `endpoint` label).
  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // The text with every parameter name erased ("/v1/models/{}:predict"): two templates with the
  // same shape match exactly the same paths, whatever their parameters are called.
  const std::string& shape() const { return shape_; }

 private:
  RouteTemplate() = default;

  std::string text_;
  std::string shape_;
  std::vector<Segment> segments_;
};

}  // namespace mw::proxy
