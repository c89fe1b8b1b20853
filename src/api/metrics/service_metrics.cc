#include "api/metrics/service_metrics.h"

#include <exception>
#include <string>

namespace mw {

Result<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Create(const MetricsOptions& options) {
  if (Status s = Metrics::Validate(options); !s.ok()) return s;
  try {
    return std::make_unique<ServiceMetrics>(options);
  } catch (const std::exception& e) {  // prometheus-cpp throws on names it rejects
    return InvalidArgument(std::string("metrics: ") + e.what());
  }
}

ServiceMetrics::ServiceMetrics(const MetricsOptions& options)
    : core(options),
      requests(core),
      ingest(core),
      store(core),
      models(core),
      connections(core),
      background_errors(core.registry()) {
  RegisterBuildInfo(core);
}

}  // namespace mw
