// http::Client: the one outgoing-HTTP building block (libcurl), for every part of modelwatch that
// talks to another server: the simulator's sender, webhook deliveries, the CLI's queries.
//
// Contract:
// - Send() makes exactly one attempt: no retries, no redirects followed (a 3xx is returned as
//   is), only http:// and https:// URLs. Retrying and judging statuses are the caller's business.
// - Any HTTP answer, whatever its status, is a response with error == kNone; a transfer that
//   produced no answer (refused, reset, timed out, TLS failure, bad URL) has error != kNone and
//   status 0.
// - The request is sent as given: `headers` are added verbatim ("Name: value"); "Name:" with no
//   value removes a header libcurl would add by itself (e.g. "Expect:" avoids the 100-continue
//   round trip before bodies over 1 KiB). Nothing else is added but Host, Content-Length and, for
//   non-GET requests, libcurl's default Content-Type when none is given.
// - A Client keeps one libcurl handle, so consecutive requests to the same server reuse a
//   keep-alive connection.
// Thread-safety: a Client is used by one thread at a time; distinct Clients may be used from any
// threads concurrently (libcurl's global initialisation runs once, guarded). UrlEscape is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::http {

struct ClientRequest {
  std::string method = "GET";        // GET sends no body; any other method sends `body`
  std::string url;                   // absolute http:// or https:// URL, query included
  std::vector<std::string> headers;  // "Name: value", sent in this order
  std::string body;
  int64_t timeout_ms = 60'000;  // the whole attempt, connection included
  // Connection set-up alone; 0 = libcurl's default (300 s). Never longer than timeout_ms.
  int64_t connect_timeout_ms = 10'000;
  // The answer's body beyond this many bytes is read and dropped (a receiver cannot make the
  // caller buffer an unbounded answer).
  size_t max_body_bytes = std::numeric_limits<size_t>::max();
};

// Why no HTTP answer came.
enum class TransferError {
  kNone,        // an HTTP answer came (any status)
  kTimeout,     // timeout_ms (or the connect timeout) elapsed
  kInvalidUrl,  // malformed URL or a scheme other than http/https: retrying cannot help
  kTls,         // TLS handshake or certificate verification failed
  kNetwork,     // anything else: refused, reset, DNS, the peer hung up
};

struct ClientResponse {
  TransferError error = TransferError::kNone;
  // error != kNone: libcurl's fixed text for the failure ("Timeout was reached"), and the specific
  // message when libcurl gave one ("Connection timed out after 5001 milliseconds"; else the same).
  std::string error_summary;
  std::string error_detail;
  long status = 0;           // HTTP status; 0 without an answer
  std::string content_type;  // the Content-Type header; "" when absent
  std::string body;          // at most max_body_bytes
  std::string retry_after;   // the last Retry-After header's value, blanks trimmed; "" if absent

  bool answered() const { return error == TransferError::kNone; }
};

class Client {
 public:
  // Internal when libcurl cannot make a handle.
  static Result<std::unique_ptr<Client>> Create();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  ClientResponse Send(const ClientRequest& request);

 private:
  explicit Client(void* curl) : curl_(curl) {}
  void* curl_;  // CURL*; owned
};

// `text` percent-encoded for a URL path segment or query value: the RFC 3986 unreserved
// characters (A-Z a-z 0-9 - . _ ~) kept, every other byte as %XX (upper-case hex), as
// curl_easy_escape does.
std::string UrlEscape(std::string_view text);

}  // namespace mw::http
