// The client's side of a proxy session: the request's header and its checks, routing, the body
// (kept or streamed), the cache lookup, and writing the request upstream (detail/session.h).
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>

#include "http/framing.h"
#include "proxy/capture/sample.h"
#include "proxy/detail/session.h"

namespace mw::proxy::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsClientDisconnect(boost::system::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::broken_pipe;
}

// A line of the head that starts with a space or tab continues the previous one (obs-fold, RFC
// 9112 5.2): refused, as a proxy must not forward it and unfolding changes what the client meant.
bool HasObsFold(std::string_view head) {
  for (size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    if (at + 2 < head.size() && (head[at + 2] == ' ' || head[at + 2] == '\t')) return true;
  }
  return false;
}

std::string LowerName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Session::Session(tcp::socket socket, Proxy::Impl* proxy, UpstreamPool* pool)
    : client_(std::move(socket)),
      proxy_(proxy),
      pool_(pool),
      connection_(*proxy->acceptor),
      watchdog_(client_.get_executor()) {
  if (proxy_->options.observer) proxy_->options.observer->OnConnectionOpened();
}

Session::~Session() {
  if (request_active_) Finish(499);
  if (proxy_->options.observer) proxy_->options.observer->OnConnectionClosed();
}

void Session::Run() {
  error_code ec;
  const auto remote = client_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = remote.address().to_string();
  connection_.SetIdleCloser([weak = weak_from_this()] {
    if (auto self = weak.lock())
      net::post(self->client_.get_executor(), [self] { self->CloseIfIdle(); });
  });
  net::dispatch(client_.get_executor(), [self = shared_from_this()] { self->NextRequest(); });
}

void Session::CloseIfIdle() {
  const bool waiting = reading_head_ || (watching_ && next_after_watch_);
  if (waiting && client_buf_.size() == 0) Close();
}

void Session::NextRequest() {
  if (proxy_->accepting_stopped.load() || proxy_->stopped.load()) return Close();
  // The upstream connection is kept between requests of this client (no pool lock per request)
  // unless it sat idle for longer than the upstream's keep-alive is trusted.
  if (lease_ && std::chrono::steady_clock::now() - lease_idle_since_ >
                    proxy_->options.upstream_idle_timeout) {
    lease_.reset();
  }
  req_parser_.emplace();
  req_parser_->header_limit(http::kHeaderLimitBytes);
  req_parser_->body_limit(static_cast<uint64_t>(proxy_->options.max_body_bytes));
  resp_parser_.reset();
  route_config_ = nullptr;
  endpoint_ = "unmatched";
  method_.clear();
  target_.clear();
  request_id_.clear();
  original_host_.clear();
  params_.clear();
  req_fields_.clear();
  capture_fields_.clear();
  req_body_.clear();
  resp_body_.clear();
  resp_fields_.clear();
  req_streamed_ = req_chunked_ = opted_out_ = head_request_ = false;
  resp_streamed_ = resp_chunked_out_ = response_started_ = response_done_ = false;
  got_response_byte_ = up_timed_out_ = retried_ = false;
  cache_outcome_ = CacheOutcome::kNone;
  cache_key_.reset();
  bytes_sent_ = 0;
  status_ = 0;
  ReadHead();
}

// Reads until the buffer holds a whole head (request line and fields): the raw bytes are checked
// for obs-fold before Beast, which would unfold it silently, parses them.
void Session::ReadHead() {
  const std::string_view data(static_cast<const char*>(client_buf_.data().data()),
                              client_buf_.size());
  if (data.find("\r\n\r\n") != std::string_view::npos) return OnHead();
  if (data.size() > http::kHeaderLimitBytes) {
    started_ = std::chrono::steady_clock::now();
    return Refuse(http::ParseErrorResponse(bhttp::error::header_limit, req_parser_->get().base(),
                                           static_cast<int64_t>(proxy_->options.max_body_bytes),
                                           "proxy.max_body_bytes"));
  }
  reading_head_ = true;
  SetDeadline(Deadline::kClient, proxy_->options.client_timeout);
  client_.async_read_some(
      client_buf_.prepare(kPieceBytes), [self = shared_from_this()](error_code ec, size_t n) {
        self->reading_head_ = false;
        self->client_buf_.commit(n);
        if (ec) return self->Close();  // EOF, reset, timeout, shutdown: nothing to answer
        self->ReadHead();
      });
}

void Session::OnHead() {
  started_ = std::chrono::steady_clock::now();
  received_at_ms_ = proxy_->NowMillis();
  const int64_t max_body = static_cast<int64_t>(proxy_->options.max_body_bytes);
  const std::string_view data(static_cast<const char*>(client_buf_.data().data()),
                              client_buf_.size());
  const bool obs_fold = HasObsFold(data.substr(0, data.find("\r\n\r\n") + 2));
  error_code ec;
  const size_t used = req_parser_->put(client_buf_.data(), ec);
  if (!ec && !req_parser_->is_header_done()) ec = bhttp::error::need_more;
  const http::RequestHeader& header = req_parser_->get().base();
  if (ec) return Refuse(http::ParseErrorResponse(ec, header, max_body, "proxy.max_body_bytes"));
  client_buf_.consume(used);
  if (obs_fold) {
    return Refuse(http::Problem(400, "Bad Request",
                                "a header field is folded over two lines (obs-fold): send each "
                                "field on one line",
                                ""));
  }
  if (auto refusal = http::CheckHeader(header)) return Refuse(std::move(*refusal));
  if (!Route(header)) return;
  if (req_parser_->is_done()) return RequestBodyDone();
  if (http::ExpectsContinue(header)) {
    SetDeadline(Deadline::kClient, proxy_->options.client_timeout);
    net::async_write(client_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](error_code wec, size_t) {
                       if (wec) return self->Close();
                       self->ReadRequestBody();
                     });
    return;
  }
  ReadRequestBody();
}

// Method, target, fields, route and request id of a header that passed the checks. False when
// the request was refused (Refuse ran).
bool Session::Route(const http::RequestHeader& header) {
  method_ = std::string(header.method_string());
  target_ = std::string(header.target());
  client_version_ = header.version();
  client_keep_alive_ = req_parser_->keep_alive();
  head_request_ = method_ == "HEAD";
  req_chunked_ = req_parser_->chunked();
  request_active_ = true;
  proxy_->in_flight.fetch_add(1);
  if (proxy_->options.observer) proxy_->options.observer->OnRequestStart();
  if (method_ == "CONNECT") {
    Refuse(http::Problem(405, "Method Not Allowed", "CONNECT is not supported by the proxy", ""));
    return false;
  }
  if (target_.empty() || (target_[0] != '/' && !(target_ == "*" && method_ == "OPTIONS"))) {
    Refuse(http::Problem(400, "Bad Request",
                         "the request target must be a path (origin-form, \"/...\"): absolute and "
                         "authority forms are not proxied",
                         ""));
    return false;
  }
  Fields fields;
  for (const auto& f : header) {
    fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  const std::string* host = FindField(fields, "host");
  original_host_ = host ? *host : "";
  const std::string* incoming_id = FindField(fields, proxy_->options.request_id_header);
  request_id_ = RequestIdOrNew(incoming_id ? *incoming_id : "", received_at_ms_);
  opted_out_ = CaptureOptedOut(fields);
  if (const uint64_t version = proxy_->routes_version.load(std::memory_order_acquire);
      version != routes_version_) {
    routes_ = proxy_->routes();
    routes_version_ = version;
  }
  if (routes_) {
    const std::string_view path = std::string_view(target_).substr(0, target_.find('?'));
    if (auto match = routes_->table.Find(method_, path)) {
      endpoint_ = std::string(match->endpoint);
      params_ = std::move(match->params);
      if (match->index < routes_->configs.size()) route_config_ = &routes_->configs[match->index];
    }
  }
  if (route_config_ && route_config_->capture) {
    for (const auto& [name, value] : fields) capture_fields_.emplace_back(LowerName(name), value);
  }
  StripHopByHop(fields, {proxy_->options.request_id_header});
  AddForwarded(fields, remote_address_, original_host_, proxy_->options.trust_forwarded_headers);
  req_fields_ = std::move(fields);
  return true;
}

void Session::ReadRequestBody() {
  auto& body = req_parser_->get().body();
  body.data = piece_.data();
  body.size = piece_.size();
  SetDeadline(Deadline::kClient, proxy_->options.client_timeout);
  bhttp::async_read_some(
      client_, client_buf_, *req_parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnRequestPiece(ec); });
}

void Session::OnRequestPiece(error_code ec) {
  if (ec == bhttp::error::need_buffer) ec = {};
  const size_t got = piece_.size() - req_parser_->get().body().size;
  if (ec) {
    if (IsClientDisconnect(ec)) {
      if (req_streamed_) DropLease();
      return ClientGone();
    }
    if (req_streamed_) {
      // Part of the body already went upstream: that request cannot be completed.
      DropLease();
      if (response_started_) return Close();
    }
    return Refuse(http::ParseErrorResponse(ec, req_parser_->get().base(),
                                           static_cast<int64_t>(proxy_->options.max_body_bytes),
                                           "proxy.max_body_bytes"));
  }
  if (req_streamed_) {
    // Relay the piece (framed as a chunk when the length is unknown), then read on.
    std::string out;
    if (got > 0) {
      if (req_chunked_) {
        char size_line[32];
        const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", got);
        out.append(size_line, static_cast<size_t>(len));
      }
      out.append(piece_.data(), got);
      if (req_chunked_) out += "\r\n";
    }
    const bool last = req_parser_->is_done();
    if (last && req_chunked_) out += "0\r\n\r\n";
    up_write_buf_ = std::move(out);
    net::async_write(
        lease_->socket(), net::buffer(up_write_buf_),
        net::bind_executor(client_.get_executor(), [self = shared_from_this(), last, gen = up_gen_](
                                                       error_code wec, size_t) {
          if (gen == self->up_gen_) self->OnRequestWritten(wec, last);
        }));
    return;
  }
  req_body_.append(piece_.data(), got);
  if (req_body_.size() > proxy_->options.max_capture_bytes && !req_parser_->is_done()) {
    // Too large to keep: from here the body passes through, uncaptured and uncached.
    req_streamed_ = true;
    if (proxy_->options.observer) proxy_->options.observer->OnUncaptured("request_too_large");
    if (route_config_ && route_config_->cache && proxy_->options.cache_metrics) {
      proxy_->options.cache_metrics->Bypassed(kBypassBodyTooLarge);
    }
    return Forward();
  }
  if (req_parser_->is_done()) return RequestBodyDone();
  ReadRequestBody();
}

void Session::RequestBodyDone() {
  if (route_config_ && route_config_->cache && proxy_->options.cache) return LookupCache();
  Forward();
}

void Session::LookupCache() {
  ClearDeadline();
  const auto& options = proxy_->options;
  std::vector<std::string> vary;
  for (const auto& name : options.cache_vary_headers) {
    std::string joined;
    for (const auto& f : req_parser_->get().base()) {
      if (!FieldNameEquals(std::string_view(f.name_string().data(), f.name_string().size()),
                           name)) {
        continue;
      }
      if (!joined.empty()) joined += ", ";
      joined += std::string(f.value());
    }
    vary.push_back(std::move(joined));
  }
  auto key = MakeCacheKey(method_, target_, vary, req_body_, route_config_->cache->key,
                          options.max_cache_key_bytes);
  if (!key.has_value()) {
    cache_outcome_ = CacheOutcome::kBypassed;
    if (options.cache_metrics) {
      options.cache_metrics->Bypassed(key.status().code() == StatusCode::kResourceExhausted
                                          ? kBypassKeyTooLarge
                                          : kBypassInvalidBody);
    }
    return Forward();
  }
  cache_key_ = std::move(key).value();
  options.cache->Lookup(*cache_key_, [self = shared_from_this()](std::optional<CachedResponse> hit,
                                                                 LookupOutcome outcome) {
    net::dispatch(self->client_.get_executor(), [self, hit = std::move(hit), outcome]() mutable {
      CacheMetrics* metrics = self->proxy_->options.cache_metrics;
      if (outcome == LookupOutcome::kHit && hit) {
        self->cache_outcome_ = CacheOutcome::kHit;
        if (metrics) metrics->Hit();
        return self->AnswerHit(std::move(*hit));
      }
      if (outcome == LookupOutcome::kMiss) {
        self->cache_outcome_ = CacheOutcome::kMiss;
        if (metrics) metrics->Miss();
      } else {
        self->cache_outcome_ = CacheOutcome::kBypassed;
        self->cache_key_.reset();
      }
      self->Forward();
    });
  });
}

// Gets the upstream connection (the one this session holds, or one from the pool), then writes
// the request.
void Session::Forward() {
  ClearDeadline();  // the upstream's timeouts apply from here
  WatchClient();    // not for a streamed request: its body is still being read
  dead_leases_.clear();
  if (lease_) return OnLease(AcquireError::kNone, "", std::move(lease_));
  pool_->Acquire(client_.get_executor(),
                 [self = shared_from_this()](AcquireError error, std::string detail,
                                             std::unique_ptr<Lease> lease) {
                   self->OnLease(error, std::move(detail), std::move(lease));
                 });
}

void Session::OnLease(AcquireError error, std::string detail, std::unique_ptr<Lease> lease) {
  if (client_gone_ || !request_active_) return;  // ClientGone answered already
  if (error != AcquireError::kNone) {
    if (error == AcquireError::kPoolExhausted) return UpstreamFailed("pool_exhausted", 503, detail);
    return UpstreamFailed(AcquireErrorReason(error), 502,
                          "upstream " + proxy_->options.upstream + " unreachable: " + detail);
  }
  lease_ = std::move(lease);
  upstream_started_ = std::chrono::steady_clock::now();
  up_buf_.clear();
  if (req_streamed_) {
    // Head and the kept bytes first, then the rest piece by piece (OnRequestPiece).
    std::string out = UpstreamHead(req_chunked_);
    if (req_chunked_) {
      char size_line[32];
      const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", req_body_.size());
      out.append(size_line, static_cast<size_t>(len));
      out += req_body_;
      out += "\r\n";
    } else {
      out += req_body_;
    }
    req_body_.clear();
    up_write_buf_ = std::move(out);
    net::async_write(
        lease_->socket(), net::buffer(up_write_buf_),
        net::bind_executor(client_.get_executor(),
                           [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
                             if (gen == self->up_gen_) self->OnRequestWritten(ec, false);
                           }));
    return;
  }
  WriteBufferedRequest();
}

// The head sent upstream: request line, the client's fields minus hop-by-hop, Host, the
// forwarded fields, the request id, and the proxy's own framing.
std::string Session::UpstreamHead(bool chunked) const {
  std::string out;
  out.reserve(256 + target_.size());
  out += method_;
  out += ' ';
  out += target_;
  out += " HTTP/1.1\r\nHost: ";
  out += proxy_->options.preserve_host && !original_host_.empty() ? original_host_
                                                                  : proxy_->upstream_authority;
  out += "\r\n";
  AppendFields(out, req_fields_);
  out += proxy_->options.request_id_header;
  out += ": ";
  out += request_id_;
  out += "\r\n";
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (req_streamed_) {
    out += "Content-Length: " + std::to_string(req_parser_->content_length().value_or(0)) + "\r\n";
  } else if (!req_body_.empty() || req_parser_->content_length().has_value() || req_chunked_) {
    out += "Content-Length: " + std::to_string(req_body_.size()) + "\r\n";
  }
  out += "\r\n";
  return out;
}

void Session::WriteBufferedRequest() {
  up_write_buf_ = UpstreamHead(false);
  up_write_buf_ += req_body_;
  net::async_write(
      lease_->socket(), net::buffer(up_write_buf_),
      net::bind_executor(client_.get_executor(),
                         [self = shared_from_this(), gen = up_gen_](error_code ec, size_t) {
                           if (gen == self->up_gen_) self->OnRequestWritten(ec, true);
                         }));
}

void Session::OnRequestWritten(error_code ec, bool last) {
  if (client_gone_ || !request_active_) return;
  if (ec) {
    // A kept request on a reused connection the upstream closed while idle: once more, fresh.
    if (!req_streamed_ && lease_ && lease_->reused() && !retried_) {
      retried_ = true;
      DropLease();
      return Forward();
    }
    DropLease();
    return UpstreamFailed(
        "reset", 502,
        "upstream " + proxy_->options.upstream + " closed the connection: " + ec.message());
  }
  if (!last) return ReadRequestBody();
  AwaitResponse();
}

// A request refused before it was forwarded: answered, and the connection closed (the bytes after
// a refused head cannot be trusted to start a request).
void Session::Refuse(http::Response response) {
  if (!request_active_) {
    request_active_ = true;
    proxy_->in_flight.fetch_add(1);
    if (proxy_->options.observer) proxy_->options.observer->OnRequestStart();
    if (method_.empty()) method_ = std::string(req_parser_->get().base().method_string());
  }
  if (request_id_.empty()) request_id_ = RequestIdOrNew("", proxy_->NowMillis());
  client_keep_alive_ = false;
  SendError(std::move(response));
}

}  // namespace mw::proxy::detail
