// RFC 6901 JSON pointers, parsed into their unescaped reference tokens. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw {

// The unescaped reference tokens of `text` ("" = the whole document: no tokens; "/a~1b/0" =
// {"a/b", "0"}). Errors (InvalidArgument), worded to follow "<config key>: ":
//   "\"abc\": a JSON pointer must be empty or start with \"/\""
//   "\"/a~2\": \"~\" must be followed by 0 or 1 (RFC 6901)"
Result<std::vector<std::string>> ParseJsonPointerTokens(std::string_view text);

}  // namespace mw
