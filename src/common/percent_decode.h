// Percent-decoding of request-target parts (RFC 3986 2.1): the HTTP router (path parameters),
// the request framing (display path, query string) and the proxy's route templates.
#pragma once

#include <string>
#include <string_view>

namespace mw {

// Decodes every "%XY" (two hex digits, either case) to its byte; with `plus_is_space`, '+' is a
// space (application/x-www-form-urlencoded query strings). An invalid or truncated escape ("%zz",
// a trailing "%" or "%4") is kept literally. The result may hold any byte, NUL and bytes that are
// not UTF-8 included: callers that need text validate it. Never fails.
std::string PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace mw
