// The accept loop shared by modelwatch's listeners (the API server, server.cc, and the sidecar
// proxy, src/proxy): binds, accepts on its own strand, backs off when accept fails, refuses
// connections above a cap with a 503, and closes the idle keep-alive connections at shutdown.
//
// Accepting. Each accepted socket gets a strand of its own (its executor) and is handed to
// AcceptorHooks::accepted, which starts a connection (a session) on it. A failed accept (EMFILE,
// ENFILE, ENOBUFS, ...) is retried after 5 ms, doubling up to 1 s, back to none after a success:
// accepting again at once would fail again at once and spin a core.
//
// The cap. A connection accepted while `max_connections` Connections are open is answered 503
// problem+json with "Retry-After: 1" and "Connection: close", half-closed, and drained for up to
// 1 s so the close does not reset it under the answer; at most 256 such refusals linger, beyond
// that a refused socket is closed at once.
//
// Connections. A session holds an Acceptor::Connection for its life: it counts the open
// connections (the cap, connections_open()) and registers the session's idle closer, which
// StopAccepting calls. The count lives in state shared with every Connection, so a session may
// outlive the Acceptor (its io_context destroys the last handlers after it).
//
// Thread-safety: Listen before the io_context runs or from one thread; StopAccepting from any
// thread (it waits for the listening socket's strand, so after a successful Listen the io_context
// must be running on some thread, and StopAccepting must not be called on it); connections_open,
// accepting_stopped from any thread. Connection's methods from any thread. The Acceptor must be
// destroyed before its io_context.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mw::http {

struct AcceptorOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = any free port; see Acceptor::port()
  // Connections served at once (> 0); one more is refused with a 503.
  int64_t max_connections = 10000;
  // The setting named in the 503's detail ("server.max_connections", "proxy.max_connections").
  std::string max_connections_key = "server.max_connections";
};

struct AcceptorHooks {
  // Required: a connection to serve (below the cap). Its executor is a strand of its own. Called
  // on the acceptor's strand: start the session and return.
  std::function<void(boost::asio::ip::tcp::socket)> accepted;
  // Optional: a connection refused above the cap; reason "max_connections".
  std::function<void(std::string_view reason)> rejected;
  // Optional: the executor of the next accepted socket (the proxy spreads its connections over
  // one event loop per thread); default a new strand on the Acceptor's io_context.
  std::function<boost::asio::any_io_executor()> socket_executor;
  // Optional: accept() failed; the next attempt is in `retry_in`. Called for every failure: a
  // hook that logs must rate-limit.
  std::function<void(std::string_view error, std::chrono::milliseconds retry_in)> accept_error;
};

namespace detail {
struct AcceptorShared;  // acceptor.cc: the counters and idle closers shared with Connections
}  // namespace detail

class Acceptor {
 public:
  Acceptor(boost::asio::io_context& ioc, AcceptorOptions options, AcceptorHooks hooks);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Binds and listens, then starts accepting (the handlers run once the io_context runs). False
  // with a reason ("invalid listen address ...", "cannot listen on HOST:PORT: ...").
  bool Listen(std::string* error);
  uint16_t port() const { return bound_port_; }

  // Closes the listening socket, then calls every registered idle closer (each closes its
  // session if no byte of a next request arrived). Idempotent.
  void StopAccepting();
  bool accepting_stopped() const;
  int64_t connections_open() const;

  // One open connection, held by its session (see the header comment). Not copyable.
  class Connection {
   public:
    explicit Connection(const Acceptor& acceptor);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    // The call StopAccepting makes for this connection (from StopAccepting's thread: it should
    // post to the session's strand and hold the session weakly). Replaces an earlier one.
    void SetIdleCloser(std::function<void()> close_if_idle);

   private:
    std::shared_ptr<detail::AcceptorShared> shared_;
  };

 private:
  void Accept();
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void Refuse(boost::asio::ip::tcp::socket socket);

  struct Io;  // the listening socket, its strand and back-off timer (acceptor.cc)
  boost::asio::io_context& ioc_;
  AcceptorOptions options_;
  AcceptorHooks hooks_;
  std::shared_ptr<detail::AcceptorShared> shared_;
  std::unique_ptr<Io> io_;
  uint16_t bound_port_ = 0;
  bool listening_ = false;
};

}  // namespace mw::http
