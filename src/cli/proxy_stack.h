// The sidecar proxy as `serve` runs it (proxy.upstream set): the proxy listener and its metrics,
// the response cache (memory or Redis), the capture queue with its sink (this process's store,
// or a central modelwatch with proxy.forward_to), the upstream health prober and the OpenAPI
// route learner. Built from the configuration after the store and the API context exist.
//
// Order. Start: the capture queue, the prober and the learner, then the listener. Shutdown: the
// listener stops accepting and its requests finish (bounded), then the capture queue drains into
// the sink (bounded: what is left is counted dropped{shutdown}) — before the store closes — and
// the background threads stop.
//
// Thread-safety: Build, Start and Shutdown from the main thread.
#pragma once

#include <memory>
#include <string>

#include "api/api.h"
#include "cli/wiring/proxy_routes.h"
#include "common/background.h"
#include "common/clock.h"
#include "config/config.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/cache_metrics.h"
#include "proxy/capture/capture_metrics.h"
#include "proxy/capture/forward_sink.h"
#include "proxy/capture/queue.h"
#include "proxy/capture/sink.h"
#include "proxy/health/gauges.h"
#include "proxy/health/prober.h"
#include "proxy/proxy.h"
#include "proxy/proxy_metrics.h"
#include "proxy/route/openapi_learner.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace mw::cli {

class ProxyStack {
 public:
  // Null with `*error` set when the proxy cannot be built (the cache's Redis URL, a forward
  // token); the caller exits 1. `ingest` must outlive the stack (the local capture sink).
  static std::unique_ptr<ProxyStack> Build(const config::Config& config,
                                           telemetry::Metrics& metrics,
                                           const api::IngestContext& ingest, const Clock& clock,
                                           BackgroundErrorReporter* errors,
                                           telemetry::Logger& logger, std::string* error);
  ~ProxyStack();

  // Binds the listener and starts the background parts; false with `*error` set when it cannot.
  bool Start(std::string* error);
  uint16_t port() const;

  // What /health shows of the proxy: its prober (null without proxy.health_path) and whether
  // the cache's Redis is up (empty unless proxy.cache.backend is redis).
  const proxy::HealthProber* prober() const { return prober_.get(); }
  std::function<bool()> cache_redis_up() const;

  void Shutdown(telemetry::Logger& logger);

 private:
  ProxyStack() = default;
  void BuildCapture(telemetry::Metrics& metrics, const api::IngestContext& ingest,
                    const Clock& clock, BackgroundErrorReporter* errors, telemetry::Logger& logger);
  bool BuildCache(telemetry::Metrics& metrics, const Clock& clock, BackgroundErrorReporter* errors,
                  std::string* error);
  void BuildProxy(telemetry::Metrics& metrics, const Clock& clock, telemetry::Logger& logger);

  const config::Config::Proxy* config_ = nullptr;
  ConfiguredRoutes routes_;
  std::unique_ptr<proxy::CaptureMetrics> capture_metrics_;
  std::unique_ptr<proxy::ForwardMetrics> forward_metrics_;  // with proxy.forward_to
  std::unique_ptr<proxy::CaptureSink> sink_;
  std::unique_ptr<proxy::CaptureQueue> queue_;
  std::unique_ptr<proxy::CacheMetrics> cache_metrics_;
  std::unique_ptr<proxy::ResponseCache> cache_;
  std::function<bool()> redis_up_;
  std::unique_ptr<proxy::HealthGauges> health_gauges_;
  std::unique_ptr<proxy::HealthProber> prober_;
  std::unique_ptr<proxy::ProxyMetrics> proxy_metrics_;
  std::unique_ptr<proxy::Proxy> proxy_;
  std::unique_ptr<proxy::OpenApiLearner> learner_;
};

}  // namespace mw::cli
