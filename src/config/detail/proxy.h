// Readers and checks for the proxy section (Config::Proxy): its lists (proxy.routes,
// proxy.cache.vary_headers), the values that need a rule of their own, and the checks that need
// the whole configuration. Internal to src/config.
//
// List setters return "keyed problems": one per line, each "<suffix>: <reason>" where the suffix
// completes the field's key ("[2].capture.sample: must be in (0, 1]" under proxy.routes reads
// "proxy.routes[2].capture.sample: must be in (0, 1]").
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"

namespace mw::config::detail {

// proxy.routes: the YAML list (file) or the list in YAML flow style (env, flags); replaces it.
std::optional<std::string> SetProxyRoutes(const YAML::Node& node, Config& config);
// proxy.cache.vary_headers: a list of header names, as above.
std::optional<std::string> SetProxyVaryHeaders(const YAML::Node& node, Config& config);
// proxy.listen: "" (off) or what ParseListen accepts.
std::optional<std::string> SetProxyListen(const YAML::Node& node, Config& config);

// "" or http://HOST:PORT (an optional trailing "/"; https and paths are refused).
std::optional<std::string> ValidateProxyUpstream(const std::string& value);
// "" or an absolute path without spaces (/health).
std::optional<std::string> ValidateOptionalPath(const std::string& value);
// An RFC 9110 token (a header name such as X-Request-Id).
std::optional<std::string> ValidateHeaderName(const std::string& value);
// "" or redis://... or unix:///...; rediss:// is refused (no TLS in Debian's hiredis 0.14).
std::optional<std::string> ValidateCacheRedisUrl(const std::string& value);
// memory | redis.
std::optional<std::string> ValidateCacheBackend(const std::string& value);
// "" or an http:// or https:// URL.
std::optional<std::string> ValidateForwardTo(const std::string& value);

// The variable a source names in proxy.forward_token_env, so the environment reader accepts it.
void CollectProxyEnvName(const YAML::Node& forward_token_env, std::set<std::string>& names);

// After every source is applied: required pairs (upstream and listen), the listener's address
// against server.listen, cross-key ranges (max_capture_bytes, health_timeout), the cache's Redis
// against redis.url, and forward_token_env resolved into forward_token (never in a message).
void FinishProxy(Config& config, const std::map<std::string, std::string>& env,
                 std::vector<ConfigError>& errors);

}  // namespace mw::config::detail
