// The HTTP/1.x request checks every listener of modelwatch applies before it reads a body: the API
// server (server.cc) and the sidecar proxy (src/proxy) refuse the same requests with the same
// problem+json texts, so a request the API would refuse is never forwarded either.
//
// The checks (RFC 9112 / RFC 9110), each answered with problem+json; every refusal here closes the
// connection (the bytes after a refused header cannot be trusted to start a request):
//   - Transfer-Encoding other than exactly one coding, "chunked" (any case): 501 when a coding is
//     unknown ("gzip", "identity", "xchunked"), 400 when the list is malformed or repeats
//     "chunked", or in an HTTP/1.0 request (RFC 9112 6.1);
//   - Transfer-Encoding together with Content-Length: 400 (RFC 9112 6.1);
//   - an HTTP/1.1 request without Host, or any request with two Host fields: 400 (RFC 9112 3.2);
//   - two Authorization fields: 400 (which one would be checked is ambiguous);
//   - Expect other than "100-continue" in an HTTP/1.1 request: 417 (RFC 9110 10.1.1);
//   - Beast's own errors (ParseErrorResponse): 413 for a body above the body limit (a
//     Content-Length above it is refused at the header), 431 for a header above
//     kHeaderLimitBytes, 400 otherwise (two Content-Length fields, obs-fold lines, a malformed
//     request line or chunk).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "http/http.h"

namespace mw::http {

// The largest request line + header accepted (Beast's header_limit); above it: 431.
inline constexpr uint32_t kHeaderLimitBytes = 64 * 1024;

using RequestHeader = boost::beast::http::request_header<>;

// The answer to a parse error `ec` from Beast (413, 431 or 400, see above). `header` is what the
// parser holds: complete for body errors and for a Content-Length over the limit, partial
// otherwise; only its target is read (the problem's instance). `limit_key` names the setting of
// the body limit in the 413's detail ("server.max_body_bytes", "proxy.max_body_bytes").
Response ParseErrorResponse(boost::beast::error_code ec, const RequestHeader& header,
                            int64_t max_body_bytes,
                            std::string_view limit_key = "server.max_body_bytes");

// The checks on a complete header (see above). nullopt: acceptable.
std::optional<Response> CheckHeader(const RequestHeader& header);

// True when an HTTP/1.1 client waits for "100 Continue" before it sends the body.
bool ExpectsContinue(const RequestHeader& header);

}  // namespace mw::http
