// The dashboards of the watched service (ML API, models, host) and of the alerts; modelwatch's own
// dashboard is grafana_self_dashboard.cc. Placeholders: {P} metric prefix, {S} segment label,
// {JOB} the Prometheus job scraping modelwatch (see detail/dashboard_builder.h).
//
// Rule for every query: on a live modelwatch with traffic it returns at least one series (the
// Prometheus stack integration test sends each one). Families that exist only after a first
// event of their kind (errors, rejections, alerts) are wrapped in `... or vector(0)`, and ratios
// take `or vector(0)` on the numerator only, so an idle denominator still shows as NaN (no
// traffic) rather than as a fake 0 %. The ML API dashboard reads what the proxy reports (P_api_*,
// P_cache_*{cache_type="response"}, P_service_up and the upstream's health and database gauges):
// its queries have series once modelwatch runs as a proxy in front of the service.
#include <string>

#include "export/detail/dashboard_builder.h"
#include "export/grafana.h"

namespace mw::exporting {

namespace {

using detail::DashboardBuilder;
using detail::HitRatio;
using detail::PanelSpec;
using detail::Quantile;
using detail::Rate;

// Label matchers of the $model / $segment variables: predictions and the registry gauges carry
// the model name in model_type, the quality gauges in model.
constexpr const char* kModel = R"(model=~"$model", {S}=~"$segment")";
constexpr const char* kModelType = R"(model_type=~"$model", {S}=~"$segment")";
// The proxy's response cache (the only cache under the prefix).
constexpr const char* kResponseCache = R"({cache_type="response"})";

std::string With(const char* matchers) { return std::string("{") + matchers + "}"; }

void AddModelVariables(DashboardBuilder& d) {
  d.AddVariable("model", "Model", "label_values({P}_predictions_total, model_type)");
  d.AddVariable("segment", "{S}",
                R"(label_values({P}_predictions_total{model_type=~"$model"}, {S}))");
}

// The ML API dashboard's top row: one number each for the service's health, traffic, errors,
// latency and its response cache.
void AddApiSummary(DashboardBuilder& d) {
  const std::string requests = Rate("{P}_api_requests_total");
  const std::string errors5xx = Rate(R"({P}_api_errors_total{status=~"5.."})");
  auto stat = [&](PanelSpec p) {  // the summary row's size
    p.width = 3;
    p.height = 4;
    d.Add(p);
  };
  stat({.type = "stat",
        .title = "Service up",
        .description = "1 while the prediction service answers modelwatch's health probe "
                       "(proxy.health_path); the lowest over the instances.",
        .queries = {{"min({P}_service_up)", ""}},
        .thresholds = {{0, "red"}, {1, "green"}}});
  stat({.type = "stat",
        .title = "Request rate",
        .description = "Requests per second through the proxy, every route.",
        .unit = "reqps",
        .queries = {{"sum(" + requests + ")", ""}}});
  stat({.type = "stat",
        .title = "Error rate (5xx)",
        .description = "Share of requests answered 5xx (by the service, or 502/503/504 by the "
                       "proxy). NaN: no requests in the interval.",
        .unit = "percentunit",
        .queries = {{"(sum(" + errors5xx + ") or vector(0)) / sum(" + requests + ")", ""}},
        .thresholds = {{0.01, "orange"}, {0.05, "red"}}});
  stat({.type = "stat",
        .title = "Latency p95",
        .description = "95th percentile of the time to answer a request, every route, as the "
                       "client sees it through the proxy.",
        .unit = "s",
        .queries = {{Quantile("0.95", "{P}_api_request_duration_seconds"), ""}},
        .thresholds = {{3, "orange"}, {5, "red"}}});
  stat({.type = "stat",
        .title = "Cache hit rate",
        .description = "Response-cache hits / lookups. NaN: no lookups in the interval.",
        .unit = "percentunit",
        .queries = {{HitRatio(std::string("{P}_cache_hits_total") + kResponseCache,
                              std::string("{P}_cache_misses_total") + kResponseCache),
                     ""}},
        .thresholds = {{0, "red"}, {0.5, "orange"}, {0.7, "green"}}});
  stat({.type = "stat",
        .title = "In-flight requests",
        .description = "Requests being handled by the service now.",
        .unit = "short",
        .queries = {{"sum({P}_api_requests_in_flight)", ""}}});
  stat({.type = "stat",
        .title = "Errors in the last hour",
        .description = "Requests answered 4xx or 5xx over the last hour.",
        .unit = "short",
        .queries = {{"sum(increase({P}_api_errors_total[1h])) or vector(0)", ""}},
        .thresholds = {{50, "orange"}, {100, "red"}}});
  stat({.type = "stat",
        .title = "Predictions/s",
        .description = "Predictions newly stored per second (captured by the proxy or posted "
                       "to /v1/predictions).",
        .unit = "ops",
        .queries = {{"sum(" + Rate("{P}_predictions_total") + ")", ""}}});
}

// Request rate, latency and errors over time.
void AddApiTraffic(DashboardBuilder& d) {
  const std::string requests = Rate("{P}_api_requests_total");
  d.Add({.type = "timeseries",
         .title = "Requests/s by endpoint",
         .description = "Request rate per route template.",
         .unit = "reqps",
         .queries = {{"sum by (endpoint) (" + requests + ")", "{{endpoint}}"}}});
  d.Add({.type = "timeseries",
         .title = "Latency p50 / p95 / p99",
         .description = "Request duration percentiles over every route.",
         .unit = "s",
         .queries = {{Quantile("0.5", "{P}_api_request_duration_seconds"), "p50"},
                     {Quantile("0.95", "{P}_api_request_duration_seconds"), "p95"},
                     {Quantile("0.99", "{P}_api_request_duration_seconds"), "p99"}}});
  d.Add({.type = "timeseries",
         .title = "Latency p95 by endpoint",
         .description = "95th percentile of request duration per route template.",
         .unit = "s",
         .queries = {
             {Quantile("0.95", "{P}_api_request_duration_seconds", "endpoint"), "{{endpoint}}"}}});
  d.Add({.type = "timeseries",
         .title = "Prediction latency p95 by model",
         .description = "95th percentile of the time the model took per prediction, as the "
                        "events report it (latency_ms; answers from the cache have none).",
         .unit = "s",
         .queries = {{Quantile("0.95", "{P}_prediction_duration_seconds", "model_type"),
                      "{{model_type}}"}}});
  d.Add({.type = "timeseries",
         .title = "Error rate by status",
         .description = "Share of all requests answered with each 4xx/5xx status (0 while there "
                        "are no errors).",
         .unit = "percentunit",
         .queries = {{"sum by (status) (" + Rate("{P}_api_errors_total") + ") / scalar(sum(" +
                          requests + ")) or vector(0)",
                      "{{status}}"}}});
  d.Add({.type = "timeseries",
         .title = "In-flight requests",
         .description = "Requests being handled, per instance.",
         .unit = "short",
         .queries = {{"sum by (instance) ({P}_api_requests_in_flight)", "{{instance}}"}}});
}

// The response cache, and the service's health and database as its /health reports them.
void AddApiCacheAndHealth(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Response cache",
         .description = "Hits / lookups of the proxy's response cache, and evictions per second "
                        "(0 while none).",
         .unit = "percentunit",
         .queries = {{HitRatio(std::string("{P}_cache_hits_total") + kResponseCache,
                               std::string("{P}_cache_misses_total") + kResponseCache),
                      "hit rate"},
                     {"sum(" + Rate(std::string("{P}_cache_evictions_total") + kResponseCache) +
                          ") or vector(0)",
                      "evictions/s"}},
         .min = 0});
  d.Add({.type = "timeseries",
         .title = "Response cache size",
         .description = "Bytes the response cache holds (memory), or Redis' used_memory.",
         .unit = "bytes",
         .queries = {{std::string("sum by (instance) ({P}_cache_size_bytes") + kResponseCache + ")",
                      "{{instance}}"}}});
  d.Add({.type = "timeseries",
         .title = "Service health",
         .description = "1/0 from modelwatch's probe of the service (up) and from the fields its "
                        "/health reports (a field it does not send has no line).",
         .queries = {{"min({P}_service_up)", "up"},
                     {"min({P}_database_connected)", "database connected"},
                     {"min({P}_redis_connected)", "redis connected"},
                     {"min({P}_model_loaded)", "model loaded"}},
         .min = 0,
         .max = 1});
  d.Add({.type = "table",
         .title = "Reported health status",
         .description = "The status the service's /health reports (1) and the ones it reported "
                        "before (0).",
         .queries = {{"max by (status) ({P}_service_health_status)", ""}},
         .instant = true});
  d.Add({.type = "timeseries",
         .title = "Service database pool",
         .description = "The service's own database connections (from its /health/db), against "
                        "its pool size.",
         .unit = "short",
         .queries = {{"sum by (state) ({P}_db_connections)", "{{state}}"},
                     {"sum({P}_db_connection_pool_size)", "pool size"}}});
  d.Add({.type = "bargauge",
         .title = "Service table rows",
         .description = "Rows per table of the service's database (from its /health/db).",
         .queries = {{"sum by (table) ({P}_db_table_rows)", "{{table}}"}},
         .instant = true});
}

GrafanaDashboard ApiDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-api", "modelwatch / ML API",
                     "The prediction service as modelwatch's proxy sees it: requests, latency, "
                     "errors, the response cache, the service's health and database, and its "
                     "predictions.");
  AddApiSummary(d);
  d.NewRow();
  AddApiTraffic(d);
  AddApiCacheAndHealth(d);
  return {"modelwatch-api.json", d.Build()};
}

// The models dashboard's top row: models loaded and registered, drift, evaluator freshness.
void AddModelSummary(DashboardBuilder& d) {
  d.Add({.type = "stat",
         .title = "Active models",
         .description = "(model, {S}) pairs with predictions in the interval.",
         .width = 6,
         .height = 4,
         .queries = {{"count(sum by (model_type, {S}) (" +
                          Rate("{P}_predictions_total" + With(kModelType)) + ") > 0) or vector(0)",
                      ""}}});
  d.Add({.type = "stat",
         .title = "Registered model versions",
         .description = "(model, {S}) pairs with a latest version in the registry.",
         .width = 6,
         .height = 4,
         .queries = {{R"(sum({P}_registered_models{model_type=~"$model"}) or vector(0))", ""}}});
  d.Add({.type = "stat",
         .title = "Drifting models",
         .description = "(model, {S}) pairs whose performance degraded or whose data drifted.",
         .width = 6,
         .height = 4,
         .queries = {{"sum(" + std::string("{P}_model_drift_detected") + With(kModel) +
                          ") or vector(0)",
                      ""}},
         .thresholds = {{1, "red"}}});
  d.Add({.type = "stat",
         .title = "Last evaluation",
         .description = "Time since the evaluator's last successful pass.",
         .unit = "s",
         .width = 6,
         .height = 4,
         .queries = {{"time() - max(modelwatch_evaluator_last_success_timestamp_seconds)", ""}}});
}

// Predictions and the quality gauges against their training values.
void AddModelPerformance(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Predictions/s by model and {S}",
         .unit = "ops",
         .width = 24,
         .queries = {
             {"sum by (model_type, {S}) (" + Rate("{P}_predictions_total" + With(kModelType)) + ")",
              "{{model_type}} {{{S}}}"}}});
  auto versus_training = [&](const std::string& title, const std::string& gauge,
                             const std::string& training_gauge, const std::string& unit) {
    d.Add({.type = "timeseries",
           .title = title,
           .description = "Evaluation-window value (solid) against the training value of the "
                          "model version it is compared with.",
           .unit = unit,
           .width = 8,
           .queries = {{"{P}_" + gauge + With(kModel), "{{model}} {{{S}}}"},
                       {"{P}_" + training_gauge + With(kModel),
                        "{{model}} {{{S}}} training {{version}}"}}});
  };
  versus_training("MAE vs training", "model_mae", "model_training_mae", "short");
  versus_training("RMSE vs training", "model_rmse", "model_training_rmse", "short");
  versus_training("AUC vs training", "model_auc_score", "model_training_auc_score", "short");
  d.Add(
      {.type = "timeseries",
       .title = "Degradation against training",
       .description = "How much worse the primary metric is than at training (0.25 = 25 % "
                      "worse); performance drift when past quality.degradation_threshold and "
                      "significant.",
       .unit = "percentunit",
       .width = 12,
       .queries = {{"{P}_model_degradation_ratio" + With(kModel), "{{model}} {{{S}}} {{metric}}"}},
       .thresholds = {{0.2, "orange"}, {0.5, "red"}}});
}

// Drift: status, per-feature scores and PSI, risk bands, drifted features.
void AddModelDrift(DashboardBuilder& d) {
  d.Add({.type = "table",
         .title = "Drift status",
         .description = "1 = drifted (performance degraded or dataset drift); share of drifted "
                        "features.",
         .width = 12,
         .queries = {{"{P}_model_drift_detected" + With(kModel), ""},
                     {"{P}_data_drift_share" + With(kModel), ""}},
         .instant = true});
  d.Add({.type = "timeseries",
         .title = "Drift score per feature",
         .description = "The chosen test's statistic or distance per feature against the "
                        "reference profile.",
         .width = 12,
         .queries = {{"{P}_feature_drift_score" + With(kModel),
                      "{{model}} {{{S}}} {{feature}} ({{test}})"}}});
  d.Add({.type = "timeseries",
         .title = "PSI per numeric feature",
         .description = "Population stability index: < 0.1 stable, 0.1-0.2 moderate, > 0.2 "
                        "significant shift.",
         .width = 12,
         .queries = {{"{P}_feature_psi" + With(kModel), "{{model}} {{{S}}} {{feature}}"}},
         .thresholds = {{0.1, "orange"}, {0.2, "red"}}});
  d.Add({.type = "bargauge",
         .title = "Predictions by risk band",
         .description = "Classifier predictions in the evaluation window: low [0, 0.3), medium "
                        "[0.3, 0.7), high [0.7, 1].",
         .width = 8,
         .queries = {{"sum by (band) ({P}_predictions_risk_band" + With(kModel) + ")", "{{band}}"}},
         .instant = true});
  d.Add({.type = "timeseries",
         .title = "Drifted features",
         .description = "Features whose drift test fired, per model and {S}.",
         .width = 8,
         .queries = {{"sum by (model, {S}) ({P}_feature_drift_detected" + With(kModel) + ")",
                      "{{model}} {{{S}}}"}}});
}

// The evaluation window's rows, missing values and classifier scores.
void AddModelWindow(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Rows in the evaluation window",
         .description = "Predictions in the window, and those with an actual (the sample the "
                        "accuracy metrics use).",
         .width = 8,
         .queries = {{"{P}_model_predictions_in_window" + With(kModel), "{{model}} {{{S}}}"},
                     {"{P}_model_sample_size" + With(kModel), "{{model}} {{{S}}} with actuals"}}});
  d.Add(
      {.type = "timeseries",
       .title = "Missing rate per feature",
       .unit = "percentunit",
       .width = 12,
       .queries = {{"{P}_feature_missing_rate" + With(kModel), "{{model}} {{{S}}} {{feature}}"}}});
  d.Add({.type = "timeseries",
         .title = "Classifier scores by bucket",
         .description = "Classifier scores seen per interval, by upper bucket bound.",
         .width = 12,
         .queries = {{"sum by (le) (increase({P}_prediction_score_bucket" + With(kModel) +
                          "[$__rate_interval]))",
                      "le {{le}}"}}});
}

GrafanaDashboard ModelDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-models", "modelwatch / Model performance",
                     "Predictions, accuracy against training, drift and risk bands per model and "
                     "{S}. The quality gauges are refreshed by the evaluator "
                     "(quality.evaluation_interval_seconds).");
  AddModelVariables(d);
  AddModelSummary(d);
  d.NewRow();
  AddModelPerformance(d);
  AddModelDrift(d);
  AddModelWindow(d);
  return {"modelwatch-models.json", d.Build()};
}

GrafanaDashboard SystemDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-system", "modelwatch / System",
                     "Host and process resources as modelwatch reads them from /proc (no "
                     "node-exporter needed).");
  const std::string job = R"({job="{JOB}"})";
  d.Add({.type = "stat",
         .title = "modelwatch up",
         .description = "Scrape targets of job {JOB} that answer.",
         .width = 6,
         .height = 4,
         .queries = {{"sum(up" + job + ")", ""}}});
  d.Add({.type = "stat",
         .title = "Host CPU",
         .unit = "percentunit",
         .width = 6,
         .height = 4,
         .queries = {{"avg({P}_system_cpu_usage_ratio)", ""}},
         .thresholds = {{0.7, "orange"}, {0.8, "red"}}});
  d.Add(
      {.type = "stat",
       .title = "Host memory used",
       .unit = "percentunit",
       .width = 6,
       .height = 4,
       .queries =
           {{R"(sum({P}_system_memory_bytes{state="used"}) / sum({P}_system_memory_bytes{state="total"}))",
             ""}},
       .thresholds = {{0.8, "orange"}, {0.9, "red"}}});
  d.Add({.type = "stat",
         .title = "Data disk free",
         .unit = "percentunit",
         .width = 6,
         .height = 4,
         .queries = {{"min({P}_system_disk_free_bytes / {P}_system_disk_total_bytes)", ""}},
         .thresholds = {{0, "red"}, {0.1, "orange"}, {0.2, "green"}}});
  d.NewRow();
  d.Add({.type = "timeseries",
         .title = "CPU",
         .description = "Host busy share, and modelwatch's CPU time in cores.",
         .unit = "percentunit",
         .queries = {{"{P}_system_cpu_usage_ratio", "host {{instance}}"},
                     {Rate("process_cpu_seconds_total" + job), "modelwatch {{instance}}"}}});
  d.Add({.type = "timeseries",
         .title = "Memory",
         .unit = "bytes",
         .queries = {{"sum by (state) ({P}_system_memory_bytes)", "host {{state}}"},
                     {"process_resident_memory_bytes" + job, "modelwatch RSS {{instance}}"}}});
  d.Add({.type = "timeseries",
         .title = "Disk I/O",
         .description = "Bytes read and written per second, whole disks.",
         .unit = "Bps",
         .queries = {{"sum by (device) (" + Rate("{P}_system_disk_read_bytes_total") + ")",
                      "read {{device}}"},
                     {"sum by (device) (" + Rate("{P}_system_disk_written_bytes_total") + ")",
                      "written {{device}}"}}});
  d.Add(
      {.type = "timeseries",
       .title = "Network I/O",
       .unit = "Bps",
       .queries = {{"sum by (interface) (" + Rate("{P}_system_network_receive_bytes_total") + ")",
                    "receive {{interface}}"},
                   {"sum by (interface) (" + Rate("{P}_system_network_transmit_bytes_total") + ")",
                    "transmit {{interface}}"}}});
  d.Add({.type = "timeseries",
         .title = "Data directory file system",
         .unit = "bytes",
         .queries = {{"{P}_system_disk_free_bytes", "free {{path}}"},
                     {"{P}_system_disk_total_bytes", "total {{path}}"}}});
  d.Add({.type = "timeseries",
         .title = "Open file descriptors",
         .unit = "short",
         .queries = {{"process_open_fds" + job, "open {{instance}}"},
                     {"process_max_fds" + job, "limit {{instance}}"}}});
  return {"modelwatch-system.json", d.Build()};
}

GrafanaDashboard AlertsDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-alerts", "modelwatch / Alerts",
                     "Alerts of modelwatch's built-in rule engine ({P}_alerts, one series per "
                     "pending or firing alert, like Prometheus' ALERTS) and of Prometheus "
                     "evaluating the exported rules (ALERTS).");
  d.Add({.type = "stat",
         .title = "Firing (modelwatch)",
         .width = 6,
         .height = 4,
         .queries = {{R"(sum({P}_alerts{alertstate="firing"}) or vector(0))", ""}},
         .thresholds = {{1, "red"}}});
  d.Add({.type = "stat",
         .title = "Pending (modelwatch)",
         .width = 6,
         .height = 4,
         .queries = {{R"(sum({P}_alerts{alertstate="pending"}) or vector(0))", ""}},
         .thresholds = {{1, "orange"}}});
  d.Add({.type = "stat",
         .title = "Rules evaluated",
         .description = "Alerting rules loaded by the built-in engine.",
         .width = 6,
         .height = 4,
         .queries = {{"sum(modelwatch_alert_rules) or vector(0)", ""}}});
  d.Add({.type = "stat",
         .title = "Firing (Prometheus)",
         .description = "Alerts of the exported rules as Prometheus evaluates them.",
         .width = 6,
         .height = 4,
         .queries = {{R"(sum(ALERTS{alertstate="firing"}) or vector(0))", ""}},
         .thresholds = {{1, "red"}}});
  d.NewRow();
  d.Add({.type = "table",
         .title = "Active alerts (modelwatch)",
         .description = "Pending and firing alerts of the built-in engine with their labels "
                        "(a single 0 row: none).",
         .width = 24,
         .queries = {{"{P}_alerts or vector(0)", ""}},
         .instant = true});
  d.Add({.type = "timeseries",
         .title = "Firing alerts by severity",
         .queries = {{R"(sum by (severity) ({P}_alerts{alertstate="firing"}) or vector(0))",
                      "{{severity}}"}}});
  d.Add({.type = "timeseries",
         .title = "Firing alerts by name",
         .queries = {{R"(sum by (alertname) ({P}_alerts{alertstate="firing"}) or vector(0))",
                      "{{alertname}}"}}});
  d.Add({.type = "timeseries",
         .title = "Notifications/s",
         .description = "Notifications delivered, given up (by reason) and retried per second, "
                        "by channel (0 while none).",
         .unit = "short",
         .queries = {
             {"sum by (channel) (" + Rate("modelwatch_notifications_sent_total") + ") or vector(0)",
              "sent {{channel}}"},
             {"sum by (channel, reason) (" + Rate("modelwatch_notifications_failed_total") +
                  ") or vector(0)",
              "failed {{channel}} {{reason}}"},
             {"sum by (channel, reason) (" + Rate("modelwatch_notification_retries_total") +
                  ") or vector(0)",
              "retried {{channel}} {{reason}}"}}});
  d.Add({.type = "timeseries",
         .title = "Notifications queued",
         .description = "Notifications waiting in the durable outbox, by channel: a receiver "
                        "that is down shows as a growing queue.",
         .unit = "short",
         .queries = {
             {"sum by (channel) (modelwatch_notifications_queued) or vector(0)", "{{channel}}"}}});
  d.Add({.type = "timeseries",
         .title = "Prometheus ALERTS by name",
         .width = 24,
         .queries = {{R"(sum by (alertname, alertstate) (ALERTS) or vector(0))",
                      "{{alertname}} {{alertstate}}"}}});
  return {"modelwatch-alerts.json", d.Build()};
}

}  // namespace

std::vector<GrafanaDashboard> GrafanaDashboards(const GrafanaOptions& options) {
  return {ApiDashboard(options), ModelDashboard(options), SystemDashboard(options),
          AlertsDashboard(options), detail::ModelwatchSelfDashboard(options)};
}

}  // namespace mw::exporting
