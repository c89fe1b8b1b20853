// A raw request path split on '/' and percent-decoded segment by segment, in one place for
// RouteTemplate::Match and RouteTable::Find. Splitting comes before decoding, so "%2F" stays
// inside its segment. Built to keep a miss cheap: the segments live in a fixed array (no
// allocation), and only a path that holds a '%' gets a decoding buffer.
//
// Thread-safety: a value; one per call.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "proxy/route/route_template.h"

namespace mw::proxy::detail {

class PathSegments {
 public:
  PathSegments() = default;
  // The views may point into this object: not copyable.
  PathSegments(const PathSegments&) = delete;
  PathSegments& operator=(const PathSegments&) = delete;

  // The number of segments of `raw_path` ("/" has one, empty; "/a/" has two, "a" and ""), or 0
  // when it does not start with '/'. Does not decode.
  static size_t Count(std::string_view raw_path);

  // Splits and decodes `raw_path`. False (and nothing kept) when it does not start with '/' or
  // has more than RouteTemplate::kMaxSegments segments, which no template can match.
  bool Split(std::string_view raw_path);

  // The decoded segments; they point into `raw_path` (segments without '%') or into this object,
  // so they are valid while both live and until the next Split.
  std::span<const std::string_view> view() const { return {segments_.data(), count_}; }

 private:
  std::array<std::string_view, RouteTemplate::kMaxSegments> segments_{};
  size_t count_ = 0;
  std::string decoded_;  // the decoded segments back to back; reserved before use, never grows
};

}  // namespace mw::proxy::detail
