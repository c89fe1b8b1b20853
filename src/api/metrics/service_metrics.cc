#include "api/metrics/service_metrics.h"

#include <exception>
#include <string>

namespace mw::api {

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Create(
    const telemetry::MetricsOptions& options) {
  if (Status s = telemetry::Metrics::Validate(options); !s.ok()) return s;
  try {
    return std::make_unique<ServiceMetrics>(options);
  } catch (const std::exception& e) {  // prometheus-cpp throws on names it rejects
    return InvalidArgument(std::string("metrics: ") + e.what());
  }
}

ServiceMetrics::ServiceMetrics(const telemetry::MetricsOptions& options)
    : core(options),
      requests(core, "modelwatch_http"),
      ingest(core),
      store(core),
      models(core),
      connections(core, "modelwatch_http"),
      background_errors(core.registry()) {
  telemetry::RegisterBuildInfo(core);
}

}  // namespace mw::api
