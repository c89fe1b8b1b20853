// The upstream's side of a proxy session: waiting for the answer (with the client disconnect
// watch and the response timeout), relaying it kept or streamed, errors, the cache store, the
// capture and the request's bookkeeping (detail/session.h).
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdio>
#include <limits>

#include "proxy/capture/sample.h"
#include "proxy/detail/session.h"

namespace mw::proxy::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kLingerDrainBytes = 64 * 1024;

bool NoBodyStatus(int status) { return status / 100 == 1 || status == 204 || status == 304; }

bool Idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

std::string ChunkOf(std::string_view bytes) {
  char size_line[32];
  const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
  std::string out(size_line, static_cast<size_t>(len));
  out += bytes;
  out += "\r\n";
  return out;
}

// True when no event source of the spec has the batch axis: one exchange is one event whose id
// is the request id, so it is sampled here, before the queue (sample.h).
// True when the exchange makes one event whose id is the request id: then it is sampled here, by
// that id, before its bodies are queued (the capture thread samples every other event by its own
// id, batch rows included).
bool SingleRow(const CaptureSpec& spec) {
  if (!spec.features || !spec.prediction || spec.id)
    return false;  // a detected shape may be a batch
  for (const auto* s : {&spec.features, &spec.prediction, &spec.id}) {
    if (*s && (*s)->value.find('*') != std::string::npos) return false;
  }
  return true;
}

}  // namespace

void Session::AwaitResponse() {
  WatchClient();
  resp_parser_.emplace();
  resp_parser_->header_limit(http::kHeaderLimitBytes);
  resp_parser_->body_limit(std::numeric_limits<uint64_t>::max());
  if (head_request_) resp_parser_->skip(true);
  ReadResponse();
}

// One read on the client while its request is with the upstream: EOF or a reset means the client
// went away (the upstream call is abandoned); bytes are a pipelined next request, kept.
void Session::WatchClient() {
  // Not while bytes of a pipelined request wait in the buffer: that request is next anyway, and
  // its client is still there.
  if (watching_ || client_gone_ || closed_ || !req_parser_->is_done() || client_buf_.size() > 0) {
    return;
  }
  watching_ = true;
  client_.async_read_some(
      client_buf_.prepare(4096), [self = shared_from_this()](error_code ec, size_t n) {
        self->watching_ = false;
        self->client_buf_.commit(n);
        if (self->closed_) return;
        if (self->next_after_watch_) {
          // The answer went out; this read waited for the next request.
          self->next_after_watch_ = false;
          if (ec) return self->Close();
          return self->NextRequest();
        }
        if (ec && ec != net::error::operation_aborted && self->request_active_) {
          self->ClientGone();
        }
      });
}

void Session::SetDeadline(Deadline kind, std::chrono::milliseconds after) {
  deadline_kind_ = kind;
  deadline_ = std::chrono::steady_clock::now() + after;
  // A pending wait that ends no later than the new deadline re-checks it when it fires.
  if (watchdog_armed_ && watchdog_.expiry() <= deadline_) return;
  watchdog_armed_ = true;
  watchdog_.expires_at(deadline_);  // cancels a later wait (its handler sees operation_aborted)
  watchdog_.async_wait([self = shared_from_this()](error_code ec) { self->OnWatchdog(ec); });
}

void Session::OnWatchdog(error_code ec) {
  if (ec == net::error::operation_aborted) return;  // replaced by an earlier wait
  watchdog_armed_ = false;
  if (deadline_kind_ == Deadline::kNone) return;
  if (std::chrono::steady_clock::now() < deadline_) {
    watchdog_armed_ = true;
    watchdog_.expires_at(deadline_);
    watchdog_.async_wait([self = shared_from_this()](error_code e) { self->OnWatchdog(e); });
    return;
  }
  const Deadline kind = deadline_kind_;
  deadline_kind_ = Deadline::kNone;
  if (kind == Deadline::kUpstream) {
    // The pending upstream read ends with operation_aborted and sees up_timed_out_.
    up_timed_out_ = true;
    error_code ignored;
    if (lease_) lease_->socket().close(ignored);
    return;
  }
  Close();  // a client too slow or idle too long: its pending operation ends with an error
}

void Session::ReadResponse() {
  up_timed_out_ = false;
  SetDeadline(Deadline::kUpstream, proxy_->options.response_timeout);
  auto& body = resp_parser_->get().body();
  body.data = piece_.data();
  body.size = piece_.size();
  bhttp::async_read_some(
      lease_->socket(), up_buf_, *resp_parser_,
      net::bind_executor(client_.get_executor(),
                         [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
                           if (gen != self->up_gen_ || self->client_gone_) return;
                           self->OnResponseRead(ec);
                         }));
}

void Session::OnResponseRead(error_code ec) {
  ClearDeadline();
  if (ec == bhttp::error::need_buffer) ec = {};
  const size_t got = piece_.size() - resp_parser_->get().body().size;
  if (resp_parser_->got_some()) got_response_byte_ = true;
  if (ec) {
    if (up_timed_out_) {
      return UpstreamFailed("response_timeout", 504,
                            "upstream " + proxy_->options.upstream + " sent no response within " +
                                std::to_string(proxy_->options.response_timeout.count()) + " ms");
    }
    const bool eof = ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                     ec == net::error::connection_reset;
    if (eof && !got_response_byte_ && lease_->reused() && !retried_ && !req_streamed_ &&
        Idempotent(method_)) {
      // The upstream closed the kept connection as the request arrived: once more, fresh.
      retried_ = true;
      DropLease();
      return Forward();
    }
    return UpstreamFailed(got_response_byte_ && !eof ? "protocol" : "reset", 502,
                          "upstream " + proxy_->options.upstream + " failed: " + ec.message());
  }
  if (status_ == 0 && resp_parser_->is_header_done()) {
    const int status = static_cast<int>(resp_parser_->get().result_int());
    if (status / 100 == 1) {
      // An interim answer (100 Continue, 103 Early Hints) is dropped: the proxy already
      // answered the client's expectation itself. A new parser reads the final answer.
      if (status == 101) {
        return UpstreamFailed("protocol", 502, "upstream switched protocols, which is not proxied");
      }
      resp_parser_.emplace();
      resp_parser_->header_limit(http::kHeaderLimitBytes);
      resp_parser_->body_limit(std::numeric_limits<uint64_t>::max());
      if (head_request_) resp_parser_->skip(true);
      return ReadResponse();
    }
    OnResponseHeader();
  }
  if (resp_streamed_) {
    std::string out;
    const std::string_view bytes(piece_.data(), got);
    if (resp_chunked_out_) {
      if (got > 0) out = ChunkOf(bytes);
    } else {
      out.assign(bytes);
    }
    bytes_sent_ += got;
    const bool last = resp_parser_->is_done();
    if (last && resp_chunked_out_) out += "0\r\n\r\n";
    return WriteResponsePiece(std::move(out), last);
  }
  resp_body_.append(piece_.data(), got);
  if (resp_parser_->is_done()) return SendKeptResponse();
  if (resp_body_.size() > proxy_->options.max_capture_bytes) return StartStreamedResponse();
  ReadResponse();
}

void Session::OnResponseHeader() {
  auto& message = resp_parser_->get();
  status_ = static_cast<int>(message.result_int());
  resp_reason_ = std::string(message.reason());
  resp_fields_.clear();
  for (const auto& f : message.base()) {
    resp_fields_.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  StripHopByHop(resp_fields_, {proxy_->options.request_id_header});
  if (cache_outcome_ == CacheOutcome::kMiss)
    resp_fields_.emplace_back("X-Modelwatch-Cache", "miss");
  latency_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                          upstream_started_)
                    .count();
}

// The head of an answer to the client: status line, fields, the request id, framing.
std::string Session::ClientHead(int status, std::string_view reason, const Fields& fields,
                                std::optional<uint64_t> length, bool chunked,
                                bool keep_alive) const {
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  if (reason.empty()) {
    const auto r = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    reason = std::string_view(r.data(), r.size());
  }
  out += reason;
  out += "\r\n";
  AppendFields(out, fields);
  out += proxy_->options.request_id_header;
  out += ": ";
  out += request_id_;
  out += "\r\n";
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (length && status != 204 && status / 100 != 1) {
    out += "Content-Length: " + std::to_string(*length) + "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

// Hands a 2xx exchange of a capturing route to the capture queue, unless the client opted out or
// (one event whose id is the request id) it is sampled out here, before its bodies are queued.
void Session::OfferCapture(std::string response_body, std::optional<double> latency_ms,
                           bool cached) {
  const CaptureSpec& spec = *route_config_->capture;
  CaptureMetrics* metrics = proxy_->options.capture_metrics;
  if (opted_out_) {
    if (metrics) metrics->OptedOut(1);
    return;
  }
  if (SingleRow(spec) && !Sampled(request_id_, spec.sample)) {
    if (metrics) metrics->SampledOut(1);
    return;
  }
  Exchange exchange{endpoint_,
                    params_,
                    capture_fields_,
                    std::move(req_body_),
                    std::move(response_body),
                    request_id_,
                    received_at_ms_,
                    latency_ms,
                    cached};
  proxy_->options.capture->Offer(route_config_->capture, std::move(exchange));
}

void Session::SendKeptResponse() {
  const bool reusable = resp_parser_->keep_alive() && up_buf_.size() == 0;
  if (reusable) {
    lease_idle_since_ = std::chrono::steady_clock::now();
  } else {
    DropLease();
  }
  resp_keep_alive_ = client_keep_alive_ && !proxy_->accepting_stopped.load();
  std::optional<uint64_t> length = resp_body_.size();
  if (head_request_ || status_ == 304) length = ToStd(resp_parser_->content_length());
  write_buf_ = ClientHead(status_, resp_reason_, resp_fields_, length, false, resp_keep_alive_);
  if (!head_request_ && !NoBodyStatus(status_)) {
    write_buf_ += resp_body_;
    bytes_sent_ = resp_body_.size();
  }
  // The exchange is complete here: store and capture it while the client gets its answer.
  const bool ok = status_ / 100 == 2;
  if (ok && cache_key_ && cache_outcome_ == CacheOutcome::kMiss && !req_streamed_ &&
      Cacheable(status_, resp_fields_)) {
    proxy_->options.cache->Store(*cache_key_, CachedResponse{status_, resp_fields_, resp_body_},
                                 route_config_->cache->ttl);
  }
  if (ok && route_config_ && route_config_->capture && proxy_->options.capture && !req_streamed_) {
    OfferCapture(std::move(resp_body_), latency_ms_, false);
  }
  WriteResponsePiece(std::move(write_buf_), true);
}

// The answer outgrew max_capture_bytes: the head and what was kept go out now, the rest as it
// comes (Content-Length when the upstream sent one, else chunked, or close for HTTP/1.0).
void Session::StartStreamedResponse() {
  resp_streamed_ = true;
  if (proxy_->options.observer) proxy_->options.observer->OnUncaptured("response_too_large");
  const std::optional<uint64_t> length = ToStd(resp_parser_->content_length());
  resp_keep_alive_ = client_keep_alive_ && !proxy_->accepting_stopped.load();
  if (!length) {
    if (client_version_ >= 11) {
      resp_chunked_out_ = true;
    } else {
      resp_keep_alive_ = false;
    }
  }
  std::string out =
      ClientHead(status_, resp_reason_, resp_fields_, length, resp_chunked_out_, resp_keep_alive_);
  out += resp_chunked_out_ ? ChunkOf(resp_body_) : resp_body_;
  bytes_sent_ = resp_body_.size();
  resp_body_.clear();
  resp_body_.shrink_to_fit();
  WriteResponsePiece(std::move(out), false);
}

void Session::WriteResponsePiece(std::string bytes, bool last) {
  write_buf_ = std::move(bytes);
  response_started_ = true;
  SetDeadline(Deadline::kClient, proxy_->options.client_timeout);
  net::async_write(client_, net::buffer(write_buf_),
                   [self = shared_from_this(), last](error_code ec, size_t) {
                     self->OnResponseWritten(ec, last);
                   });
}

void Session::OnResponseWritten(error_code ec, bool last) {
  ClearDeadline();
  if (ec) {
    if (request_active_ && !last) DropLease();
    Finish(status_ == 0 ? 499 : status_);
    return Close();
  }
  if (!last) return ReadResponse();
  if (resp_streamed_) {
    if (!(resp_parser_->keep_alive() && up_buf_.size() == 0)) DropLease();
    lease_idle_since_ = std::chrono::steady_clock::now();
  }
  ResponseComplete();
}

void Session::ResponseComplete() {
  response_done_ = true;
  Finish(status_);
  if (!resp_keep_alive_ || proxy_->accepting_stopped.load()) {
    return req_parser_ && req_parser_->is_done() ? Close() : LingerClose();
  }
  if (watching_) {
    // The watch read, still pending, becomes the wait for the next request.
    next_after_watch_ = true;
    SetDeadline(Deadline::kClient, proxy_->options.client_timeout);
    return;
  }
  NextRequest();
}

void Session::UpstreamFailed(std::string_view reason, int status, std::string detail) {
  DropLease();
  if (response_started_) {
    // Part of the answer went out: the client can only learn of the failure by the close.
    if (proxy_->options.observer) proxy_->options.observer->OnUpstreamError("reset_mid_body");
    Finish(status_);
    return Close();
  }
  if (proxy_->options.observer) proxy_->options.observer->OnUpstreamError(reason);
  const std::string_view title = status == 504   ? "Gateway Timeout"
                                 : status == 503 ? "Service Unavailable"
                                                 : "Bad Gateway";
  http::Response response = http::Problem(status, title, detail, "");
  if (status == 503) response.headers.emplace_back("Retry-After", "1");
  // A request whose body was not read to its end leaves bytes that start no request.
  if (!req_parser_->is_done()) client_keep_alive_ = false;
  SendError(std::move(response));
}

void Session::AnswerHit(CachedResponse hit) {
  status_ = hit.status;
  resp_reason_.clear();
  resp_fields_ = std::move(hit.headers);
  RemoveField(resp_fields_, proxy_->options.request_id_header);
  resp_fields_.emplace_back("X-Modelwatch-Cache", "hit");
  resp_keep_alive_ = client_keep_alive_ && !proxy_->accepting_stopped.load();
  std::optional<uint64_t> length = hit.body.size();
  std::string out = ClientHead(status_, "", resp_fields_, length, false, resp_keep_alive_);
  if (!head_request_) {
    out += hit.body;
    bytes_sent_ = hit.body.size();
  }
  if (route_config_->capture && proxy_->options.capture && proxy_->options.capture_hits) {
    OfferCapture(std::move(hit.body), std::nullopt, true);
  }
  WriteResponsePiece(std::move(out), true);
}

// An answer of the proxy's own (a refusal or an upstream failure): problem+json, the request id.
void Session::SendError(http::Response response) {
  status_ = response.status;
  resp_keep_alive_ = client_keep_alive_ && !proxy_->accepting_stopped.load();
  Fields fields{{"Content-Type", response.content_type}};
  for (auto& h : response.headers) fields.push_back(std::move(h));
  std::string out = ClientHead(status_, "", fields, response.body.size(), false, resp_keep_alive_);
  if (!head_request_) {
    out += response.body;
    bytes_sent_ = response.body.size();
  }
  WriteResponsePiece(std::move(out), true);
}

void Session::Finish(int status) {
  if (!request_active_) return;
  request_active_ = false;
  proxy_->in_flight.fetch_sub(1);
  const auto& options = proxy_->options;
  if (!options.observer && !options.access_log) return;
  RequestRecord record;
  record.method = method_;
  record.target = target_;
  record.endpoint = endpoint_;
  record.status = status;
  record.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  record.response_bytes = bytes_sent_;
  record.cache = cache_outcome_;
  record.request_id = request_id_;
  record.remote_address = remote_address_;
  if (options.observer) options.observer->OnRequestDone(record);
  if (options.access_log) options.access_log(record);
}

// The client went away before its answer: the upstream call is abandoned (its connection closed,
// never reused), the request counts 499, nothing is captured.
void Session::ClientGone() {
  client_gone_ = true;
  DropLease();
  ClearDeadline();
  if (proxy_->options.observer) proxy_->options.observer->OnClientDisconnect();
  Finish(499);
  Close();
}

void Session::DropLease() {
  ++up_gen_;
  if (!lease_) return;
  error_code ignored;
  lease_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  lease_->socket().close(ignored);
  dead_leases_.push_back(std::move(lease_));
}

void Session::Close() {
  closed_ = true;
  if (lease_ && !request_active_) {
    // Between requests the held upstream connection is idle and whole: back to the pool.
    lease_->Release(true);
    lease_.reset();
  }
  error_code ec;
  client_.socket().shutdown(tcp::socket::shutdown_send, ec);
  client_.socket().close(ec);
  ClearDeadline();
  watchdog_.cancel();
}

// After answering a request whose body was not read: half-closes, then reads and drops what the
// client still sends (bounded in bytes and time) so the close does not reset the connection
// before the client read the answer.
void Session::LingerClose() {
  error_code ec;
  client_.socket().shutdown(tcp::socket::shutdown_send, ec);
  SetDeadline(Deadline::kClient, kLinger);
  Drain();
}

void Session::Drain() {
  client_.async_read_some(net::buffer(piece_),
                          [self = shared_from_this()](error_code ec, size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ >= kLingerDrainBytes) return self->Close();
                            self->Drain();
                          });
}

}  // namespace mw::proxy::detail
