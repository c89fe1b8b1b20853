#include "proxy/health/gauges.h"

#include <optional>
#include <string>
#include <utility>

#include "telemetry/http_metrics.h"

namespace mw::proxy {
namespace {

// Compiled in unity batches with the rest of mw_proxy: helpers carry the Health prefix.

using prometheus::Gauge;

constexpr size_t kHealthMaxStatuses = 16;
constexpr size_t kHealthMaxStatusBytes = 64;
constexpr std::string_view kHealthOtherStatus = "other";

// One registration function per family, so each name and HELP text reads in one place.
prometheus::Family<Gauge>& RegisterHealthGauge(telemetry::Metrics& m, const std::string& name,
                                               const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(m.registry());
}

prometheus::Family<Gauge>& RegisterServiceUp(telemetry::Metrics& m) {
  return RegisterHealthGauge(m, m.prefix() + "_service_up",
                             "Whether the watched prediction API is up (1) or not (0): its health "
                             "path answered under 500, or with a 5xx reporting a status.");
}

prometheus::Family<Gauge>& RegisterHealthStatus(telemetry::Metrics& m) {
  return RegisterHealthGauge(m, m.prefix() + "_service_health_status",
                             "The status the watched API's health path reports: 1 for the current "
                             "one, 0 for the others reported before.");
}

prometheus::Family<Gauge>& RegisterHealthFlag(telemetry::Metrics& m, const char* field) {
  return RegisterHealthGauge(m, m.prefix() + "_" + field,
                             std::string("Whether the watched API reports ") + field +
                                 " (1) or not (0) in its health answers; absent until reported.");
}

prometheus::Family<Gauge>& RegisterDbConnections(telemetry::Metrics& m) {
  return RegisterHealthGauge(
      m, m.prefix() + "_db_connections",
      "Connections of the watched API's database pool by state (active, idle), from its "
      "health answers.");
}

prometheus::Family<Gauge>& RegisterDbPoolSize(telemetry::Metrics& m) {
  return RegisterHealthGauge(m, m.prefix() + "_db_connection_pool_size",
                             "Connections in the watched API's database pool, from its health "
                             "answers.");
}

prometheus::Family<Gauge>& RegisterDbTableRows(telemetry::Metrics& m) {
  return RegisterHealthGauge(m, m.prefix() + "_db_table_rows",
                             "Rows per table of the watched API's database, from its health "
                             "answers (table_stats).");
}

prometheus::Family<prometheus::Counter>& RegisterHealthProbes(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_proxy_health_probes_total")
      .Help(
          "Health probes of the watched API by result (ok, http_error, timeout, refused, "
          "error).")
      .Register(m.registry());
}

prometheus::Histogram& RegisterHealthProbeDuration(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name("modelwatch_proxy_health_probe_duration_seconds")
      .Help("How long the watched API's health path took to answer (or fail), in seconds.")
      .Register(m.registry())
      .Add({}, telemetry::RequestDurationBuckets());
}

std::optional<double> HealthFlagValue(const std::optional<bool>& flag) {
  if (!flag) return std::nullopt;
  return *flag ? 1.0 : 0.0;
}

}  // namespace

void HealthGauges::OptionalGauge::Set(std::optional<double> value) {
  if (!value) {
    if (series != nullptr) family->Remove(series);
    series = nullptr;
    return;
  }
  if (series == nullptr) series = &family->Add({});
  series->Set(*value);
}

HealthGauges::HealthGauges(telemetry::Metrics& metrics)
    : up_{&RegisterServiceUp(metrics)},
      database_connected_{&RegisterHealthFlag(metrics, "database_connected")},
      redis_connected_{&RegisterHealthFlag(metrics, "redis_connected")},
      model_loaded_{&RegisterHealthFlag(metrics, "model_loaded")},
      pool_size_{&RegisterDbPoolSize(metrics)},
      status_family_(RegisterHealthStatus(metrics)),
      connections_family_(RegisterDbConnections(metrics)),
      tables_family_(RegisterDbTableRows(metrics)),
      probe_duration_(RegisterHealthProbeDuration(metrics)) {
  prometheus::Family<prometheus::Counter>& probes = RegisterHealthProbes(metrics);
  for (ProbeResult r : {ProbeResult::kOk, ProbeResult::kHttpError, ProbeResult::kTimeout,
                        ProbeResult::kRefused, ProbeResult::kError}) {
    probes_[static_cast<size_t>(r)] = &probes.Add({{"result", std::string(ProbeResultName(r))}});
  }
}

void HealthGauges::Update(const UpstreamHealth& health) {
  if (!health.probed) return;
  std::lock_guard lock(mu_);
  probes_[static_cast<size_t>(health.result)]->Increment();
  probe_duration_.Observe(health.probe_seconds);
  up_.Set(health.up ? 1.0 : 0.0);
  UpdateStatus(health.status);
  database_connected_.Set(HealthFlagValue(health.database_connected));
  redis_connected_.Set(HealthFlagValue(health.redis_connected));
  model_loaded_.Set(HealthFlagValue(health.model_loaded));
  UpdatePool(health.pool);
  UpdateTables(health.table_rows);
}

void HealthGauges::UpdateStatus(const std::optional<std::string>& status) {
  std::string label;
  if (status) {
    const bool known = statuses_.count(*status) != 0;
    const bool room = statuses_.size() < kHealthMaxStatuses - 1;  // one left for "other"
    const bool fits = !status->empty() && status->size() <= kHealthMaxStatusBytes;
    label = (known || (room && fits)) ? *status : std::string(kHealthOtherStatus);
    if (statuses_.count(label) == 0) statuses_[label] = &status_family_.Add({{"status", label}});
  }
  for (const auto& [value, gauge] : statuses_) gauge->Set(value == label ? 1.0 : 0.0);
}

void HealthGauges::UpdatePool(const std::optional<UpstreamHealth::DbPool>& pool) {
  pool_size_.Set(pool ? std::optional<double>(static_cast<double>(pool->total)) : std::nullopt);
  if (!pool) {
    if (connections_active_ != nullptr) {
      connections_family_.Remove(connections_active_);
      connections_family_.Remove(connections_idle_);
    }
    connections_active_ = connections_idle_ = nullptr;
    return;
  }
  if (connections_active_ == nullptr) {
    connections_active_ = &connections_family_.Add({{"state", "active"}});
    connections_idle_ = &connections_family_.Add({{"state", "idle"}});
  }
  connections_active_->Set(static_cast<double>(pool->active));
  connections_idle_->Set(static_cast<double>(pool->idle));
}

void HealthGauges::UpdateTables(const std::map<std::string, int64_t>& table_rows) {
  for (auto it = tables_.begin(); it != tables_.end();) {
    if (table_rows.count(it->first) == 0) {
      tables_family_.Remove(it->second);
      it = tables_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [table, rows] : table_rows) {
    prometheus::Gauge*& gauge = tables_[table];
    if (gauge == nullptr) gauge = &tables_family_.Add({{"table", table}});
    gauge->Set(static_cast<double>(rows));
  }
}

}  // namespace mw::proxy
