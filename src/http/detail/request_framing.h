// How the server frames and vets one HTTP/1.x request: Beast's request_parser with the server's
// limits, then the server's own checks on the complete header, before any body byte is read.
// The Session (server.cc) and ParseRequestBytes (the fuzz target's entry point) call the same
// functions, so fuzzing exercises the real checks.
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
//   - Beast's own errors: 413 for a body above max_body_bytes (a Content-Length above it is
//     refused at the header), 431 for a header above kHeaderLimitBytes, 400 otherwise.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

#include "http/http.h"

namespace mw::http::detail {

inline constexpr uint32_t kHeaderLimitBytes = 64 * 1024;

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using RequestHeader = boost::beast::http::request_header<>;

// Applies the server's limits to a fresh parser: header kHeaderLimitBytes, body max_body_bytes
// (> 0).
void ConfigureParser(RequestParser& parser, int64_t max_body_bytes);

// The answer to a parse error `ec` from Beast (413, 431 or 400, see above). `header` is what the
// parser holds: complete for body errors and for a Content-Length over the limit, partial
// otherwise; only its target is read (the problem's instance).
Response ParseErrorResponse(boost::beast::error_code ec, const RequestHeader& header,
                            int64_t max_body_bytes);

// The server's checks on a complete header (see above). nullopt: acceptable.
std::optional<Response> CheckHeader(const RequestHeader& header);

// True when an HTTP/1.1 client waits for "100 Continue" before it sends the body.
bool ExpectsContinue(const RequestHeader& header);

// The Request for a header, without body and remote address: method, target, raw_path and its
// percent-decoded path, decoded query parameters, headers with lower-cased names (a repeated
// field: the last one wins; see http.h).
Request RequestFromHeader(const RequestHeader& header);

// Parses one HTTP/1.x request from `bytes` exactly as a Session does (Beast's request_parser
// with the server's header/body limits, then the server's own checks: Transfer-Encoding,
// Host, duplicate Authorization, raw-path routing support). Pure: no I/O.
// Bytes after the request (a pipelined next request) are ignored. When `error` is set the server
// would send it and close the connection.
struct FramedRequest {
  std::optional<Request> request;  // set when the request is acceptable
  std::optional<Response> error;   // the response the server would send otherwise
  bool need_more = false;          // bytes end before the request does
};
FramedRequest ParseRequestBytes(std::string_view bytes, int64_t max_body_bytes);

}  // namespace mw::http::detail
