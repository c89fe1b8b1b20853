// How the server frames one HTTP/1.x request: Beast's request_parser with the server's limits,
// then the checks of http/framing.h on the complete header, before any body byte is read. The
// Session (server.cc) and ParseRequestBytes (the fuzz target's entry point) call the same
// functions, so fuzzing exercises the real checks. The checks themselves and their answers are
// listed in http/framing.h (public: the proxy applies them too).
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

#include "http/framing.h"
#include "http/http.h"

namespace mw::http::detail {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Applies the server's limits to a fresh parser: header kHeaderLimitBytes, body max_body_bytes
// (> 0).
void ConfigureParser(RequestParser& parser, int64_t max_body_bytes);

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
