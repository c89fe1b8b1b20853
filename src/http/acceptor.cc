#include "http/acceptor.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/http.h"

namespace mw::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace detail {

struct AcceptorShared {
  std::atomic<bool> accepting_stopped{false};
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> refusing{0};  // refused connections still being answered 503
  std::mutex mu;
  std::unordered_map<const void*, std::function<void()>> idle_closers;  // key: the Connection
};

}  // namespace detail

namespace {

// The first retry after a failed accept, and the longest wait between two.
constexpr std::chrono::milliseconds kAcceptorBackoffMin{5};
constexpr std::chrono::milliseconds kAcceptorBackoffMax{1000};
// Answering 503 above the cap: seconds in Retry-After, how long (and how many bytes) a refused
// connection's unread request is drained, how many refused connections may linger at once.
constexpr int kAcceptorRetryAfterSeconds = 1;
constexpr std::chrono::milliseconds kAcceptorRefusalLinger{1000};
constexpr size_t kAcceptorDrainBytes = 64 * 1024;
constexpr int64_t kAcceptorMaxRefusing = 256;

// The 503's bytes, framed as the API server frames its answers (server.cc SerializeResponse).
std::string RefusalBytes(const AcceptorOptions& options) {
  const Response r =
      Problem(503, "Service Unavailable",
              "the server is at its limit of " + std::to_string(options.max_connections) +
                  " connections (" + options.max_connections_key + "); retry later",
              "");
  std::string out = "HTTP/1.1 503 Service Unavailable\r\nServer: modelwatch\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nRetry-After: " + std::to_string(kAcceptorRetryAfterSeconds);
  out += "\r\nContent-Length: " + std::to_string(r.body.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += r.body;
  return out;
}

// A connection above the cap: writes the 503, half-closes, and drains what the client sent (for
// at most kAcceptorRefusalLinger) so the close does not reset the connection under the answer.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, std::shared_ptr<detail::AcceptorShared> shared, std::string bytes)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        shared_(std::move(shared)),
        bytes_(std::move(bytes)) {
    shared_->refusing.fetch_add(1);
  }
  ~Refusal() { shared_->refusing.fetch_sub(1); }

  void Run() {
    timer_.expires_after(kAcceptorRefusalLinger);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->Close();
    });
    net::async_write(socket_, net::buffer(bytes_),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       error_code ignored;
                       self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                       self->Drain();
                     });
  }

 private:
  void Drain() {
    socket_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ >= kAcceptorDrainBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  std::shared_ptr<detail::AcceptorShared> shared_;
  std::string bytes_;
  char drain_[4096];
  size_t drained_ = 0;
};

}  // namespace

struct Acceptor::Io {
  explicit Io(net::io_context& ioc)
      : strand(net::make_strand(ioc)), acceptor(strand), timer(strand) {}
  // The acceptor, its back-off timer and backoff are used on this strand only.
  net::strand<net::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  net::steady_timer timer;
  std::chrono::milliseconds backoff{0};  // 0 after a successful accept
};

Acceptor::Acceptor(net::io_context& ioc, AcceptorOptions options, AcceptorHooks hooks)
    : ioc_(ioc),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      shared_(std::make_shared<detail::AcceptorShared>()),
      io_(std::make_unique<Io>(ioc)) {}

Acceptor::~Acceptor() = default;

bool Acceptor::Listen(std::string* error) {
  error_code ec;
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec) {
    *error = "invalid listen address '" + options_.host + "': " + ec.message();
    return false;
  }
  tcp::endpoint endpoint(address, options_.port);
  auto& acc = io_->acceptor;
  if (acc.open(endpoint.protocol(), ec); !ec) {
    acc.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
             ec.message();
    error_code ignored;
    acc.close(ignored);
    return false;
  }
  bound_port_ = acc.local_endpoint().port();
  listening_ = true;
  net::post(io_->strand, [this] { Accept(); });
  return true;
}

void Acceptor::Accept() {
  const net::any_io_executor executor = hooks_.socket_executor
                                            ? hooks_.socket_executor()
                                            : net::any_io_executor(net::make_strand(ioc_));
  io_->acceptor.async_accept(
      executor, [this](error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

// On the strand.
void Acceptor::OnAccept(error_code ec, tcp::socket socket) {
  if (shared_->accepting_stopped.load() || !io_->acceptor.is_open()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    io_->backoff = io_->backoff.count() == 0 ? kAcceptorBackoffMin
                                             : std::min(io_->backoff * 2, kAcceptorBackoffMax);
    if (hooks_.accept_error) hooks_.accept_error(ec.message(), io_->backoff);
    io_->timer.expires_after(io_->backoff);
    io_->timer.async_wait([this](error_code timer_ec) {
      if (timer_ec || shared_->accepting_stopped.load() || !io_->acceptor.is_open()) return;
      Accept();
    });
    return;
  }
  io_->backoff = std::chrono::milliseconds(0);
  if (shared_->connections.load() >= options_.max_connections) {
    Refuse(std::move(socket));
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    hooks_.accepted(std::move(socket));
  }
  Accept();
}

void Acceptor::Refuse(tcp::socket socket) {
  if (hooks_.rejected) hooks_.rejected("max_connections");
  if (shared_->refusing.load() >= kAcceptorMaxRefusing) {
    error_code ignored;
    socket.close(ignored);
    return;
  }
  std::make_shared<Refusal>(std::move(socket), shared_, RefusalBytes(options_))->Run();
}

void Acceptor::StopAccepting() {
  if (shared_->accepting_stopped.exchange(true)) return;
  if (listening_) {
    std::promise<void> closed;
    net::post(io_->strand, [this, &closed] {
      error_code ec;
      io_->acceptor.close(ec);
      io_->timer.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  // Sessions that finish a response from now on close instead of reading again (their owner
  // checks accepting_stopped()); the ones already waiting are closed here if nothing of a
  // request arrived.
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(shared_->mu);
    for (const auto& [connection, close] : shared_->idle_closers) closers.push_back(close);
  }
  for (const auto& close : closers) close();
}

bool Acceptor::accepting_stopped() const { return shared_->accepting_stopped.load(); }

int64_t Acceptor::connections_open() const { return shared_->connections.load(); }

Acceptor::Connection::Connection(const Acceptor& acceptor) : shared_(acceptor.shared_) {
  shared_->connections.fetch_add(1);
}

Acceptor::Connection::~Connection() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->idle_closers.erase(this);
  }
  shared_->connections.fetch_sub(1);
}

void Acceptor::Connection::SetIdleCloser(std::function<void()> close_if_idle) {
  std::lock_guard lock(shared_->mu);
  shared_->idle_closers[this] = std::move(close_if_idle);
}

}  // namespace mw::http
