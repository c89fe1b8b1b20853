// Boost.Beast HTTP/1.1 server: one strand per connection, N I/O threads on one io_context. Beast
// parses requests (header first, vetted by detail/request_framing.h, then the body); responses
// are written as one string (SerializeResponse says why). The acceptor and its back-off timer live
// on a strand of their own.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/detail/request_framing.h"
#include "http/http.h"

namespace mw::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

struct Server::Impl {
  // Declared before ioc, so they outlive it: destroying ioc destroys the handlers still pending,
  // and with them sessions whose destructors use these.
  ServerOptions options;
  const Router& router;
  std::atomic<bool> stopped{false};
  std::atomic<bool> accepting_stopped{false};
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> refusing{0};   // connections above the cap still being answered 503
  std::atomic<int64_t> in_flight{0};  // requests read whose response is not yet written
  // Open sessions, so StopAccepting can close the idle ones: key = the session, value = a call
  // that does it on the session's strand (holding only a weak reference).
  std::mutex sessions_mu;
  std::unordered_map<const void*, std::function<void()>> idle_closers;

  net::io_context ioc;
  // The acceptor, its back-off timer and accept_backoff are used on this strand only.
  net::strand<net::io_context::executor_type> accept_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_timer;
  std::chrono::milliseconds accept_backoff{0};  // 0 after a successful accept
  // Keeps run() going while no socket operation is pending, e.g. when every open request waits
  // for the store (a pending store callback is no work to Asio) after the acceptor closed.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)),
        router(r),
        ioc(options.threads > 0 ? options.threads : 1),
        accept_strand(net::make_strand(ioc)) {}

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Refuse(tcp::socket socket);
};

namespace {

// The first retry after a failed accept, and the longest wait between two.
constexpr std::chrono::milliseconds kAcceptBackoffMin{5};
constexpr std::chrono::milliseconds kAcceptBackoffMax{1000};
// Answering 503 above the cap: seconds in Retry-After, how long (and how many bytes) a refused
// connection's unread request is drained so that closing it does not reset the connection before
// the client read the answer, and how many refused connections may linger at once (beyond that
// they are closed at once, answer written or not).
constexpr int kRefusalRetryAfterSeconds = 1;
constexpr std::chrono::milliseconds kRefusalLinger{1000};
constexpr size_t kRefusalDrainBytes = 64 * 1024;
constexpr int64_t kMaxRefusing = 256;

// 1xx, 204 and 304 answers carry no body; RFC 9110 8.6: a 1xx or 204 must not send a
// Content-Length either.
bool StatusHasBody(int status) { return !(status / 100 == 1 || status == 204 || status == 304); }

// The bytes of one response. Why not Beast's serializer: an answer here is a status line, a
// handful of headers and a body already held as one string, and Beast's serializer walks those
// as a chain of type-erased buffer views. Side by side under single-event load (docs/benchmarks.md,
// 2026-12-05) one string and one async_write gave ~20 % more requests per second. Framing: always
// HTTP/1.1; Content-Length as StatusHasBody says; "Connection: close" when the connection will not
// be reused; for HEAD the headers a GET would get (Content-Length included, RFC 9110 9.3.2) and no
// body.
std::string SerializeResponse(const Response& response, bool keep_alive, bool head) {
  const auto status = static_cast<unsigned>(response.status);
  const beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  std::string out;
  out.reserve(160 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nServer: modelwatch\r\n";
  if (!response.content_type.empty()) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    // Header values are ours, but one may carry a path segment (Location): a CR or LF must never
    // end the header early.
    for (const std::string* part : {&name, &value}) {
      for (const char c : *part) out += (c == '\r' || c == '\n') ? ' ' : c;
      out += part == &name ? ": " : "\r\n";
    }
  }
  if (StatusHasBody(response.status)) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head && StatusHasBody(response.status)) out += response.body;
  return out;
}

constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server) : stream_(std::move(socket)), server_(server) {
    server_->connections.fetch_add(1);
    if (server_->options.observer) server_->options.observer->OnConnectionOpened();
  }
  ~Session() {
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->idle_closers.erase(this);
    }
    server_->connections.fetch_sub(1);
    if (server_->options.observer) server_->options.observer->OnConnectionClosed();
  }

  void Run() {
    // A connection's peer never changes: one getpeername per connection, not per request.
    beast::error_code addr_ec;
    const auto remote = stream_.socket().remote_endpoint(addr_ec);
    if (!addr_ec) remote_address_ = remote.address().to_string();
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->idle_closers[this] = [weak = weak_from_this()] {
        if (auto self = weak.lock()) {
          net::post(self->stream_.get_executor(), [self] { self->CloseIfIdle(); });
        }
      };
    }
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

 private:
  // On the strand, at shutdown: a connection waiting for a request it has not started to
  // receive is closed (its pending read completes with operation_aborted).
  void CloseIfIdle() {
    if (reading_ && parser_ && !parser_->got_some() && buffer_.size() == 0) Close();
  }

  static bool IsDisconnect(beast::error_code ec) {
    return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == beast::error::timeout ||
           ec == net::error::operation_aborted;
  }

  // Reads the next request's header; the body is read only once the header passed the checks.
  void DoRead() {
    if (server_->accepting_stopped.load()) return Close();  // shutdown began: no next request
    reading_ = true;
    parser_.emplace();
    detail::ConfigureParser(*parser_, server_->options.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(server_->options.request_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (IsDisconnect(ec)) return Close();
    started_ = std::chrono::steady_clock::now();
    const detail::RequestHeader& header = parser_->get().base();
    if (ec) return Refuse(detail::ParseErrorResponse(ec, header, server_->options.max_body_bytes));
    if (auto refusal = detail::CheckHeader(header)) return Refuse(std::move(*refusal));
    request_ = detail::RequestFromHeader(header);
    request_.remote_address = remote_address_;
    keep_alive_ = parser_->keep_alive();
    match_ = server_->router.Find(request_.method, request_.raw_path);
    if (!parser_->is_done() && !ParseBufferedBody()) return;
    if (parser_->is_done()) return OnBody({}, 0);
    if (detail::ExpectsContinue(header)) {
      // The client waits before it sends the body: refuse what would be refused anyway without
      // it, else invite the body.
      if (!match_.route) {
        keep_alive_ = false;
        unread_request_ = true;
        return Dispatch();
      }
      stream_.expires_after(std::chrono::seconds(server_->options.request_timeout_seconds));
      net::async_write(stream_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                       [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                         if (write_ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  // Parses the part of the body that arrived with the header (usually all of it) without another
  // read. False when that refused the request (Refuse ran).
  bool ParseBufferedBody() {
    parser_->eager(true);
    while (!parser_->is_done() && buffer_.size() > 0) {
      beast::error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more || (!ec && used == 0)) return true;
      if (ec) {
        Refuse(
            detail::ParseErrorResponse(ec, parser_->get().base(), server_->options.max_body_bytes));
        return false;
      }
    }
    return true;
  }

  void ReadBody() {
    reading_ = true;
    stream_.expires_after(std::chrono::seconds(server_->options.request_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (IsDisconnect(ec)) return Close();
    if (ec) {
      return Refuse(
          detail::ParseErrorResponse(ec, parser_->get().base(), server_->options.max_body_bytes));
    }
    request_.body = std::move(parser_->get().body());
    Dispatch();
  }

  // A request refused before a handler runs (framing, header checks, limits): the answer closes
  // the connection. The route, when one matches, still labels the metrics.
  void Refuse(Response response) {
    keep_alive_ = false;
    unread_request_ = !parser_->is_done();
    request_ = detail::RequestFromHeader(parser_->get().base());
    request_.remote_address = remote_address_;
    endpoint_ = "unmatched";
    if (!request_.method.empty()) {
      if (const auto m = server_->router.Find(request_.method, request_.raw_path); m.route) {
        endpoint_ = m.route->path_template;
      }
    }
    Begin();
    Send(std::move(response));
  }

  // Counts the request as started (in flight until its answer is written).
  void Begin() {
    server_->in_flight.fetch_add(1);
    if (server_->options.observer) server_->options.observer->OnRequestStart();
  }

  void Dispatch() {
    Begin();
    if (!match_.route) {
      endpoint_ = "unmatched";
      if (match_.path_matched_other_method) {
        return Send(Problem(405, "Method Not Allowed",
                            "method " + request_.method + " is not allowed on this resource",
                            request_.path));
      }
      return Send(Problem(404, "Not Found", "no such resource", request_.path));
    }
    endpoint_ = match_.route->path_template;
    // The responder may run on any thread; it hops back onto this connection's strand.
    auto self = shared_from_this();
    auto responded = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self, responded](Response response) {
      if (responded->exchange(true)) return;  // exactly once
      net::post(self->stream_.get_executor(),
                [self, r = std::move(response)]() mutable { self->Send(std::move(r)); });
    };
    try {
      match_.route->handler(request_, match_.params, respond);
    } catch (const std::exception& e) {
      respond(Problem(500, "Internal Server Error", e.what(), request_.path));
    }
  }

  void Send(Response response) {
    if (response.render) {
      auto render = std::move(response.render);
      render(response);
    }
    const bool head = request_.method == "HEAD";
    body_bytes_ = head || !StatusHasBody(response.status) ? 0 : response.body.size();
    // Once shutdown began, every response closes its connection, so keep-alive clients go
    // elsewhere instead of sending more requests here.
    if (server_->accepting_stopped.load()) keep_alive_ = false;
    status_ = response.status;
    // One write at a time per connection, and the handler holds the session: the buffer can be
    // a member.
    write_buffer_ = SerializeResponse(response, keep_alive_, head);
    stream_.expires_after(std::chrono::seconds(server_->options.request_timeout_seconds));
    net::async_write(stream_, net::buffer(write_buffer_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                       self->OnWrite(ec, bytes);
                     });
  }

  void OnWrite(beast::error_code ec, std::size_t /*bytes incl. status line and headers*/) {
    server_->in_flight.fetch_sub(1);
    if (server_->options.observer) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      server_->options.observer->OnRequestDone(request_, endpoint_, status_, seconds, body_bytes_);
    }
    if (!ec && unread_request_) return LingerClose();
    if (ec || !keep_alive_ || server_->stopped.load() || server_->accepting_stopped.load()) {
      return Close();
    }
    DoRead();
  }

  // After answering a request whose body was not read: half-closes, then reads and drops what
  // the client still sends (at most kRefusalDrainBytes, for at most kRefusalLinger) before
  // closing, so the close does not reset the connection before the client read the answer.
  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kRefusalLinger);
    DrainUnread();
  }

  void DrainUnread() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ >= kRefusalDrainBytes) return self->Close();
                              self->DrainUnread();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  Server::Impl* server_;
  Request request_;
  Router::Match match_;         // the route of request_ (set once its header passed the checks)
  std::string remote_address_;  // empty if the peer could not be read
  std::string write_buffer_;    // the response being written (Send)
  std::string endpoint_;
  int status_ = 0;
  size_t body_bytes_ = 0;
  bool keep_alive_ = true;
  bool reading_ = false;         // a read of the next request is pending
  bool unread_request_ = false;  // answered before the whole request was read: linger, close
  size_t drained_ = 0;           // bytes dropped by LingerClose
  std::chrono::steady_clock::time_point started_;
};

// A connection above max_connections: writes the 503, half-closes, and drains what the client
// sent (for at most kRefusalLinger) so the close does not reset the connection under the answer.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, Server::Impl* server, std::string bytes)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        server_(server),
        bytes_(std::move(bytes)) {
    server_->refusing.fetch_add(1);
  }
  ~Refusal() { server_->refusing.fetch_sub(1); }

  void Run() {
    timer_.expires_after(kRefusalLinger);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Close();
    });
    net::async_write(socket_, net::buffer(bytes_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       beast::error_code ignored;
                       self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                       self->Drain();
                     });
  }

 private:
  void Drain() {
    socket_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ >= kRefusalDrainBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  Server::Impl* server_;
  std::string bytes_;
  char drain_[4096];
  size_t drained_ = 0;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

// On accept_strand.
void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopped.load() || accepting_stopped.load() || !acceptor->is_open()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // EMFILE, ENFILE, ENOBUFS, ...: accepting again at once would fail again at once (and spin a
    // core); wait, doubling the wait up to kAcceptBackoffMax.
    accept_backoff = accept_backoff.count() == 0 ? kAcceptBackoffMin
                                                 : std::min(accept_backoff * 2, kAcceptBackoffMax);
    if (options.observer) options.observer->OnAcceptError(ec.message(), accept_backoff);
    accept_timer->expires_after(accept_backoff);
    accept_timer->async_wait([this](beast::error_code timer_ec) {
      if (timer_ec || stopped.load() || accepting_stopped.load() || !acceptor->is_open()) return;
      Accept();
    });
    return;
  }
  accept_backoff = std::chrono::milliseconds(0);
  if (connections.load() >= options.max_connections) {
    Refuse(std::move(socket));
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(socket), this)->Run();
  }
  Accept();
}

void Server::Impl::Refuse(tcp::socket socket) {
  if (options.observer) options.observer->OnConnectionRejected("max_connections");
  if (refusing.load() >= kMaxRefusing) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  Response response =
      Problem(503, "Service Unavailable",
              "the server is at its limit of " + std::to_string(options.max_connections) +
                  " connections (server.max_connections); retry later",
              "");
  response.headers.emplace_back("Retry-After", std::to_string(kRefusalRetryAfterSeconds));
  std::make_shared<Refusal>(std::move(socket), this,
                            SerializeResponse(response, /*keep_alive=*/false, /*head=*/false))
      ->Run();
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { Stop(); }

bool Server::Start(std::string* error) {
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) {
    *error = "invalid listen address '" + impl_->options.host + "': " + ec.message();
    return false;
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acc = impl_->acceptor.emplace(impl_->accept_strand);
  if (acc.open(endpoint.protocol(), ec); !ec)
    acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
             ": " + ec.message();
    impl_->acceptor.reset();
    return false;
  }
  impl_->accept_timer.emplace(impl_->accept_strand);
  impl_->bound_port = acc.local_endpoint().port();
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->Accept();
  const int n = impl_->options.threads > 0 ? impl_->options.threads
                                           : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return true;
}

uint16_t Server::port() const { return impl_->bound_port; }

int64_t Server::connections_open() const { return impl_->connections.load(); }

void Server::StopAccepting() {
  if (impl_->accepting_stopped.exchange(true)) return;
  std::promise<void> closed;
  net::post(impl_->accept_strand, [this, &closed] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    if (impl_->accept_timer) impl_->accept_timer->cancel();
    closed.set_value();
  });
  if (!impl_->threads.empty()) closed.get_future().wait();
  // After accepting_stopped is set, a session that finishes a response closes instead of reading
  // again (DoRead); the ones already waiting are closed here if nothing of a request arrived.
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(impl_->sessions_mu);
    for (const auto& [session, close] : impl_->idle_closers) closers.push_back(close);
  }
  for (const auto& close : closers) close();
}

bool Server::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight.load() > 0 || impl_->connections.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // shutdown only, bounded
  }
  return true;
}

void Server::Stop() {
  StopAccepting();
  if (impl_->stopped.exchange(true)) return;
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace mw::http
