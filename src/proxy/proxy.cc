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
    : options(std::move(o)), clock(options.clock ? options.clock : &system_clock) {}

void Proxy::Impl::NotifyPoolStats() {
  if (!options.observer) return;
  PoolStats sum;
  for (const auto& pool : pools) {
    const PoolStats s = pool->stats();
    sum.active += s.active;
    sum.idle += s.idle;
  }
  options.observer->OnUpstreamConnections(sum.active, sum.idle);
}

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
  const size_t n = impl.options.threads > 0
                       ? static_cast<size_t>(impl.options.threads)
                       : std::max<size_t>(1, std::thread::hardware_concurrency());
  // max_upstream_connections is shared out among the loops (each at least one).
  const size_t per_loop = std::max<size_t>(1, impl.options.max_upstream_connections / n);
  for (size_t i = 0; i < n; ++i) {
    impl.loops.push_back(std::make_unique<net::io_context>(1));
    impl.pools.push_back(std::make_unique<UpstreamPool>(
        *impl.loops.back(),
        UpstreamPoolOptions{impl.upstream_host, impl.upstream_port, per_loop,
                            impl.options.upstream_idle_timeout, impl.options.connect_timeout},
        [p = &impl](PoolStats) { p->NotifyPoolStats(); }));
  }
  ProxyObserver* observer = impl.options.observer;
  http::AcceptorHooks hooks;
  // Both hooks run on the acceptor's strand, one accept at a time: the loop chosen for the next
  // socket is the one `accepted` receives it on.
  hooks.socket_executor = [p = &impl]() -> net::any_io_executor {
    p->accept_loop = p->next_loop++ % p->loops.size();
    return p->loops[p->accept_loop]->get_executor();
  };
  hooks.accepted = [p = &impl](tcp::socket socket) {
    std::make_shared<detail::Session>(std::move(socket), p, p->pools[p->accept_loop].get())->Run();
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
      *impl.loops[0],
      http::AcceptorOptions{impl.options.listen_host, impl.options.listen_port,
                            static_cast<int64_t>(impl.options.max_connections),
                            "proxy.max_connections"},
      std::move(hooks));
  if (!acceptor.Listen(error)) {
    impl.acceptor.reset();
    return false;
  }
  for (auto& loop : impl.loops) {
    impl.work.emplace_back(loop->get_executor());
    impl.threads.emplace_back([l = loop.get()] { l->run(); });
  }
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
  impl_->work.clear();
  for (auto& loop : impl_->loops) loop->stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  for (auto& pool : impl_->pools) pool->Shutdown();
}

PoolStats Proxy::pool_stats() const {
  PoolStats sum;
  for (const auto& pool : impl_->pools) {
    const PoolStats s = pool->stats();
    sum.active += s.active;
    sum.idle += s.idle;
  }
  return sum;
}

}  // namespace mw::proxy
