// Grafana export (`modelwatch export grafana --out DIR`): provisioning files for a Prometheus data
// source and a file dashboard provider, and the modelwatch dashboards as classic dashboard JSON
// (schemaVersion 39; importable by hand or provisioned):
//   dashboards/modelwatch-api.json       ML API: the watched service through the proxy — request
//                                        rate, p50/p95/p99, error rate by status, errors/hour,
//                                        in-flight, response cache, prediction latency by model,
//                                        service up, its /health gauges, its database pool
//   dashboards/modelwatch-models.json    Model performance: predictions by model, MAE/RMSE/AUC
//                                        against training, drift per feature, risk bands, active
//                                        models ($model and $segment variables)
//   dashboards/modelwatch-system.json    System: the host's CPU, memory, disk and network I/O,
//                                        file system
//   dashboards/modelwatch-alerts.json    Alerts: the built-in engine's alert gauge, Prometheus'
//                                        ALERTS, notifications
//   dashboards/modelwatch-self.json      modelwatch itself: its API server, ingest, store,
//                                        evaluator, profile cache, rule engine, outbox, proxy
//                                        internals, background errors, process
//   provisioning/datasources/prometheus.yml, provisioning/dashboards/modelwatch.yml
//
// Every query uses the configured metric prefix and segment label and the label names modelwatch
// really exports (P_predictions_total carries the model in `model_type`, the quality gauges in
// `model`), and is written so that it returns at least one series on a live modelwatch with
// traffic: sums that would be empty before the first error or alert fall back to `or vector(0)`.
// Queries use Grafana's $__rate_interval, so the data source's timeInterval must be Prometheus'
// scrape interval (GrafanaOptions::scrape_interval).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "export/files.h"

namespace mw::exporting {

struct GrafanaOptions {
  std::string prefix = "ml";              // metrics.prefix
  std::string segment_label = "segment";  // metrics.segment_label
  // The Prometheus job that scrapes modelwatch: selects modelwatch's process_* series and `up`.
  std::string job = "modelwatch";
  std::string datasource_uid = "prom";  // [a-zA-Z0-9_-]{1,40}; every panel and variable uses it
  std::string datasource_name = "Prometheus";
  std::string prometheus_url = "http://127.0.0.1:9090";  // as Grafana's server reaches it
  std::string scrape_interval = "15s";  // Prometheus' scrape interval (data source timeInterval)
  // Where Grafana reads the dashboard files from (the file provider's options.path).
  std::string dashboards_path = "/var/lib/grafana/dashboards/modelwatch";
};

struct GrafanaDashboard {
  std::string file_name;  // "modelwatch-api.json"
  nlohmann::json json;
};

// OK, or kInvalidArgument naming the bad option (prefix, segment label, job, data source uid,
// URL, interval, path).
Status ValidateGrafanaOptions(const GrafanaOptions& options);

// The five dashboards. Precondition: ValidateGrafanaOptions(options).ok().
std::vector<GrafanaDashboard> GrafanaDashboards(const GrafanaOptions& options);

// provisioning/datasources/prometheus.yml and provisioning/dashboards/modelwatch.yml.
std::string GrafanaDatasourceYaml(const GrafanaOptions& options);
std::string GrafanaDashboardProviderYaml(const GrafanaOptions& options);

// Every file of the export (paths relative to the output directory), or the validation error.
Result<std::vector<GeneratedFile>> GrafanaFiles(const GrafanaOptions& options);

// One PromQL query of a dashboard, as Grafana sends it before variable interpolation.
struct DashboardQuery {
  std::string panel_title;
  std::string ref_id;
  std::string expr;
};
// Every target of every panel, and every query variable's query (ref_id "var:<name>").
std::vector<DashboardQuery> DashboardQueries(const nlohmann::json& dashboard);

}  // namespace mw::exporting
