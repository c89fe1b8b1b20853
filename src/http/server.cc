// Boost.Beast HTTP/1.1 server: one strand per connection, N I/O threads on one io_context. Beast
// parses requests (header first, vetted by detail/request_framing.h, then the body); responses
// are written as one string (SerializeResponse says why). Accepting, the max_connections refusal
// and the idle-closing at shutdown are http::Acceptor's (acceptor.h), shared with the proxy.
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

#include "http/acceptor.h"
#include "http/detail/request_framing.h"
#include "http/framing.h"
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
  std::atomic<int64_t> in_flight{0};  // requests read whose response is not yet written

  net::io_context ioc;
  // After ioc (destroyed before it): it holds the listening socket. Sessions count themselves in
  // it through an Acceptor::Connection, which outlives it safely.
  std::optional<Acceptor> acceptor;
  // Keeps run() going while no socket operation is pending, e.g. when every open request waits
  // for the store (a pending store callback is no work to Asio) after the acceptor closed.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)), router(r), ioc(options.threads > 0 ? options.threads : 1) {}
};

namespace {

// A request answered before its body was read: how long (and how many bytes) the rest is drained
// so that closing the connection does not reset it before the client read the answer.
constexpr std::chrono::milliseconds kRefusalLinger{1000};
constexpr size_t kRefusalDrainBytes = 64 * 1024;

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
  Session(tcp::socket socket, Server::Impl* server)
      : stream_(std::move(socket)), server_(server), connection_(*server->acceptor) {
    if (server_->options.observer) server_->options.observer->OnConnectionOpened();
  }
  ~Session() {
    if (server_->options.observer) server_->options.observer->OnConnectionClosed();
  }

  void Run() {
    // A connection's peer never changes: one getpeername per connection, not per request.
    beast::error_code addr_ec;
    const auto remote = stream_.socket().remote_endpoint(addr_ec);
    if (!addr_ec) remote_address_ = remote.address().to_string();
    connection_.SetIdleCloser([weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        net::post(self->stream_.get_executor(), [self] { self->CloseIfIdle(); });
      }
    });
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
    const RequestHeader& header = parser_->get().base();
    if (ec) return Refuse(ParseErrorResponse(ec, header, server_->options.max_body_bytes));
    if (auto refusal = CheckHeader(header)) return Refuse(std::move(*refusal));
    request_ = detail::RequestFromHeader(header);
    request_.remote_address = remote_address_;
    keep_alive_ = parser_->keep_alive();
    match_ = server_->router.Find(request_.method, request_.raw_path);
    if (!parser_->is_done() && !ParseBufferedBody()) return;
    if (parser_->is_done()) return OnBody({}, 0);
    if (ExpectsContinue(header)) {
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
        Refuse(ParseErrorResponse(ec, parser_->get().base(), server_->options.max_body_bytes));
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
      return Refuse(ParseErrorResponse(ec, parser_->get().base(), server_->options.max_body_bytes));
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
  Acceptor::Connection connection_;
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

}  // namespace

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { Stop(); }

bool Server::Start(std::string* error) {
  ServerObserver* observer = impl_->options.observer;
  AcceptorHooks hooks;
  hooks.accepted = [impl = impl_.get()](tcp::socket socket) {
    std::make_shared<Session>(std::move(socket), impl)->Run();
  };
  if (observer) {
    hooks.rejected = [observer](std::string_view reason) {
      observer->OnConnectionRejected(reason);
    };
    hooks.accept_error = [observer](std::string_view e, std::chrono::milliseconds retry_in) {
      observer->OnAcceptError(e, retry_in);
    };
  }
  auto& acceptor = impl_->acceptor.emplace(
      impl_->ioc,
      AcceptorOptions{impl_->options.host, impl_->options.port, impl_->options.max_connections,
                      "server.max_connections"},
      std::move(hooks));
  if (!acceptor.Listen(error)) {
    impl_->acceptor.reset();
    return false;
  }
  impl_->work.emplace(impl_->ioc.get_executor());
  const int n = impl_->options.threads > 0 ? impl_->options.threads
                                           : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return true;
}

uint16_t Server::port() const { return impl_->acceptor ? impl_->acceptor->port() : 0; }

int64_t Server::connections_open() const {
  return impl_->acceptor ? impl_->acceptor->connections_open() : 0;
}

void Server::StopAccepting() {
  if (impl_->accepting_stopped.exchange(true)) return;
  // After accepting_stopped is set, a session that finishes a response closes instead of reading
  // again (DoRead); the acceptor closes the ones already waiting if nothing of a request arrived.
  if (impl_->acceptor) impl_->acceptor->StopAccepting();
}

bool Server::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight.load() > 0 || connections_open() > 0) {
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
