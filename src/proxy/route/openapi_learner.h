// OpenApiLearner: the route templates the watched API declares. FastAPI (and most OpenAPI
// frameworks) serve their document at /openapi.json; its `paths` are exactly the templates the
// `endpoint` label should use (`/predict/{restaurant_id}`), so operators need not repeat them in
// proxy.routes. The learner GETs the document at start and every refresh interval, and hands the
// routes to `on_routes` whenever they differ from the last ones handed (so the proxy rebuilds its
// table only on a change). A failed fetch (refused, non-2xx, not an OpenAPI document) keeps the
// last routes and is retried at the next interval — or after retry_ms while no document was ever
// read, so a proxy started before its upstream learns the routes soon after the upstream is up.
//
// Metrics (modelwatch's own): modelwatch_proxy_openapi_fetches_total{result="ok|http_error|
// unreachable|invalid"}.
//
// Thread-safety: Start/Stop from one thread; `on_routes` runs on the learner's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "prometheus/counter.h"
#include "proxy/route/openapi.h"
#include "telemetry/metrics.h"

namespace mw::proxy {

struct OpenApiLearnerOptions {
  std::string url;  // http://HOST:PORT/openapi.json
  int64_t refresh_ms = 300000;
  int64_t retry_ms = 2000;  // while nothing was learned yet
  int64_t timeout_ms = 2000;
  size_t max_routes = 200;
  size_t max_document_bytes = 16 << 20;
};

class OpenApiLearner {
 public:
  using OnRoutes = std::function<void(std::vector<RouteSpec>)>;

  // `metrics` (may be null) must outlive the learner.
  OpenApiLearner(OpenApiLearnerOptions options, OnRoutes on_routes, telemetry::Metrics* metrics);
  ~OpenApiLearner();  // Stop()
  OpenApiLearner(const OpenApiLearner&) = delete;
  OpenApiLearner& operator=(const OpenApiLearner&) = delete;

  void Start();
  void Stop();  // wakes the thread and joins it (a fetch in flight ends within timeout_ms)

  // One fetch now on the calling thread; true when a document was read (changed or not).
  bool FetchOnce();

 private:
  void Run();

  const OpenApiLearnerOptions options_;
  const OnRoutes on_routes_;
  prometheus::Family<prometheus::Counter>* fetches_ = nullptr;

  std::mutex fetch_mu_;  // one fetch at a time; guards last_
  std::vector<RouteSpec> last_;
  bool learned_ = false;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mw::proxy
