// Boost.Beast HTTP/1.1 server: one strand per connection, N I/O threads on one io_context. Beast
// parses requests; responses are written as one string (SerializeResponse says why).
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
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

#include "http/http.h"

namespace mw::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding (and '+' as space in query strings). Invalid escapes are kept literally.
std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && in[i] == '+') ? ' ' : in[i];
  }
  return out;
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

}  // namespace

std::string_view Request::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

const std::string* Request::query_param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

std::string Request::media_type() const {
  std::string_view ct = header("content-type");
  const size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string out(ct);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  // Keeps run() going while no socket operation is pending, e.g. when every open request waits
  // for the store (a pending store callback is no work to Asio) after the acceptor closed.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};
  std::atomic<bool> accepting_stopped{false};
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> in_flight{0};  // requests read whose response is not yet written
  uint16_t bound_port = 0;
  // Open sessions, so StopAccepting can close the idle ones: key = the session, value = a call
  // that does it on the session's strand (holding only a weak reference).
  std::mutex sessions_mu;
  std::unordered_map<const void*, std::function<void()>> idle_closers;

  Impl(ServerOptions o, const Router& r)
      : options(std::move(o)), router(r), ioc(options.threads > 0 ? options.threads : 1) {}

  void Accept();
};

namespace {

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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server) : stream_(std::move(socket)), server_(server) {
    server_->connections.fetch_add(1);
  }
  ~Session() {
    {
      std::lock_guard lock(server_->sessions_mu);
      server_->idle_closers.erase(this);
    }
    server_->connections.fetch_sub(1);
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

  void DoRead() {
    if (server_->accepting_stopped.load()) return Close();  // shutdown began: no next request
    reading_ = true;
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(server_->options.max_body_bytes));
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(server_->options.request_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return Close();
    }
    started_ = std::chrono::steady_clock::now();
    server_->in_flight.fetch_add(1);
    if (server_->options.observer) server_->options.observer->OnRequestStart();
    request_ = Request();
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      const auto& header = parser_->get();
      request_.method = std::string(header.method_string());
      request_.target = std::string(header.target());
      request_.path = request_.target.substr(0, request_.target.find('?'));
      endpoint_ = "unmatched";
      if (const auto m = server_->router.Find(request_.method, request_.path); m.route) {
        endpoint_ = m.route->path_template;
      }
      return Send(Problem(413, "Payload Too Large",
                          "request body exceeds the limit of " +
                              std::to_string(server_->options.max_body_bytes) + " bytes",
                          request_.path));
    }
    if (ec) {
      keep_alive_ = false;
      endpoint_ = "unmatched";
      return Send(Problem(400, "Bad Request", "malformed HTTP request: " + ec.message(), ""));
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    request_.method = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    const size_t q = request_.target.find('?');
    request_.path = PercentDecode(std::string_view(request_.target).substr(0, q), false);
    if (q != std::string::npos)
      ParseQuery(std::string_view(request_.target).substr(q + 1), &request_.query);
    for (const auto& field : msg.base()) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request_.headers[std::move(name)] = std::string(field.value());
    }
    request_.body = std::move(msg.body());
    request_.remote_address = remote_address_;

    const auto match = server_->router.Find(request_.method, request_.path);
    if (!match.route) {
      endpoint_ = "unmatched";
      if (match.path_matched_other_method) {
        return Send(Problem(405, "Method Not Allowed",
                            "method " + request_.method + " is not allowed on this resource",
                            request_.path));
      }
      return Send(Problem(404, "Not Found", "no such resource", request_.path));
    }
    endpoint_ = match.route->path_template;
    // The responder may run on any thread; it hops back onto this connection's strand.
    auto self = shared_from_this();
    auto responded = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self, responded](Response response) {
      if (responded->exchange(true)) return;  // exactly once
      net::post(self->stream_.get_executor(),
                [self, r = std::move(response)]() mutable { self->Send(std::move(r)); });
    };
    try {
      match.route->handler(request_, match.params, respond);
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
    if (ec || !keep_alive_ || server_->stopped.load() || server_->accepting_stopped.load()) {
      return Close();
    }
    DoRead();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl* server_;
  Request request_;
  std::string remote_address_;  // empty if the peer could not be read
  std::string write_buffer_;    // the response being written (Send)
  std::string endpoint_;
  int status_ = 0;
  size_t body_bytes_ = 0;
  bool keep_alive_ = true;
  bool reading_ = false;  // a read of the next request is pending
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopped.load() || accepting_stopped.load() || !acceptor->is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), this)->Run();
    }
    Accept();
  });
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
  auto& acc = impl_->acceptor.emplace(impl_->ioc);
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
  net::post(impl_->ioc, [this, &closed] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
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
