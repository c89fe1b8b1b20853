#include "cli/proxy_stack.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "api/capture_ingest.h"
#include "proxy/cache/memory_cache.h"
#include "proxy/cache/redis_cache.h"
#include "proxy/capture/forward_sink.h"

namespace mw::cli {
namespace {

using std::chrono::milliseconds;

// How long a graceful stop waits for the proxy's requests and then for the capture queue.
constexpr auto kRequestsGrace = std::chrono::seconds(10);
constexpr int64_t kDrainMillis = 10000;

bool AnyRouteCaches(const config::Config::Proxy& p) {
  for (const auto& r : p.routes) {
    if (r.cache) return true;
  }
  return false;
}

bool AnyRouteCaptures(const config::Config::Proxy& p) {
  for (const auto& r : p.routes) {
    if (r.capture) return true;
  }
  return false;
}

proxy::ProxyOptions ProxyOptionsFromConfig(const config::Config::Proxy& p, const Clock& clock) {
  proxy::ProxyOptions o;
  o.listen_host = p.listen_host;
  o.listen_port = p.listen_port;
  o.upstream = p.upstream;
  o.threads = p.threads;
  o.max_connections = static_cast<size_t>(p.max_connections);
  o.max_upstream_connections = static_cast<size_t>(p.max_upstream_connections);
  o.upstream_idle_timeout = milliseconds(p.upstream_idle_timeout_ms);
  o.connect_timeout = milliseconds(p.connect_timeout_ms);
  o.response_timeout = milliseconds(p.response_timeout_ms);
  o.client_timeout = milliseconds(p.client_timeout_ms);
  o.max_body_bytes = static_cast<size_t>(p.max_body_bytes);
  o.max_capture_bytes = static_cast<size_t>(p.max_capture_bytes);
  o.preserve_host = p.preserve_host;
  o.trust_forwarded_headers = p.trust_forwarded_headers;
  o.request_id_header = p.request_id_header;
  o.cache_vary_headers = p.cache.vary_headers;
  o.capture_hits = p.cache.capture_hits;
  o.clock = &clock;
  return o;
}

}  // namespace

std::unique_ptr<ProxyStack> ProxyStack::Build(const config::Config& config,
                                              telemetry::Metrics& metrics,
                                              const api::IngestContext& ingest, const Clock& clock,
                                              BackgroundErrorReporter* errors,
                                              telemetry::Logger& logger, std::string* error) {
  const config::Config::Proxy& p = config.proxy;
  std::unique_ptr<ProxyStack> s(new ProxyStack());
  s->config_ = &p;
  s->routes_ = ProxyRoutesFromConfig(p);
  s->BuildCapture(metrics, ingest, clock, errors, logger);
  if (!s->BuildCache(metrics, clock, errors, error)) return nullptr;
  if (!p.health_path.empty()) {
    s->health_gauges_ = std::make_unique<proxy::HealthGauges>(metrics);
    proxy::HealthProberOptions ho;
    ho.base_url = p.upstream;
    ho.health_path = p.health_path;
    ho.db_path = p.health_db_path;
    ho.interval_ms = p.health_interval_ms;
    ho.timeout_ms = p.health_timeout_ms;
    s->prober_ = std::make_unique<proxy::HealthProber>(ho, s->health_gauges_.get(), clock, errors);
  }
  s->BuildProxy(metrics, clock, logger);
  return s;
}

// Capture: every route's events go through one queue into one sink (this process's store, or
// proxy.forward_to). The capture families exist (at 0) even without a capturing route.
void ProxyStack::BuildCapture(telemetry::Metrics& metrics, const api::IngestContext& ingest,
                              const Clock& clock, BackgroundErrorReporter* errors,
                              telemetry::Logger& logger) {
  const config::Config::Proxy& p = *config_;
  capture_metrics_ = std::make_unique<proxy::CaptureMetrics>(metrics);
  if (!AnyRouteCaptures(p)) return;
  if (p.forward_to.empty()) {
    sink_ = std::make_unique<api::CaptureIngest>(ingest);
  } else {
    proxy::ForwardSinkOptions fo;
    fo.base_url = p.forward_to;
    fo.token = p.forward_token;
    fo.timeout = milliseconds(p.forward_timeout_ms);
    fo.buffer_events = static_cast<size_t>(p.forward_buffer_events);
    fo.logger = &logger;
    fo.reporter = errors;
    forward_metrics_ = std::make_unique<proxy::ForwardMetrics>(metrics);
    sink_ = std::make_unique<proxy::ForwardSink>(fo, forward_metrics_.get(), clock);
  }
  proxy::CaptureQueueOptions qo;
  qo.max_events = static_cast<size_t>(p.capture_queue_events);
  qo.max_bytes = static_cast<size_t>(p.capture_queue_bytes);
  qo.batch_events = static_cast<size_t>(p.capture_batch_events);
  qo.flush_interval_ms = p.capture_flush_interval_ms;
  queue_ = std::make_unique<proxy::CaptureQueue>(qo, *sink_, capture_metrics_.get(), clock, errors);
}

// The response cache, only when a route caches. An entry is a kept answer (a body of at most
// max_capture_bytes) with its headers and the request's key (a body of at most as much): larger
// ones are not stored (counted as bypass body_too_large).
bool ProxyStack::BuildCache(telemetry::Metrics& metrics, const Clock& clock,
                            BackgroundErrorReporter* errors, std::string* error) {
  const config::Config::Proxy& p = *config_;
  if (!AnyRouteCaches(p)) return true;
  cache_metrics_ = std::make_unique<proxy::CacheMetrics>(metrics);
  const size_t max_entry_bytes = static_cast<size_t>(p.max_capture_bytes) * 2;
  if (p.cache.backend != "redis") {
    proxy::MemoryCacheOptions mo;
    mo.max_bytes = static_cast<size_t>(p.cache.max_bytes);
    mo.max_entry_bytes = max_entry_bytes;
    mo.clock = &clock;
    cache_ = std::make_unique<proxy::MemoryCache>(mo, cache_metrics_.get());
    return true;
  }
  proxy::RedisCacheOptions ro;
  ro.url = p.cache.redis_url;
  ro.pool_size = static_cast<size_t>(p.cache.redis_pool_size);
  ro.timeout = milliseconds(p.cache.redis_timeout_ms);
  ro.retry_interval = milliseconds(p.cache.redis_retry_interval_ms);
  ro.max_entry_bytes = max_entry_bytes;
  ro.clock = &clock;
  ro.reporter = errors;
  auto redis = proxy::RedisCache::Create(ro, cache_metrics_.get());
  if (!redis) {
    *error = redis.error().message();
    return false;
  }
  proxy::RedisCache* raw = redis->get();
  redis_up_ = [raw] { return raw->up(); };
  cache_ = std::move(*redis);
  return true;
}

// The listener with its metrics, access log and routes, and the OpenAPI learner that extends them.
void ProxyStack::BuildProxy(telemetry::Metrics& metrics, const Clock& clock,
                            telemetry::Logger& logger) {
  const config::Config::Proxy& p = *config_;
  proxy_metrics_ = std::make_unique<proxy::ProxyMetrics>(metrics);
  proxy::ProxyOptions po = ProxyOptionsFromConfig(p, clock);
  po.observer = proxy_metrics_.get();
  po.capture = queue_.get();
  po.capture_metrics = capture_metrics_.get();
  po.cache = cache_.get();
  po.cache_metrics = cache_metrics_.get();
  if (p.access_log) {
    po.access_log = [&logger](const proxy::RequestRecord& r) {
      telemetry::AccessEntry e;
      e.method = r.method;
      e.route = r.endpoint;
      e.path = r.target.substr(0, r.target.find('?'));
      e.status = r.status;
      e.duration_ns = static_cast<int64_t>(r.seconds * 1e9);
      e.response_bytes = static_cast<int64_t>(r.response_bytes);
      e.remote_address = r.remote_address;
      e.listener = "proxy";
      e.request_id = r.request_id;
      e.cache = proxy::CacheOutcomeName(r.cache);
      logger.Access(e);
    };
  }
  proxy_ = std::make_unique<proxy::Proxy>(std::move(po));
  const size_t max_routes = static_cast<size_t>(p.max_routes);
  proxy_->SetRoutes(BuildRoutingSnapshot(routes_, {}, max_routes));
  if (p.openapi_path.empty()) return;
  proxy::OpenApiLearnerOptions lo;
  std::string_view base = p.upstream;  // config accepts one trailing '/'
  if (base.ends_with('/')) base.remove_suffix(1);
  lo.url = std::string(base) + p.openapi_path;
  lo.refresh_ms = p.openapi_refresh_ms;
  lo.max_routes = max_routes;
  learner_ = std::make_unique<proxy::OpenApiLearner>(
      lo,
      [this, max_routes, &logger](std::vector<proxy::RouteSpec> learned) {
        logger.Info("proxy routes learned from the upstream's OpenAPI document",
                    {{"proxy.routes.learned", learned.size()}});
        proxy_->SetRoutes(BuildRoutingSnapshot(routes_, learned, max_routes));
      },
      &metrics);
}

ProxyStack::~ProxyStack() {
  if (learner_) learner_->Stop();
  if (prober_) prober_->Stop();
  if (proxy_) proxy_->Stop();
  if (queue_) queue_->Stop();
}

bool ProxyStack::Start(std::string* error) {
  if (queue_) queue_->Start();
  if (prober_) prober_->Start();
  if (learner_) learner_->Start();
  return proxy_->Start(error);
}

uint16_t ProxyStack::port() const { return proxy_->port(); }

std::function<bool()> ProxyStack::cache_redis_up() const { return redis_up_; }

void ProxyStack::Shutdown(telemetry::Logger& logger) {
  proxy_->StopAccepting();
  if (!proxy_->WaitIdle(kRequestsGrace)) {
    logger.Warn("shutdown: proxy connections still open after 10 s", {});
  }
  if (learner_) learner_->Stop();
  if (queue_ && !queue_->Drain(kDrainMillis)) {
    logger.Warn(
        "shutdown: captured events left undelivered after 10 s (counted as "
        "modelwatch_proxy_capture_dropped_total{reason=\"shutdown\"})",
        {});
  }
  if (queue_) queue_->Stop();
  if (prober_) prober_->Stop();
  proxy_->Stop();
}

}  // namespace mw::cli
