#include "common/json_pointer.h"

#include <algorithm>
#include <utility>

#include "common/json.h"

namespace mw {

Result<std::vector<std::string>> ParseJsonPointerTokens(std::string_view text) {
  std::vector<std::string> tokens;
  if (text.empty()) return tokens;
  std::string quoted;  // for messages: control characters escaped
  AppendJsonString(&quoted, text);
  if (text[0] != '/') {
    return InvalidArgument(quoted + ": a JSON pointer must be empty or start with \"/\"");
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
        return InvalidArgument(quoted + ": \"~\" must be followed by 0 or 1 (RFC 6901)");
      }
    }
    tokens.push_back(std::move(token));
    if (end == text.size()) break;
    start = end + 1;
  }
  return tokens;
}

}  // namespace mw
