// The proxy's routes from the configuration (proxy.routes) and from the upstream's OpenAPI
// document, as the routing snapshot the proxy swaps in (proxy/proxy.h).
//
// Checks. Config validation (config/) reads proxy.routes without knowing route templates or the
// capture rules (they live in proxy/, above config); CheckProxyRoutes adds what needs them, as
// `config error: <key>: <reason>` lines (exit 2):
//   proxy.routes[i].path: the template's own parse error (route_template.h);
//   proxy.routes[i]: the same path and method as proxy.routes[j] (route_table.h);
//   proxy.routes[i].capture.<part>: {path: x} names no parameter of <template>;
//   proxy.routes[i].capture.<part>: "<pointer>": at most one "*";
//   proxy.routes[i].capture: features and prediction must both have "*" or neither;
// and CheckProxy adds proxy.cache.redis_url as the Redis cache parses it.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "proxy/proxy.h"
#include "proxy/route/route_table.h"

namespace mw::cli {

std::vector<config::ConfigError> CheckProxyRoutes(const config::Config::Proxy& proxy);

// CheckProxyRoutes, and with proxy.cache.backend redis the URL as the cache reads it
// (`proxy.cache.redis_url: the port must be a number from 1 to 65535`): everything serve checks
// before it starts (exit 2).
std::vector<config::ConfigError> CheckProxy(const config::Config::Proxy& proxy);

// proxy.routes as route specs and, by the same index, what each route does (capture, cache).
struct ConfiguredRoutes {
  std::vector<proxy::RouteSpec> specs;
  std::vector<proxy::RouteConfig> configs;
};
ConfiguredRoutes ProxyRoutesFromConfig(const config::Config::Proxy& proxy);

// The configured routes first, then the learned ones, up to max_routes in all; learned routes only
// name the endpoint (no capture, no cache). A learned route is left out when a configured route
// has its path (the same template up to parameter names) or matches its template text as a path
// (so the configured "/v2/models/{model}/infer" keeps the requests of a learned
// "/v2/models/risk/infer", and a configured "/predict/{id}" those of a learned
// "/predict/batch"): what the operator configured is never shadowed by what was learned.
std::shared_ptr<const proxy::RoutingSnapshot> BuildRoutingSnapshot(
    const ConfiguredRoutes& configured, const std::vector<proxy::RouteSpec>& learned,
    size_t max_routes);

}  // namespace mw::cli
