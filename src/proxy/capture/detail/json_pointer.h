// RFC 6901 JSON pointers with at most one "*" segment (the batch axis of a capture source).
// Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::proxy::detail {

// A parsed pointer: its unescaped reference tokens, split at the "*" segment when there is one.
struct JsonPointer {
  std::vector<std::string> head;  // every token when !star; else those before "*"
  std::vector<std::string> tail;  // the tokens after "*" (applied to each element)
  bool star = false;
};

// Parses `text` ("" = the whole document). Errors (InvalidArgument), worded to follow
// "<config key>: ":
//   "\"abc\": a JSON pointer must be empty or start with \"/\""
//   "\"/a~2\": \"~\" must be followed by 0 or 1 (RFC 6901)"
//   "\"/a/*/b/*\": at most one \"*\""
Result<JsonPointer> ParseJsonPointer(std::string_view text);

}  // namespace mw::proxy::detail
