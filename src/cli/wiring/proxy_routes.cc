#include "cli/wiring/proxy_routes.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "proxy/cache/redis_url.h"
#include "proxy/route/route_template.h"

namespace mw::cli {
namespace {

using Part = std::pair<const char*, const std::optional<config::Config::ProxySource>*>;

std::vector<Part> Parts(const config::Config::ProxyCapture& c) {
  return {{"model", &c.model},       {"segment", &c.segment},       {"version", &c.version},
          {"features", &c.features}, {"prediction", &c.prediction}, {"id", &c.id}};
}

bool IsBodySource(const config::Config::ProxySource& s) {
  using Kind = config::Config::ProxySource::Kind;
  return s.kind == Kind::kRequest || s.kind == Kind::kResponse;
}

size_t Stars(const std::string& pointer) {
  size_t stars = 0;
  size_t start = 0;
  while (start <= pointer.size()) {
    size_t end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    if (start > 0 && pointer.compare(start, end - start, "*") == 0) ++stars;
    start = end + 1;
  }
  return stars;
}

bool Starred(const std::optional<config::Config::ProxySource>& s) {
  return s && IsBodySource(*s) && Stars(s->value) > 0;
}

void CheckCapture(const config::Config::ProxyCapture& c, const proxy::RouteTemplate* route,
                  const std::string& at, std::vector<config::ConfigError>& errors) {
  std::set<std::string> params;
  if (route != nullptr) {
    for (const auto& seg : route->segments()) {
      if (seg.kind != proxy::RouteTemplate::Segment::Kind::kLiteral) params.insert(seg.name);
    }
  }
  for (const auto& [name, source] : Parts(c)) {
    if (!*source) continue;
    const auto& s = **source;
    const std::string key = at + "." + name;
    if (s.kind == config::Config::ProxySource::Kind::kPath && route != nullptr &&
        !params.contains(s.value)) {
      errors.push_back({key, "{path: " + s.value + "} names no parameter of " + route->text()});
    }
    if (IsBodySource(s) && Stars(s.value) > 1) {
      errors.push_back({key, "\"" + s.value + "\": at most one \"*\""});
    }
  }
  if (c.features && c.prediction && Starred(c.features) != Starred(c.prediction)) {
    errors.push_back({at, "features and prediction must both have \"*\" or neither"});
  }
}

proxy::CaptureSpec ToSpec(const config::Config::ProxyCapture& c) {
  auto source =
      [](const std::optional<config::Config::ProxySource>& s) -> std::optional<proxy::Source> {
    if (!s) return std::nullopt;
    return proxy::Source{static_cast<proxy::Source::Kind>(s->kind), s->value};
  };
  proxy::CaptureSpec spec;
  spec.model = source(c.model);
  spec.segment = source(c.segment);
  spec.version = source(c.version);
  spec.features = source(c.features);
  spec.prediction = source(c.prediction);
  spec.id = source(c.id);
  spec.feature_names = c.feature_names;
  spec.output = c.output;
  spec.output_index = c.output_index;
  spec.sample = c.sample;
  return spec;
}

// The two enums must stay in step for ToSpec's cast.
static_assert(static_cast<int>(config::Config::ProxySource::Kind::kHeader) ==
              static_cast<int>(proxy::Source::Kind::kHeader));
static_assert(static_cast<int>(config::Config::ProxySource::Kind::kConstant) ==
              static_cast<int>(proxy::Source::Kind::kConstant));
static_assert(static_cast<int>(config::Config::ProxySource::Kind::kPath) ==
              static_cast<int>(proxy::Source::Kind::kPath));

}  // namespace

std::vector<config::ConfigError> CheckProxyRoutes(const config::Config::Proxy& proxy) {
  std::vector<config::ConfigError> errors;
  std::vector<proxy::RouteSpec> specs;
  bool all_parse = true;
  for (size_t i = 0; i < proxy.routes.size(); ++i) {
    const auto& r = proxy.routes[i];
    const std::string at = "proxy.routes[" + std::to_string(i) + "]";
    auto parsed = proxy::RouteTemplate::Parse(r.path);
    if (!parsed) {
      all_parse = false;
      errors.push_back({at + ".path", parsed.error().message()});
    }
    if (r.capture) CheckCapture(*r.capture, parsed ? &*parsed : nullptr, at + ".capture", errors);
    specs.push_back({r.path, r.methods});
  }
  if (all_parse) {
    auto table = proxy::RouteTable::Build(std::move(specs), static_cast<size_t>(proxy.max_routes));
    if (!table) errors.push_back({"proxy.routes", table.error().message()});
  }
  return errors;
}

std::vector<config::ConfigError> CheckProxy(const config::Config::Proxy& proxy) {
  std::vector<config::ConfigError> errors = CheckProxyRoutes(proxy);
  if (proxy.cache.backend == "redis" && !proxy.cache.redis_url.empty()) {
    if (auto url = proxy::ParseRedisUrl(proxy.cache.redis_url); !url) {
      errors.push_back({"proxy.cache.redis_url", url.error().message()});
    }
  }
  return errors;
}

ConfiguredRoutes ProxyRoutesFromConfig(const config::Config::Proxy& proxy) {
  ConfiguredRoutes out;
  for (const auto& r : proxy.routes) {
    out.specs.push_back({r.path, r.methods});
    proxy::RouteConfig rc;
    if (r.capture) rc.capture = std::make_shared<const proxy::CaptureSpec>(ToSpec(*r.capture));
    if (r.cache) {
      rc.cache = proxy::RouteCacheSpec{std::chrono::milliseconds(r.cache->ttl_ms), r.cache->key};
    }
    out.configs.push_back(std::move(rc));
  }
  return out;
}

std::shared_ptr<const proxy::RoutingSnapshot> BuildRoutingSnapshot(
    const ConfiguredRoutes& configured, const std::vector<proxy::RouteSpec>& learned,
    size_t max_routes) {
  std::vector<proxy::RouteSpec> specs = configured.specs;
  std::vector<proxy::RouteConfig> configs = configured.configs;
  std::vector<proxy::RouteTemplate> configured_templates;
  for (const auto& s : specs) {
    if (auto t = proxy::RouteTemplate::Parse(s.path)) configured_templates.push_back(*t);
  }
  std::set<std::string> shapes;
  for (const auto& t : configured_templates) shapes.insert(t.shape());
  // The operator's routes win: a learned template that a configured one matches (read as a
  // path: "/v2/models/risk/infer" under "/v2/models/{model}/infer") would otherwise be more
  // specific and take its requests away from the configured route's capture and cache.
  auto configured_covers = [&](const std::string& path) {
    for (const auto& t : configured_templates) {
      if (t.Match(path, nullptr)) return true;
    }
    return false;
  };
  for (const auto& s : learned) {
    if (specs.size() >= max_routes) break;
    auto t = proxy::RouteTemplate::Parse(s.path);
    if (!t || configured_covers(s.path) || !shapes.insert(t->shape()).second) continue;
    specs.push_back(s);
    configs.emplace_back();
  }
  auto snapshot = std::make_shared<proxy::RoutingSnapshot>();
  auto table = proxy::RouteTable::Build(specs, max_routes);
  if (!table) {  // a learned route clashed: keep the configured ones (checked at start-up)
    table = proxy::RouteTable::Build(configured.specs, max_routes);
    configs = configured.configs;
  }
  if (table) snapshot->table = std::move(*table);
  snapshot->configs = std::move(configs);
  return snapshot;
}

}  // namespace mw::cli
