// Keep-alive connections to the upstream (the watched prediction API), shared by every proxy
// session: at most max_connections out at once, idle ones reused last-in first-out.
//
// Acquire hands out a Lease: an idle connection when one is usable (a connection idle longer
// than idle_timeout, or one the upstream closed or wrote to while idle, is discarded), else a new
// one connected within connect_timeout; when max_connections are out, the caller waits (first in,
// first out) up to connect_timeout for one to come back, else gets kPoolExhausted. A lease is
// used by one session at a time; its socket's handlers run wherever the session binds them.
// Release(true) returns the connection for reuse (the response was complete, keep-alive, and no
// byte is pending); Release(false) or dropping the lease closes it.
//
// Thread-safety: Acquire, Release and stats from any thread. `done` is posted to the executor
// given to Acquire. The pool must outlive its leases and be destroyed before its io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mw::proxy {

struct UpstreamPoolOptions {
  std::string host;  // a name or an address
  uint16_t port = 0;
  size_t max_connections = 256;
  std::chrono::milliseconds idle_timeout{4000};
  std::chrono::milliseconds connect_timeout{1000};
};

// Why a lease could not be had: the reason label of upstream_errors_total.
enum class AcquireError { kNone, kRefused, kConnectTimeout, kPoolExhausted };
std::string_view AcquireErrorReason(AcquireError e);  // "refused", "connect_timeout", ...

struct PoolStats {
  size_t active = 0;  // leased or connecting
  size_t idle = 0;
};

class UpstreamPool;

class Lease {
 public:
  Lease(UpstreamPool* pool, std::unique_ptr<boost::asio::ip::tcp::socket> socket, bool reused);
  ~Lease();  // Release(false) unless released
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  boost::asio::ip::tcp::socket& socket() { return *socket_; }
  // True when the connection served an earlier request (a failure before any response byte may
  // be the upstream closing it while idle: the caller may retry once on a fresh one).
  bool reused() const { return reused_; }
  void Release(bool reusable);

 private:
  UpstreamPool* pool_;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  bool reused_;
  bool released_ = false;
};

class UpstreamPool {
 public:
  // error: kNone with a lease, else the reason and `detail` (e.g. "connection refused").
  using Done = std::function<void(AcquireError error, std::string detail, std::unique_ptr<Lease>)>;
  // Observes the connection counts after each change (may be null; called under no lock).
  using StatsHook = std::function<void(PoolStats)>;

  UpstreamPool(boost::asio::io_context& ioc, UpstreamPoolOptions options, StatsHook hook);
  ~UpstreamPool();

  void Acquire(boost::asio::any_io_executor executor, Done done);
  PoolStats stats() const;
  // Closes the idle connections and fails the waiters; later returned connections are closed.
  // Call after the io_context's threads stopped, before the io_context is destroyed.
  void Shutdown();
  const UpstreamPoolOptions& options() const { return options_; }

 private:
  friend class Lease;
  struct Idle {
    std::unique_ptr<boost::asio::ip::tcp::socket> socket;
    std::chrono::steady_clock::time_point since;
  };
  struct Waiter;

  void Return(std::unique_ptr<boost::asio::ip::tcp::socket> socket, bool reusable);
  void Connect(boost::asio::any_io_executor executor, Done done);
  void Notify();
  static bool StillUsable(boost::asio::ip::tcp::socket& socket);

  boost::asio::io_context& ioc_;
  const UpstreamPoolOptions options_;
  StatsHook hook_;
  mutable std::mutex mu_;
  std::vector<Idle> idle_;  // most recently returned last
  size_t active_ = 0;       // leased or connecting
  bool shut_down_ = false;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;  // resolved once
};

}  // namespace mw::proxy
