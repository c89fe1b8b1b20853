#include "proxy/route/openapi_learner.h"

#include <chrono>
#include <utility>

#include "http/client.h"

namespace mw::proxy {
namespace {

bool SameRoutes(const std::vector<RouteSpec>& a, const std::vector<RouteSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].path != b[i].path || a[i].methods != b[i].methods) return false;
  }
  return true;
}

}  // namespace

OpenApiLearner::OpenApiLearner(OpenApiLearnerOptions options, OnRoutes on_routes,
                               telemetry::Metrics* metrics)
    : options_(std::move(options)), on_routes_(std::move(on_routes)) {
  if (metrics != nullptr) {
    fetches_ = &prometheus::BuildCounter()
                    .Name("modelwatch_proxy_openapi_fetches_total")
                    .Help(
                        "Fetches of the upstream's OpenAPI document by the route learner, by "
                        "result (ok, http_error, unreachable, invalid)")
                    .Register(metrics->registry());
    for (const char* r : {"ok", "http_error", "unreachable", "invalid"}) {
      fetches_->Add({{"result", r}});  // every series from the start, at 0
    }
  }
}

OpenApiLearner::~OpenApiLearner() { Stop(); }

bool OpenApiLearner::FetchOnce() {
  std::lock_guard lock(fetch_mu_);
  auto client = http::Client::Create();
  if (!client) return false;
  http::ClientRequest request;
  request.url = options_.url;
  request.timeout_ms = options_.timeout_ms;
  request.connect_timeout_ms = options_.timeout_ms;
  request.max_body_bytes = options_.max_document_bytes;
  const http::ClientResponse response = (*client)->Send(request);
  auto count = [this](const char* result) {
    if (fetches_ != nullptr) fetches_->Add({{"result", result}}).Increment();
  };
  if (!response.answered()) {
    count("unreachable");
    return false;
  }
  if (response.status < 200 || response.status > 299) {
    count("http_error");
    return false;
  }
  auto parsed = ParseOpenApiPaths(response.body, options_.max_routes);
  if (!parsed) {
    count("invalid");
    return false;
  }
  count("ok");
  if (learned_ && SameRoutes(parsed->routes, last_)) return true;
  learned_ = true;
  last_ = parsed->routes;
  on_routes_(std::move(parsed->routes));
  return true;
}

void OpenApiLearner::Start() {
  std::lock_guard lock(loop_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void OpenApiLearner::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OpenApiLearner::Run() {
  std::unique_lock lock(loop_mu_);
  while (!stop_) {
    lock.unlock();
    const bool read = FetchOnce();
    bool learned = false;
    {
      std::lock_guard fetch_lock(fetch_mu_);
      learned = learned_;
    }
    lock.lock();
    const int64_t wait_ms = (read || learned) ? options_.refresh_ms : options_.retry_ms;
    loop_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_; });
  }
}

}  // namespace mw::proxy
