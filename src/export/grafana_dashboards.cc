// The modelwatch dashboards. Placeholders: {P} metric prefix, {S} segment label, {JOB} the
// Prometheus job scraping modelwatch (see detail/dashboard_builder.h).
//
// Rule for every query: on a live modelwatch with traffic it returns at least one series (the
// Prometheus stack integration test sends each one). Families that exist only after a first
// event of their kind (errors, rejections, alerts) are wrapped in `... or vector(0)`, and ratios
// take `or vector(0)` on the numerator only, so an idle denominator still shows as NaN (no
// traffic) rather than as a fake 0 %.
#include <string>

#include "export/detail/dashboard_builder.h"
#include "export/grafana.h"

namespace mw::exporting {

namespace {

using detail::DashboardBuilder;
using detail::PanelSpec;

// Label matchers of the $model / $segment variables: predictions and the registry gauges carry
// the model name in model_type, the quality gauges in model.
constexpr const char* kModel = R"(model=~"$model", {S}=~"$segment")";
constexpr const char* kModelType = R"(model_type=~"$model", {S}=~"$segment")";

std::string Rate(const std::string& series) { return "rate(" + series + "[$__rate_interval])"; }

// histogram_quantile over a histogram's bucket rates, summed by `by` (besides le); `histogram` is
// the family's full name ("{P}_..." for the watched service's, "modelwatch_..." for our own).
std::string Quantile(const std::string& q, const std::string& histogram, const std::string& by = "",
                     const std::string& matchers = "") {
  const std::string selector =
      histogram + "_bucket" + (matchers.empty() ? "" : "{" + matchers + "}");
  return "histogram_quantile(" + q + ", sum by (le" + (by.empty() ? "" : ", " + by) + ") (" +
         Rate(selector) + "))";
}

std::string With(const char* matchers) { return std::string("{") + matchers + "}"; }

void AddModelVariables(DashboardBuilder& d) {
  d.AddVariable("model", "Model", "label_values({P}_predictions_total, model_type)");
  d.AddVariable("segment", "{S}",
                R"(label_values({P}_predictions_total{model_type=~"$model"}, {S}))");
}

// The API dashboard's top row: one number each for traffic, errors, latency and the cache.
void AddApiSummary(DashboardBuilder& d) {
  const std::string requests = Rate("{P}_api_requests_total");
  const std::string errors5xx = Rate(R"({P}_api_errors_total{status=~"5.."})");
  d.Add({.type = "stat",
         .title = "Request rate",
         .description = "Requests per second, every route.",
         .unit = "reqps",
         .width = 4,
         .height = 4,
         .queries = {{"sum(" + requests + ")", ""}}});
  d.Add({.type = "stat",
         .title = "Error rate (5xx)",
         .description = "Share of requests answered 5xx. NaN: no requests in the interval.",
         .unit = "percentunit",
         .width = 4,
         .height = 4,
         .queries = {{"(sum(" + errors5xx + ") or vector(0)) / sum(" + requests + ")", ""}},
         .thresholds = {{0.01, "orange"}, {0.05, "red"}}});
  d.Add({.type = "stat",
         .title = "Latency p95",
         .description = "95th percentile of request duration, every route.",
         .unit = "s",
         .width = 4,
         .height = 4,
         .queries = {{Quantile("0.95", "{P}_api_request_duration_seconds"), ""}},
         .thresholds = {{3, "orange"}, {5, "red"}}});
  d.Add({.type = "stat",
         .title = "Cache hit rate",
         .description = "Reference-profile cache (model cache) hits / lookups. NaN: no lookups "
                        "in the interval.",
         .unit = "percentunit",
         .width = 4,
         .height = 4,
         .queries = {{"sum(" + Rate("{P}_cache_hits_total") + ") / (sum(" +
                          Rate("{P}_cache_hits_total") + ") + sum(" +
                          Rate("{P}_cache_misses_total") + "))",
                      ""}},
         .thresholds = {{0, "red"}, {0.5, "orange"}, {0.7, "green"}}});
  d.Add({.type = "stat",
         .title = "In-flight requests",
         .description = "Requests being handled now (the scrape itself counts as one).",
         .unit = "short",
         .width = 4,
         .height = 4,
         .queries = {{"sum({P}_api_requests_in_flight)", ""}}});
  d.Add({.type = "stat",
         .title = "Errors in the last hour",
         .description = "Requests answered 4xx or 5xx over the last hour.",
         .unit = "short",
         .width = 4,
         .height = 4,
         .queries = {{"sum(increase({P}_api_errors_total[1h])) or vector(0)", ""}},
         .thresholds = {{50, "orange"}, {100, "red"}}});
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
                        "events report it (latency_ms).",
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
}

// The cache, in-flight requests and ingest over time.
void AddApiCacheAndIngest(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Cache hit rate",
         .description = "Reference-profile cache hits / lookups; evictions per second.",
         .unit = "percentunit",
         .queries = {{"sum(" + Rate("{P}_cache_hits_total") + ") / (sum(" +
                          Rate("{P}_cache_hits_total") + ") + sum(" +
                          Rate("{P}_cache_misses_total") + "))",
                      "hit rate"}},
         .min = 0,
         .max = 1});
  d.Add({.type = "timeseries",
         .title = "In-flight requests",
         .description = "Requests being handled, per instance.",
         .unit = "short",
         .queries = {{"sum by (instance) ({P}_api_requests_in_flight)", "{{instance}}"}}});
  d.Add({.type = "timeseries",
         .title = "Ingest: events/s",
         .description = "Predictions newly stored and actuals received (matched or waiting for "
                        "their prediction).",
         .unit = "ops",
         .queries = {{"sum(" + Rate("{P}_predictions_total") + ")", "predictions"},
                     {"sum by (matched) (" + Rate("{P}_actuals_total") + ") or vector(0)",
                      "actuals matched={{matched}}"}}});
  d.Add({.type = "timeseries",
         .title = "Ingest: rejected requests/s and batch size",
         .description = "Rejected ingest requests by reason (0 while none), and the median "
                        "events per ingest request.",
         .unit = "short",
         .queries = {
             {"sum by (reason) (" + Rate("modelwatch_ingest_rejected_total") + ") or vector(0)",
              "rejected {{reason}}"},
             {Quantile("0.5", "modelwatch_ingest_batch_size"), "batch size p50"}}});
}

GrafanaDashboard ApiDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-api", "modelwatch / ML API performance",
                     "Requests, latency, errors, cache and ingest of the modelwatch API.");
  AddApiSummary(d);
  d.NewRow();
  AddApiTraffic(d);
  AddApiCacheAndIngest(d);
  return {"modelwatch-api.json", d.Build()};
}

// The models dashboard's top row: models loaded and registered, drift, evaluator freshness.
void AddModelSummary(DashboardBuilder& d) {
  d.Add({.type = "stat",
         .title = "Active models",
         .description = "Reference profiles loaded in the model cache.",
         .width = 6,
         .height = 4,
         .queries = {{R"(sum({P}_active_models{model_type=~"$model"}) or vector(0))", ""}}});
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
                      "worse); performance drift past quality.degradation_threshold.",
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

GrafanaDashboard DatabaseDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-database", "modelwatch / Database",
                     "Connection pool, query and commit latency, and table sizes of modelwatch's "
                     "store.");
  d.Add({.type = "stat",
         .title = "Database size",
         .unit = "bytes",
         .width = 6,
         .height = 4,
         .queries = {{"sum(modelwatch_store_size_bytes)", ""}}});
  d.Add(
      {.type = "stat",
       .title = "Read pool in use",
       .unit = "percentunit",
       .width = 6,
       .height = 4,
       .queries =
           {{R"(sum(modelwatch_store_connections{state="active"}) / sum(modelwatch_store_connection_pool_size))",
             ""}},
       .thresholds = {{0.8, "orange"}, {0.95, "red"}}});
  d.Add({.type = "stat",
         .title = "Query p95",
         .unit = "s",
         .width = 6,
         .height = 4,
         .queries = {{Quantile("0.95", "modelwatch_store_query_duration_seconds"), ""}},
         .thresholds = {{2, "orange"}, {3, "red"}}});
  d.Add({.type = "stat",
         .title = "Write queue",
         .description = "Write requests waiting for the single writer.",
         .width = 6,
         .height = 4,
         .queries = {{"sum(modelwatch_store_write_queue_depth)", ""}}});
  d.NewRow();
  d.Add({.type = "timeseries",
         .title = "Connection pool",
         .queries = {{"sum by (state) (modelwatch_store_connections)", "{{state}}"},
                     {"sum(modelwatch_store_connection_pool_size)", "pool size"}}});
  d.Add({.type = "timeseries",
         .title = "Query p95 by operation",
         .unit = "s",
         .queries = {{Quantile("0.95", "modelwatch_store_query_duration_seconds", "operation"),
                      "{{operation}}"}}});
  d.Add({.type = "timeseries",
         .title = "Group commits",
         .description = "Transactions committed per second by the single writer and their p95 "
                        "duration including fsync.",
         .unit = "short",
         .queries = {
             {"sum(" + Rate("modelwatch_store_group_commits_total") + ")", "commits/s"},
             {Quantile("0.95", "modelwatch_store_group_commit_duration_seconds"), "p95 seconds"},
             {Quantile("0.5", "modelwatch_store_group_commit_rows"), "rows per commit p50"}}});
  d.Add({.type = "timeseries",
         .title = "Write queue depth",
         .queries = {{"sum by (instance) (modelwatch_store_write_queue_depth)", "{{instance}}"}}});
  d.Add({.type = "bargauge",
         .title = "Table rows",
         .width = 12,
         .queries = {{"sum by (table) (modelwatch_store_table_rows)", "{{table}}"}},
         .instant = true});
  d.Add({.type = "timeseries",
         .title = "Database size",
         .unit = "bytes",
         .width = 12,
         .queries = {{"sum by (instance) (modelwatch_store_size_bytes)", "{{instance}}"}}});
  return {"modelwatch-database.json", d.Build()};
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
  return {ApiDashboard(options), ModelDashboard(options), DatabaseDashboard(options),
          SystemDashboard(options), AlertsDashboard(options)};
}

}  // namespace mw::exporting
