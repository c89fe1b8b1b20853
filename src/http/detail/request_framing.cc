#include "http/detail/request_framing.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "common/percent_decode.h"
#include "http/framing.h"

namespace mw::http::detail {

// Helpers of this file (not in an anonymous namespace: the public checks below, in mw::http, use
// them too).
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 5.6.2 tchar.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// The comma-separated elements of every field line named `name`, OWS trimmed; empty elements
// are kept (as "") so a caller can refuse them.
std::vector<std::string_view> ListElements(const RequestHeader& header, bhttp::field name) {
  std::vector<std::string_view> out;
  for (auto [it, end] = header.equal_range(name); it != end; ++it) {
    std::string_view value(it->value().data(), it->value().size());
    while (true) {
      const size_t comma = value.find(',');
      out.push_back(TrimOws(value.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::string InstanceOf(const RequestHeader& header) {
  const std::string_view target(header.target().data(), header.target().size());
  return std::string(target.substr(0, target.find('?')));
}

Response HeaderRefusal(int status, std::string_view title, std::string_view detail,
                       const RequestHeader& header) {
  return Problem(status, title, detail, InstanceOf(header));
}

std::optional<Response> CheckTransferEncoding(const RequestHeader& header) {
  if (header.find(bhttp::field::transfer_encoding) == header.end()) return std::nullopt;
  if (header.version() < 11) {
    return HeaderRefusal(400, "Bad Request",
                         "Transfer-Encoding is not allowed in an HTTP/1.0 request", header);
  }
  if (header.find(bhttp::field::content_length) != header.end()) {
    return HeaderRefusal(400, "Bad Request",
                         "Transfer-Encoding and Content-Length together: send one of them", header);
  }
  const std::vector<std::string_view> codings =
      ListElements(header, bhttp::field::transfer_encoding);
  std::optional<std::string_view> unknown;
  bool chunked_parameters = false;
  for (const std::string_view element : codings) {
    const size_t semicolon = element.find(';');
    const std::string_view name = TrimOws(element.substr(0, semicolon));
    if (!IsToken(name)) {
      return HeaderRefusal(400, "Bad Request",
                           "Transfer-Encoding is not a list of transfer codings: send \"chunked\"",
                           header);
    }
    if (!EqualsIgnoreCase(name, "chunked")) {
      if (!unknown) unknown = name;
    } else if (semicolon != std::string_view::npos) {
      chunked_parameters = true;
    }
  }
  if (unknown) {
    // The coding is echoed: a token (checked above), bounded by the header limit.
    return HeaderRefusal(501, "Not Implemented",
                         "Transfer-Encoding \"" + std::string(unknown->substr(0, 64)) +
                             "\" is not supported: only \"chunked\"",
                         header);
  }
  if (codings.size() != 1) {
    return HeaderRefusal(400, "Bad Request",
                         "Transfer-Encoding lists \"chunked\" more than once: send it once",
                         header);
  }
  if (chunked_parameters) {
    return HeaderRefusal(400, "Bad Request", "Transfer-Encoding \"chunked\" takes no parameters",
                         header);
  }
  return std::nullopt;
}

std::optional<Response> CheckExpect(const RequestHeader& header) {
  // RFC 9110 10.1.1: an HTTP/1.0 request's expectation is ignored.
  if (header.version() < 11 || header.find(bhttp::field::expect) == header.end()) {
    return std::nullopt;
  }
  for (const std::string_view e : ListElements(header, bhttp::field::expect)) {
    if (!EqualsIgnoreCase(e, "100-continue")) {
      return HeaderRefusal(417, "Expectation Failed", "Expect: only \"100-continue\" is supported",
                           header);
    }
  }
  return std::nullopt;
}

void ParseQuery(std::string_view q, std::multimap<std::string, std::string>* out) {
  size_t pos = 0;
  while (pos <= q.size()) {
    const size_t amp = q.find('&', pos);
    const std::string_view part = q.substr(pos, amp == std::string_view::npos ? q.npos : amp - pos);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        out->emplace(PercentDecode(part, true), "");
      } else {
        out->emplace(PercentDecode(part.substr(0, eq), true),
                     PercentDecode(part.substr(eq + 1), true));
      }
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
}

void ConfigureParser(RequestParser& parser, int64_t max_body_bytes) {
  parser.body_limit(static_cast<uint64_t>(max_body_bytes));
  parser.header_limit(kHeaderLimitBytes);
}

Request RequestFromHeader(const RequestHeader& header) {
  Request request;
  request.method = std::string(header.method_string());
  request.target = std::string(header.target());
  const size_t q = request.target.find('?');
  request.raw_path = request.target.substr(0, q);
  request.path = PercentDecode(request.raw_path, false);
  if (q != std::string::npos) {
    ParseQuery(std::string_view(request.target).substr(q + 1), &request.query);
  }
  for (const auto& field : header) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[std::move(name)] = std::string(field.value());
  }
  return request;
}

FramedRequest ParseRequestBytes(std::string_view bytes, int64_t max_body_bytes) {
  FramedRequest out;
  RequestParser parser;
  ConfigureParser(parser, max_body_bytes);
  // Offers the remaining bytes until `done()` holds; false (with `out` filled in) when the bytes
  // run out first (need_more) or the parser refuses them (error).
  auto feed = [&](auto done) {
    beast::error_code ec;
    while (!done()) {
      if (bytes.empty()) {
        out.need_more = true;
        return false;
      }
      const size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == bhttp::error::need_more) {
        out.need_more = true;  // every byte was offered: the message is incomplete
        return false;
      }
      if (ec) {
        out.error = ParseErrorResponse(ec, parser.get().base(), max_body_bytes);
        return false;
      }
    }
    return true;
  };
  // The header first (put() stops after it unless eager), as async_read_header does.
  if (!feed([&] { return parser.is_header_done(); })) return out;
  if (auto refusal = CheckHeader(parser.get().base())) {
    out.error = std::move(refusal);
    return out;
  }
  parser.eager(true);
  if (!feed([&] { return parser.is_done(); })) return out;
  Request request = RequestFromHeader(parser.get().base());
  request.body = std::move(parser.get().body());
  out.request = std::move(request);
  return out;
}

}  // namespace mw::http::detail

namespace mw::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

Response ParseErrorResponse(beast::error_code ec, const RequestHeader& header,
                            int64_t max_body_bytes, std::string_view limit_key) {
  if (ec == bhttp::error::body_limit) {
    return detail::HeaderRefusal(413, "Payload Too Large",
                                 "request body exceeds the limit of " +
                                     std::to_string(max_body_bytes) + " bytes (" +
                                     std::string(limit_key) + ")",
                                 header);
  }
  if (ec == bhttp::error::header_limit) {
    return Problem(
        431, "Request Header Fields Too Large",
        "the request line and header exceed " + std::to_string(kHeaderLimitBytes) + " bytes", "");
  }
  if (ec == bhttp::error::bad_transfer_encoding) {
    return Problem(400, "Bad Request",
                   "Transfer-Encoding is repeated or sent with Content-Length: send \"chunked\" "
                   "once, without Content-Length",
                   "");
  }
  if (ec == bhttp::error::bad_content_length) {
    return Problem(400, "Bad Request",
                   "Content-Length is not one number, or is sent with Transfer-Encoding", "");
  }
  return Problem(400, "Bad Request", "malformed HTTP request: " + ec.message(), "");
}

std::optional<Response> CheckHeader(const RequestHeader& header) {
  if (auto refusal = detail::CheckTransferEncoding(header)) return refusal;
  const size_t hosts = header.count(bhttp::field::host);
  if (hosts > 1) {
    return detail::HeaderRefusal(400, "Bad Request",
                                 "the request has more than one Host header field", header);
  }
  if (hosts == 0 && header.version() >= 11) {
    return detail::HeaderRefusal(400, "Bad Request",
                                 "an HTTP/1.1 request needs a Host header field", header);
  }
  if (header.count(bhttp::field::authorization) > 1) {
    return detail::HeaderRefusal(
        400, "Bad Request", "the request has more than one Authorization header field: send one",
        header);
  }
  return detail::CheckExpect(header);
}

bool ExpectsContinue(const RequestHeader& header) {
  if (header.version() < 11) return false;
  const auto it = header.find(bhttp::field::expect);
  return it != header.end() &&
         detail::EqualsIgnoreCase(
             detail::TrimOws(std::string_view(it->value().data(), it->value().size())),
             "100-continue");
}

}  // namespace mw::http
