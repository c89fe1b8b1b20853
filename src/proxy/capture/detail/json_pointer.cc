#include "proxy/capture/detail/json_pointer.h"

#include <utility>

#include "common/json.h"
#include "common/json_pointer.h"

namespace mw::proxy::detail {

Result<JsonPointer> ParseJsonPointer(std::string_view text) {
  auto tokens = ParseJsonPointerTokens(text);
  if (!tokens) return tokens.error();
  JsonPointer pointer;
  // "*" can only come from a literal "*" segment: no escape (~0, ~1) produces it.
  for (std::string& token : *tokens) {
    if (token == "*") {
      if (pointer.star) {
        std::string quoted;
        AppendJsonString(&quoted, text);
        return InvalidArgument(quoted + ": at most one \"*\"");
      }
      pointer.star = true;
    } else {
      (pointer.star ? pointer.tail : pointer.head).push_back(std::move(token));
    }
  }
  return pointer;
}

}  // namespace mw::proxy::detail
