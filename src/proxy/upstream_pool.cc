#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <utility>

namespace mw::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

std::string_view AcquireErrorReason(AcquireError e) {
  switch (e) {
    case AcquireError::kNone:
      return "";
    case AcquireError::kRefused:
      return "refused";
    case AcquireError::kConnectTimeout:
      return "connect_timeout";
    case AcquireError::kPoolExhausted:
      return "pool_exhausted";
  }
  return "";
}

Lease::Lease(UpstreamPool* pool, std::unique_ptr<tcp::socket> socket, bool reused)
    : pool_(pool), socket_(std::move(socket)), reused_(reused) {}

Lease::~Lease() { Release(false); }

void Lease::Release(bool reusable) {
  if (released_) return;
  released_ = true;
  pool_->Return(std::move(socket_), reusable);
}

struct UpstreamPool::Waiter {
  Waiter(net::any_io_executor ex, Done d, net::io_context& ioc)
      : executor(std::move(ex)), done(std::move(d)), timer(ioc) {}
  net::any_io_executor executor;
  Done done;
  net::steady_timer timer;
  bool served = false;  // under the pool's mutex
};

UpstreamPool::UpstreamPool(net::io_context& ioc, UpstreamPoolOptions options, StatsHook hook)
    : ioc_(ioc), options_(std::move(options)), hook_(std::move(hook)) {
  // Resolved once: the upstream is one fixed HOST:PORT (an address, or a name such as a
  // Kubernetes service, which the proxy does not re-resolve while it runs).
  error_code ec;
  tcp::resolver resolver(ioc_);
  for (const auto& entry : resolver.resolve(options_.host, std::to_string(options_.port), ec)) {
    endpoints_.push_back(entry.endpoint());
  }
}

UpstreamPool::~UpstreamPool() = default;

PoolStats UpstreamPool::stats() const {
  std::lock_guard lock(mu_);
  return PoolStats{active_, idle_.size()};
}

void UpstreamPool::Shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  for (Idle& idle : idle_) {
    error_code ignored;
    idle.socket->close(ignored);
  }
  idle_.clear();
  waiters_.clear();
}

void UpstreamPool::Notify() {
  if (hook_) hook_(stats());
}

// An idle connection is usable when the upstream neither closed it nor sent anything on it: one
// non-blocking peek (no byte, EAGAIN) before each reuse keeps most close races off requests.
bool UpstreamPool::StillUsable(tcp::socket& socket) {
  if (!socket.is_open()) return false;
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamPool::Acquire(net::any_io_executor executor, Done done) {
  std::unique_ptr<tcp::socket> reuse;
  bool connect = false;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    while (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      if (now - idle.since <= options_.idle_timeout && StillUsable(*idle.socket)) {
        reuse = std::move(idle.socket);
        break;
      }
      error_code ignored;
      idle.socket->close(ignored);
    }
    if (reuse || active_ < options_.max_connections) {
      ++active_;
      connect = !reuse;
    } else {
      auto waiter = std::make_shared<Waiter>(executor, std::move(done), ioc_);
      waiters_.push_back(waiter);
      waiter->timer.expires_after(options_.connect_timeout);
      waiter->timer.async_wait([this, waiter](error_code ec) {
        if (ec) return;
        {
          std::lock_guard inner(mu_);
          if (waiter->served) return;
          waiter->served = true;
          std::erase(waiters_, waiter);
        }
        net::post(waiter->executor, [waiter] {
          waiter->done(AcquireError::kPoolExhausted,
                       "all upstream connections are in use (proxy.max_upstream_connections)",
                       nullptr);
        });
      });
      return;
    }
  }
  if (reuse) {
    auto lease = std::make_unique<Lease>(this, std::move(reuse), true);
    net::post(executor, [done = std::move(done), lease = std::move(lease)]() mutable {
      done(AcquireError::kNone, "", std::move(lease));
    });
  } else if (connect) {
    Connect(std::move(executor), std::move(done));
  }
  Notify();
}

void UpstreamPool::Connect(net::any_io_executor executor, Done done) {
  struct Attempt {
    Attempt(net::io_context& ioc) : socket(std::make_unique<tcp::socket>(ioc)), timer(ioc) {}
    std::unique_ptr<tcp::socket> socket;
    net::steady_timer timer;
    bool timed_out = false;
    net::any_io_executor executor;
    Done done;
  };
  auto attempt = std::make_shared<Attempt>(ioc_);
  attempt->executor = std::move(executor);
  attempt->done = std::move(done);
  // The connect and its timer complete on the io_context's threads; both touch `attempt` only
  // there, so a strand is not needed: a timer firing cancels the connect by closing the socket,
  // and the connect's handler, which always runs after, reports the outcome.
  auto strand = net::make_strand(ioc_);
  attempt->timer.expires_after(options_.connect_timeout);
  attempt->timer.async_wait(net::bind_executor(strand, [attempt](error_code ec) {
    if (ec) return;
    attempt->timed_out = true;
    error_code ignored;
    attempt->socket->close(ignored);
  }));
  auto finish = [this, attempt](error_code ec) {
    attempt->timer.cancel();
    if (!ec) {
      attempt->socket->set_option(tcp::no_delay(true), ec);
      ec = {};
      auto lease = std::make_unique<Lease>(this, std::move(attempt->socket), false);
      net::post(attempt->executor, [attempt, lease = std::move(lease)]() mutable {
        attempt->done(AcquireError::kNone, "", std::move(lease));
      });
      return;
    }
    {
      std::lock_guard lock(mu_);
      --active_;
    }
    Notify();
    const AcquireError error =
        attempt->timed_out ? AcquireError::kConnectTimeout : AcquireError::kRefused;
    std::string detail =
        attempt->timed_out
            ? "connect timeout after " + std::to_string(options_.connect_timeout.count()) + " ms"
            : ec.message();
    net::post(attempt->executor, [attempt, error, detail = std::move(detail)] {
      attempt->done(error, detail, nullptr);
    });
  };
  if (endpoints_.empty()) {
    net::post(strand, [finish] { finish(net::error::host_not_found); });
    return;
  }
  net::async_connect(
      *attempt->socket, endpoints_,
      net::bind_executor(strand, [finish](error_code ec, const tcp::endpoint&) { finish(ec); }));
}

void UpstreamPool::Return(std::unique_ptr<tcp::socket> socket, bool reusable) {
  if (!socket) return;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mu_);
    while (!waiters_.empty() && !waiter && !shut_down_) {
      waiter = std::move(waiters_.front());
      waiters_.pop_front();
      if (waiter->served) waiter.reset();
    }
    if (waiter) {
      waiter->served = true;
      waiter->timer.cancel();
    } else if (reusable && socket->is_open() && !shut_down_) {
      idle_.push_back(Idle{std::move(socket), std::chrono::steady_clock::now()});
      --active_;
    } else {
      --active_;
    }
  }
  if (waiter) {
    // The connection passes to the waiter (active_ unchanged): reused when it may be, else a
    // fresh one in its place.
    if (reusable && socket->is_open()) {
      auto lease = std::make_unique<Lease>(this, std::move(socket), true);
      net::post(waiter->executor, [waiter, lease = std::move(lease)]() mutable {
        waiter->done(AcquireError::kNone, "", std::move(lease));
      });
    } else {
      error_code ignored;
      socket->close(ignored);
      Connect(waiter->executor, std::move(waiter->done));
    }
    return;
  }
  if (socket) {
    error_code ignored;
    socket->close(ignored);
  }
  Notify();
}

}  // namespace mw::proxy
