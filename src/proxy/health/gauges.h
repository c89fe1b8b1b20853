// HealthGauges: what the upstream health prober (prober.h) learned, as Prometheus families. The
// watched service's families are named with the configured prefix P (metrics.prefix(), "ml" or
// "iit"), the prober's own with modelwatch_proxy_:
//
//   P_service_up                        1 when the last probe found the service up, else 0
//   P_service_health_status{status}     a state set: 1 for the status /health reports, 0 for
//                                       every other status reported before (all 0 while none
//                                       is reported)
//   P_database_connected                1/0 as reported by /health (or /health/db)
//   P_redis_connected, P_model_loaded   1/0 as reported by /health
//   P_db_connections{state}             the upstream's database pool: active, idle
//   P_db_connection_pool_size           its total
//   P_db_table_rows{table}              rows per table of the upstream's database (table_stats)
//   modelwatch_proxy_health_probes_total{result}    probes by how /health ended: ok, http_error,
//                                                   timeout, refused, error (all five from 0)
//   modelwatch_proxy_health_probe_duration_seconds  how long /health took (every probe)
//
// (modelwatch's own store exports modelwatch_store_*, so P_db_* names only the upstream's.)
// Every series but the two modelwatch_proxy_ ones is absent until a probe reported it, and is
// removed when a later probe does not: a field the service stops sending (or a service that is
// down and sends nothing) leaves no stale value behind. P_service_up appears with the first
// probe and stays. Status label values are bounded: an empty status, one longer than 64 bytes, or
// a new one once 15 distinct statuses were seen, is exported as "other".
//
// Thread-safety: Update may be called from any thread; updates are applied one at a time.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "proxy/health/prober.h"
#include "telemetry/metrics.h"

namespace mw::proxy {

class HealthGauges {
 public:
  // Registers the families on metrics.registry(); `metrics` must outlive the gauges.
  explicit HealthGauges(telemetry::Metrics& metrics);
  HealthGauges(const HealthGauges&) = delete;
  HealthGauges& operator=(const HealthGauges&) = delete;

  // Exports `health` (a probe's answer). Does nothing when !health.probed.
  void Update(const UpstreamHealth& health);

 private:
  using GaugeFamily = prometheus::Family<prometheus::Gauge>;

  // A gauge without labels that exists only while its value is known.
  struct OptionalGauge {
    GaugeFamily* family = nullptr;
    prometheus::Gauge* series = nullptr;
    void Set(std::optional<double> value);
  };

  void UpdateStatus(const std::optional<std::string>& status);
  void UpdatePool(const std::optional<UpstreamHealth::DbPool>& pool);
  void UpdateTables(const std::map<std::string, int64_t>& table_rows);

  std::mutex mu_;
  OptionalGauge up_, database_connected_, redis_connected_, model_loaded_, pool_size_;
  GaugeFamily& status_family_;
  std::map<std::string, prometheus::Gauge*> statuses_;  // every status seen, by label value
  GaugeFamily& connections_family_;
  prometheus::Gauge* connections_active_ = nullptr;  // both null or both set
  prometheus::Gauge* connections_idle_ = nullptr;
  GaugeFamily& tables_family_;
  std::map<std::string, prometheus::Gauge*> tables_;
  std::array<prometheus::Counter*, 5> probes_{};  // by ProbeResult
  prometheus::Histogram& probe_duration_;
};

}  // namespace mw::proxy
