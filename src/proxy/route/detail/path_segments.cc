#include "proxy/route/detail/path_segments.h"

#include <algorithm>

#include "common/percent_decode.h"

namespace mw::proxy::detail {

size_t PathSegments::Count(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return 0;
  return static_cast<size_t>(std::count(raw_path.begin(), raw_path.end(), '/'));
}

bool PathSegments::Split(std::string_view raw_path) {
  count_ = 0;
  const size_t n = Count(raw_path);
  if (n == 0 || n > segments_.size()) return false;
  const bool encoded = raw_path.find('%') != std::string_view::npos;
  if (encoded) {
    decoded_.clear();
    // Decoding never lengthens a segment, so the views taken below stay valid.
    decoded_.reserve(raw_path.size());
  }
  size_t pos = 1;  // past the leading '/'
  for (size_t i = 0; i < n; ++i) {
    const size_t slash = raw_path.find('/', pos);
    const size_t stop = slash == std::string_view::npos ? raw_path.size() : slash;
    const std::string_view raw = raw_path.substr(pos, stop - pos);
    if (encoded && raw.find('%') != std::string_view::npos) {
      const size_t start = decoded_.size();
      decoded_ += PercentDecode(raw, /*plus_is_space=*/false);
      segments_[i] = std::string_view(decoded_).substr(start);
    } else {
      segments_[i] = raw;
    }
    pos = stop + 1;
  }
  count_ = n;
  return true;
}

}  // namespace mw::proxy::detail
