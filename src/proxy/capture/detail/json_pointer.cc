#include "proxy/capture/detail/json_pointer.h"

#include <algorithm>
#include <utility>

#include "common/json.h"

namespace mw::proxy::detail {
namespace {

// `text` as a JSON string literal, for messages (escapes control characters).
std::string QuotedPointer(std::string_view text) {
  std::string out;
  AppendJsonString(&out, text);
  return out;
}

}  // namespace

Result<JsonPointer> ParseJsonPointer(std::string_view text) {
  JsonPointer pointer;
  if (text.empty()) return pointer;
  if (text[0] != '/') {
    return InvalidArgument(QuotedPointer(text) +
                           ": a JSON pointer must be empty or start with \"/\"");
  }
  size_t start = 1;
  while (true) {
    const size_t end = std::min(text.find('/', start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    std::string token;
    token.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.push_back(raw[i]);
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[++i] == '0' ? '~' : '/');
      } else {
        return InvalidArgument(QuotedPointer(text) +
                               ": \"~\" must be followed by 0 or 1 (RFC 6901)");
      }
    }
    if (raw == "*") {
      if (pointer.star) return InvalidArgument(QuotedPointer(text) + ": at most one \"*\"");
      pointer.star = true;
    } else {
      (pointer.star ? pointer.tail : pointer.head).push_back(std::move(token));
    }
    if (end == text.size()) break;
    start = end + 1;
  }
  return pointer;
}

}  // namespace mw::proxy::detail
