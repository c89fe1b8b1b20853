// The HTTP/1.1 server (Boost.Beast over Asio): keep-alive, a body-size limit, routing by path
// template, and asynchronous handlers that may answer from any thread.
//
// Framing and header checks (Transfer-Encoding, Host, Authorization, Expect: 100-continue, the
// limits) are listed in http/framing.h; refusals there close the connection.
//
// A handler receives the request, the path parameters, and a Responder. It must call the
// Responder exactly once, from any thread, possibly after it returned (for example when the store
// reports a batch durable). The server writes the response on the connection's own strand.
//
// Thread-safety: Router is built before Start() and is read-only afterwards. Server::Stop() may
// be called from any thread (and from a signal handler's posted task).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/field_error.h"

namespace mw::http {

struct Request {
  std::string method;    // "GET", "POST", ...
  std::string target;    // raw request-target, with query
  std::string raw_path;  // target without the query string, still percent-encoded: what the
                         // router matches ("%2F" stays inside one path segment)
  std::string path;      // raw_path percent-decoded, for display only (problem instance, access
                         // log): it may hold any byte; never route or split it on '/'
  std::multimap<std::string, std::string> query;  // decoded query parameters
  // Names lower-cased. A repeated field keeps its last value, except: two Authorization or two
  // Host fields are refused (400) before a handler runs, and Transfer-Encoding / Content-Length
  // are the framing's (framing.h).
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;

  // Header value or "" (name is lower-case).
  std::string_view header(const std::string& name) const;
  // First query parameter value, if present.
  const std::string* query_param(const std::string& name) const;
  // Media type of Content-Type, lower-cased, without parameters ("application/json").
  std::string media_type() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Optional: runs on the connection's I/O thread just before the response is written, so a
  // responder called from another thread (the store's writer) can leave the rendering of a large
  // body to the I/O threads instead of doing it on its own.
  std::function<void(Response&)> render;
};

using PathParams = std::map<std::string, std::string>;
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request& request, const PathParams& params, Responder respond)>;

// Routes by method and path template. Templates are literal segments and "{name}" segments that
// match one non-empty path segment: "/v1/models/{model}/versions/{version}".
//
// Find takes the raw (percent-encoded) path, Request::raw_path: it is split on '/' first, then
// each segment is percent-decoded (detail/percent_decode.h) and compared with a literal segment
// or taken as the parameter's value. So "%2F" never separates segments
// ("/v1/models/x%2Fversions%2Fy" is model "x/versions/y"), and parameters come decoded; a
// parameter may hold any byte (NUL, bytes that are not UTF-8): handlers validate names.
class Router {
 public:
  struct Route {
    std::string method;
    std::string path_template;  // reported as the metrics' endpoint label
    Handler handler;
  };
  struct Match {
    const Route* route = nullptr;  // null when nothing matched
    PathParams params;
    bool path_matched_other_method = false;  // -> 405 rather than 404
  };

  void Add(std::string method, std::string path_template, Handler handler);
  Match Find(std::string_view method, std::string_view raw_path) const;

 private:
  std::vector<Route> routes_;
};

// Observes every completed request (access log, request metrics) and the connections. Called on
// I/O threads, concurrently.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  // Brackets every connection the server serves (not those refused above max_connections).
  virtual void OnConnectionOpened() {}
  virtual void OnConnectionClosed() {}
  // A connection accepted above ServerOptions::max_connections: answered 503 and closed without
  // reading a request. reason: "max_connections".
  virtual void OnConnectionRejected(std::string_view /*reason*/) {}
  // accept() failed (for example EMFILE when file descriptors run out); the server retries after
  // `retry_in` (5 ms doubling to 1 s, back to none after a success). Called for every failed
  // accept: an observer that logs must rate-limit.
  virtual void OnAcceptError(std::string_view /*error*/, std::chrono::milliseconds /*retry_in*/) {}
  virtual void OnRequestStart() = 0;
  // endpoint: the matched route template, or "unmatched". response_bytes: the body's size (what
  // Content-Length says; ECS http.response.body.bytes), not counting the status line and headers.
  virtual void OnRequestDone(const Request& request, std::string_view endpoint, int status,
                             double seconds, size_t response_bytes) = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = any free port; see Server::port()
  int threads = 0;    // 0 = std::thread::hardware_concurrency()
  int64_t max_body_bytes = 16 << 20;
  int64_t request_timeout_seconds = 30;  // idle / slow-client timeout per read
  // Connections served at once (> 0). One more is accepted, answered 503 problem+json with
  // "Connection: close" and "Retry-After", and closed without reading a request.
  int64_t max_connections = 10000;
  ServerObserver* observer = nullptr;  // not owned; may be null
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. Returns false with a reason when binding fails.
  bool Start(std::string* error);
  uint16_t port() const;
  // Graceful shutdown, step 1: closes the listening socket and every keep-alive connection that
  // waits for its next request with no byte of it received (as Go's Server.Shutdown does; a
  // request racing that close gets a connection reset, which a client may retry elsewhere).
  // Requests being read or handled still get their responses, and those close their
  // connections. Idempotent.
  void StopAccepting();
  // Step 2: waits until every connection is closed (so no further request can be read), or until
  // `timeout`. Returns true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);
  // Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();
  int64_t connections_open() const;

  struct Impl;  // implementation detail (server.cc), public only so its sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Builds an RFC 9457 problem+json response. Client input echoed in it is bounded
// (TruncateForEcho, common/truncate.h): each pointer and the instance to kMaxEchoBytes (256),
// each detail to kMaxProblemDetailBytes; a cut string ends in "...[truncated, N bytes]". Callers
// quoting a client value inside a detail should cut that value with TruncateForEcho too.
inline constexpr size_t kMaxProblemDetailBytes = 1024;
// One entry of the "errors" member: the decoders' FieldError (common/field_error.h) itself, so a
// decoder's errors pass through without conversion.
using ProblemField = FieldError;
Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view instance, const std::vector<ProblemField>& errors = {},
                 std::string_view type = "about:blank");

}  // namespace mw::http
