// One client connection of the proxy (proxy.h): reads requests, forwards each to the upstream,
// relays the answer. Split in two files: session_request.cc (the client's request: header
// checks, routing, body, cache lookup, writing it upstream) and session_response.cc (the
// upstream's answer, relaying it, the disconnect watch, errors, bookkeeping).
//
// Everything of a Session runs on its strand (the client socket's executor); the upstream
// socket's handlers are bound to it too. One request at a time: pipelined requests wait in the
// client buffer until the previous answer was written.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/acceptor.h"
#include "http/framing.h"
#include "http/http.h"
#include "proxy/cache/cache.h"
#include "proxy/headers.h"
#include "proxy/proxy.h"
#include "proxy/upstream_pool.h"

namespace mw::proxy {

struct Proxy::Impl {
  explicit Impl(ProxyOptions o);

  std::shared_ptr<const RoutingSnapshot> routes() const {
    std::lock_guard lock(routes_mu);
    return routes_ptr;
  }
  int64_t NowMillis() const { return clock->NowMillis(); }

  // Declared before the loops (they outlive the sessions destroyed with them).
  ProxyOptions options;
  SystemClock system_clock;
  const Clock* clock;
  std::string upstream_host;  // as in proxy.upstream (an IPv6 address without brackets)
  uint16_t upstream_port = 0;
  std::string upstream_authority;  // HOST:PORT for the Host field
  std::atomic<bool> stopped{false};
  std::atomic<bool> accepting_stopped{false};
  std::atomic<int64_t> in_flight{0};
  mutable std::mutex routes_mu;
  std::shared_ptr<const RoutingSnapshot> routes_ptr;
  // Bumped by SetRoutes: a session re-reads routes_ptr (lock, reference count) only when it moved.
  std::atomic<uint64_t> routes_version{0};

  // One upstream pool per event loop (its sockets live on that loop). Before the loops: sessions
  // destroyed with a loop's pending handlers return their leases to it. Their own sockets are
  // closed and dropped by UpstreamPool::Shutdown (Stop) while the loops still exist.
  std::vector<std::unique_ptr<UpstreamPool>> pools;

  // One event loop per I/O thread, as nginx's workers: a session, its timer and its upstream
  // connections live on one loop, so its handlers are serialized without a strand and never
  // wait for another thread. The acceptor runs on loops[0] and deals connections round-robin.
  std::vector<std::unique_ptr<boost::asio::io_context>> loops;
  size_t next_loop = 0;    // acceptor strand only
  size_t accept_loop = 0;  // the loop of the socket being accepted (acceptor strand only)
  std::optional<http::Acceptor> acceptor;  // after the loops: destroyed before them
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;

  // Publishes the sum of the pools' counts to the observer.
  void NotifyPoolStats();
};

namespace detail {

inline constexpr size_t kPieceBytes = 64 * 1024;

template <typename Optional>
std::optional<uint64_t> ToStd(const Optional& o) {
  return o ? std::optional<uint64_t>(*o) : std::nullopt;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, Proxy::Impl* proxy, UpstreamPool* pool);
  ~Session();
  void Run();

 private:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
  using error_code = boost::system::error_code;

  // --- session_request.cc ---
  void NextRequest();
  void ReadHead();
  void OnHead();
  bool Route(const http::RequestHeader& header);
  void ReadRequestBody();
  void OnRequestPiece(error_code ec);
  void RequestBodyDone();
  void LookupCache();
  void Forward();
  void OnLease(AcquireError error, std::string detail, std::unique_ptr<Lease> lease);
  std::string UpstreamHead(bool chunked) const;
  void WriteBufferedRequest();
  void StreamRequestPiece();
  void OnRequestWritten(error_code ec, bool last);
  void Refuse(http::Response response);
  void CloseIfIdle();

  // --- session_response.cc ---
  void AwaitResponse();
  void WatchClient();
  // One timer per session for every timeout (the client's reads and writes, the upstream's
  // answer): SetDeadline only moves deadline_, and the timer is re-armed only when it must fire
  // earlier than it would, so a request costs no timer operation of its own in the common case.
  enum class Deadline { kNone, kClient, kUpstream };
  void SetDeadline(Deadline kind, std::chrono::milliseconds after);
  void ClearDeadline() { deadline_kind_ = Deadline::kNone; }
  void OnWatchdog(error_code ec);
  void ReadResponse();
  void OnResponseRead(error_code ec);
  void OnResponseHeader();
  void SendKeptResponse();
  void OfferCapture(std::string response_body, std::optional<double> latency_ms, bool cached);
  void StartStreamedResponse();
  void WriteResponsePiece(std::string bytes, bool last);
  void OnResponseWritten(error_code ec, bool last);
  void UpstreamFailed(std::string_view reason, int status, std::string detail);
  void AnswerHit(CachedResponse hit);
  void SendError(http::Response response);
  std::string ClientHead(int status, std::string_view reason, const Fields& fields,
                         std::optional<uint64_t> length, bool chunked, bool keep_alive) const;
  void ResponseComplete();
  void Finish(int status);
  void ClientGone();
  void DropLease();
  void Close();
  void LingerClose();
  void Drain();
  size_t drained_ = 0;

  boost::beast::tcp_stream client_;
  boost::beast::flat_buffer client_buf_;
  Proxy::Impl* proxy_;
  UpstreamPool* pool_;  // the pool of this session's event loop
  http::Acceptor::Connection connection_;
  std::string remote_address_;
  std::array<char, kPieceBytes> piece_;

  // The request being served.
  std::optional<RequestParser> req_parser_;
  std::shared_ptr<const RoutingSnapshot> routes_;  // kept between requests (see routes_version)
  uint64_t routes_version_ = ~uint64_t{0};
  const RouteConfig* route_config_ = nullptr;  // into routes_; null: no capture, no cache
  std::string method_, target_, endpoint_ = "unmatched", request_id_, original_host_;
  http::PathParams params_;
  Fields req_fields_;      // to forward (hop-by-hop stripped, forwarded fields added)
  Fields capture_fields_;  // request fields for the capture (lower-case names)
  std::string req_body_;   // kept while <= max_capture_bytes
  bool req_streamed_ = false, req_chunked_ = false, opted_out_ = false;
  bool client_keep_alive_ = true;
  unsigned client_version_ = 11;
  bool head_request_ = false;
  bool request_active_ = false;  // between OnHead and Finish
  std::chrono::steady_clock::time_point started_, upstream_started_;
  int64_t received_at_ms_ = 0;
  CacheOutcome cache_outcome_ = CacheOutcome::kNone;
  std::optional<CacheKey> cache_key_;
  bool retried_ = false;
  bool reading_head_ = false;

  // The upstream exchange. up_gen_ changes whenever the upstream connection is given up, so the
  // late handlers of its cancelled operations know they are stale.
  std::unique_ptr<Lease> lease_;
  std::vector<std::unique_ptr<Lease>> dead_leases_;  // closed, kept until their handlers ran
  uint64_t up_gen_ = 0;
  std::chrono::steady_clock::time_point lease_idle_since_;
  boost::beast::flat_buffer up_buf_;
  std::optional<ResponseParser> resp_parser_;
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_;
  Deadline deadline_kind_ = Deadline::kNone;
  bool watchdog_armed_ = false;
  bool up_timed_out_ = false;
  bool got_response_byte_ = false;
  std::string write_buf_;  // one client or upstream write at a time each
  std::string up_write_buf_;

  // The answer.
  int status_ = 0;
  std::string resp_reason_;
  Fields resp_fields_;
  std::string resp_body_;
  bool resp_streamed_ = false, resp_chunked_out_ = false, resp_keep_alive_ = true;
  bool response_started_ = false;  // a byte of the answer went to the client
  bool response_done_ = false;     // the whole answer was written
  size_t bytes_sent_ = 0;          // body bytes sent to the client
  double latency_ms_ = 0;

  // The disconnect watch: one read on the client while its request is with the upstream.
  bool watching_ = false;
  bool client_gone_ = false;
  bool closed_ = false;  // Close ran: late handlers do nothing more
  // The answer is written: the watch read is the wait for the next request (client deadline).
  bool next_after_watch_ = false;
};

}  // namespace detail
}  // namespace mw::proxy
