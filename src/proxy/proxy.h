// The sidecar proxy: its own HTTP/1.1 listener in front of the watched prediction API. Every
// request is forwarded to `upstream` over a keep-alive pool and its answer relayed back; on the
// way the proxy labels the request by route (RouteTable), may answer it from the response cache,
// and hands 2xx exchanges to the capture queue. The proxy never changes what the API answers
// except for the hop-by-hop fields, the X-Forwarded-* fields, the request id and the framing.
//
// HTTP (headers.h for the fields): requests are vetted by the API server's checks
// (http/framing.h: CL+TE 400, bad Transfer-Encoding 501, two Content-Length 400, no Host 400,
// body above max_body_bytes 413) plus obs-fold 400, absolute-form target 400, CONNECT 405, each
// closing the connection, nothing forwarded. Upstream the proxy writes its own framing:
// Content-Length for a body it holds, chunked for a streamed body of unknown length; the
// client's Content-Length/Transfer-Encoding are never forwarded (no CL.TE/TE.CL smuggling).
// Bodies up to max_capture_bytes are held (and so may be captured and cached); larger ones pass
// piece by piece, uncaptured and uncached (ProxyObserver::OnUncaptured).
//
// Failures before a response byte reached the client are answered with problem+json: 502 when
// the upstream refused or could not be reached within connect_timeout ("upstream
// http://h:p unreachable: connection refused"), 504 when no response header came within
// response_timeout, 503 + Retry-After: 1 when all max_upstream_connections stayed busy for
// connect_timeout. After a byte was sent the client connection is closed. A client that goes
// away while its request waits for the upstream cancels it: the upstream connection is closed,
// not reused; the request counts status 499 (OnRequestDone) and OnClientDisconnect.
//
// Thread-safety: Start, StopAccepting, WaitIdle, Stop from one controlling thread (Stop and the
// destructor must not run on the proxy's own threads); SetRoutes, port and pool_stats from any
// thread. The observer, cache, capture queue, metrics and clock in ProxyOptions must outlive the
// Proxy; the observer is called on the proxy's I/O threads concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/cache_metrics.h"
#include "proxy/capture/capture_metrics.h"
#include "proxy/capture/queue.h"
#include "proxy/capture/spec.h"
#include "proxy/route/route_table.h"
#include "proxy/upstream_pool.h"

namespace mw::proxy {

struct RouteCacheSpec {
  std::chrono::milliseconds ttl{0};
  std::vector<std::string> key;  // JSON pointers into the request body; empty = the whole body
};

struct RouteConfig {
  std::shared_ptr<const CaptureSpec> capture;  // null: not captured
  std::optional<RouteCacheSpec> cache;         // unset: not cached
};

// The routes in force: the table and, by route index (RouteMatch::index), each one's config.
// An index past `configs` has no capture and no cache.
struct RoutingSnapshot {
  RouteTable table;
  std::vector<RouteConfig> configs;
};

// How the response cache took part in one request.
enum class CacheOutcome { kNone, kHit, kMiss, kBypassed };
std::string_view CacheOutcomeName(CacheOutcome outcome);  // "", "hit", "miss", "bypassed"

// One finished request, for metrics and the access log.
struct RequestRecord {
  std::string_view method;
  std::string_view target;    // as received (path and query)
  std::string_view endpoint;  // route template or "unmatched"
  int status = 0;             // 499: the client went away before its answer
  double seconds = 0;         // header received -> answer written (or given up)
  size_t response_bytes = 0;  // response body bytes sent to the client
  CacheOutcome cache = CacheOutcome::kNone;
  std::string_view request_id;
  std::string_view remote_address;
};

// Observes the proxy; called on its I/O threads, concurrently. Every method has a no-op default.
class ProxyObserver {
 public:
  virtual ~ProxyObserver() = default;
  virtual void OnConnectionOpened() {}
  virtual void OnConnectionClosed() {}
  virtual void OnConnectionRejected(std::string_view /*reason: "max_connections"*/) {}
  virtual void OnAcceptError(std::string_view /*error*/, std::chrono::milliseconds /*retry_in*/) {}
  virtual void OnRequestStart() {}
  virtual void OnRequestDone(const RequestRecord& /*record*/) {}
  // reason: refused | connect_timeout | response_timeout | pool_exhausted | reset |
  // reset_mid_body | protocol.
  virtual void OnUpstreamError(std::string_view /*reason*/) {}
  virtual void OnClientDisconnect() {}
  // reason: request_too_large | response_too_large.
  virtual void OnUncaptured(std::string_view /*reason*/) {}
  virtual void OnUpstreamConnections(size_t /*active*/, size_t /*idle*/) {}
};

struct ProxyOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0 = any free port; see Proxy::port()
  std::string upstream;      // http://HOST:PORT
  // I/O threads, each an event loop of its own with its share of the connections; 0 = one per
  // core.
  int threads = 0;
  size_t max_connections = 10000;
  // Shared out among the threads' loops (max_upstream_connections / threads each, at least 1);
  // a client connection keeps its upstream connection between its requests.
  size_t max_upstream_connections = 256;
  std::chrono::milliseconds upstream_idle_timeout{4000};
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds response_timeout{30000};
  std::chrono::milliseconds client_timeout{30000};
  size_t max_body_bytes = 100 << 20;
  size_t max_capture_bytes = 1 << 20;
  bool preserve_host = false;
  bool trust_forwarded_headers = false;
  std::string request_id_header = "X-Request-Id";
  std::vector<std::string> cache_vary_headers = {"Authorization"};
  bool capture_hits = true;  // answers from the cache are captured (without latency_ms)
  size_t max_cache_key_bytes = 1 << 20;
  ProxyObserver* observer = nullptr;  // may be null
  CaptureQueue* capture = nullptr;    // may be null: nothing captured
  CaptureMetrics* capture_metrics = nullptr;
  ResponseCache* cache = nullptr;  // may be null: nothing cached
  CacheMetrics* cache_metrics = nullptr;
  const Clock* clock = nullptr;  // null: the system clock
  // Optional, called after OnRequestDone (the lead wires it to the access log).
  std::function<void(const RequestRecord&)> access_log;
};

class Proxy {
 public:
  explicit Proxy(ProxyOptions options);
  ~Proxy();  // Stop()
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Checks `upstream`, binds the listener and starts the I/O threads. False with a reason.
  bool Start(std::string* error);
  uint16_t port() const;
  // Replaces the routes (any thread; requests already routed keep theirs). Null: no routes.
  void SetRoutes(std::shared_ptr<const RoutingSnapshot> routes);
  // Graceful shutdown, as http::Server's: stop accepting, close idle keep-alive connections;
  // requests in progress finish and close their connections. Idempotent.
  void StopAccepting();
  // Waits until every client connection is closed, or `timeout`. True when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);
  // Closes everything and joins the threads. Idempotent.
  void Stop();
  PoolStats pool_stats() const;

  struct Impl;  // proxy.cc; public only so the sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Parses "http://HOST:PORT" (an IPv6 host in brackets). False with a reason otherwise.
bool ParseUpstream(std::string_view url, std::string* host, uint16_t* port, std::string* error);

}  // namespace mw::proxy
