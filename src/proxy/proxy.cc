#include "proxy/proxy.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <charconv>

#include "proxy/detail/session.h"

namespace mw::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string_view CacheOutcomeName(CacheOutcome outcome) {
  switch (outcome) {
    case CacheOutcome::kNone:
      return "";
    case CacheOutcome::kHit:
      return "hit";
    case CacheOutcome::kMiss:
      return "miss";
    case CacheOutcome::kBypassed:
      return "bypassed";
  }
  return "";
}

bool ParseUpstream(std::string_view url, std::string* host, uint16_t* port, std::string* error) {
  constexpr std::string_view kScheme = "http://";
  auto fail = [&](std::string_view why) {
    *error = "proxy.upstream \"" + std::string(url.substr(0, 200)) + "\": " + std::string(why);
    return false;
  };
  if (url.substr(0, kScheme.size()) != kScheme) return fail("must be http://HOST:PORT");
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return fail("must not have a path");
  size_t colon;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail("unclosed [ in the host");
    *host = std::string(rest.substr(1, close - 1));
    colon = close + 1;
    if (colon >= rest.size() || rest[colon] != ':') return fail("must name a port");
  } else {
    colon = rest.rfind(':');
    if (colon == std::string_view::npos) return fail("must name a port");
    *host = std::string(rest.substr(0, colon));
  }
  const std::string_view digits = rest.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (host->empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
      value > 65535) {
    return fail("must be http://HOST:PORT with a port 1-65535");
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

Proxy::Impl::Impl(ProxyOptions o)
    : options(std::move(o)),
      clock(options.clock ? options.clock : &system_clock),
      ioc(options.threads > 0
              ? options.threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}

Proxy::Proxy(ProxyOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Proxy::~Proxy() { Stop(); }

bool Proxy::Start(std::string* error) {
  Impl& impl = *impl_;
  if (!ParseUpstream(impl.options.upstream, &impl.upstream_host, &impl.upstream_port, error)) {
    return false;
  }
  impl.upstream_authority =
      (impl.upstream_host.find(':') != std::string::npos ? "[" + impl.upstream_host + "]"
                                                         : impl.upstream_host) +
      ":" + std::to_string(impl.upstream_port);
  ProxyObserver* observer = impl.options.observer;
  UpstreamPool::StatsHook stats_hook;
  if (observer) {
    stats_hook = [observer](PoolStats s) { observer->OnUpstreamConnections(s.active, s.idle); };
  }
  impl.pool.emplace(
      impl.ioc,
      UpstreamPoolOptions{impl.upstream_host, impl.upstream_port,
                          std::max<size_t>(1, impl.options.max_upstream_connections),
                          impl.options.upstream_idle_timeout, impl.options.connect_timeout},
      std::move(stats_hook));
  http::AcceptorHooks hooks;
  hooks.accepted = [p = &impl](tcp::socket socket) {
    std::make_shared<detail::Session>(std::move(socket), p)->Run();
  };
  if (observer) {
    hooks.rejected = [observer](std::string_view reason) {
      observer->OnConnectionRejected(reason);
    };
    hooks.accept_error = [observer](std::string_view e, std::chrono::milliseconds retry_in) {
      observer->OnAcceptError(e, retry_in);
    };
  }
  auto& acceptor = impl.acceptor.emplace(
      impl.ioc,
      http::AcceptorOptions{impl.options.listen_host, impl.options.listen_port,
                            static_cast<int64_t>(impl.options.max_connections),
                            "proxy.max_connections"},
      std::move(hooks));
  if (!acceptor.Listen(error)) {
    impl.acceptor.reset();
    return false;
  }
  impl.work.emplace(impl.ioc.get_executor());
  const int n = impl.options.threads > 0 ? impl.options.threads
                                         : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) impl.threads.emplace_back([this] { impl_->ioc.run(); });
  return true;
}

uint16_t Proxy::port() const { return impl_->acceptor ? impl_->acceptor->port() : 0; }

void Proxy::SetRoutes(std::shared_ptr<const RoutingSnapshot> routes) {
  std::lock_guard lock(impl_->routes_mu);
  impl_->routes_ptr = std::move(routes);
  impl_->routes_version.fetch_add(1, std::memory_order_release);
}

void Proxy::StopAccepting() {
  if (impl_->accepting_stopped.exchange(true)) return;
  if (impl_->acceptor) impl_->acceptor->StopAccepting();
}

bool Proxy::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight.load() > 0 ||
         (impl_->acceptor && impl_->acceptor->connections_open() > 0)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // shutdown only, bounded
  }
  return true;
}

void Proxy::Stop() {
  StopAccepting();
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  if (impl_->pool) impl_->pool->Shutdown();
}

PoolStats Proxy::pool_stats() const { return impl_->pool ? impl_->pool->stats() : PoolStats{}; }

}  // namespace mw::proxy
