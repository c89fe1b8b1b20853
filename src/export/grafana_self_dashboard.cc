// modelwatch-self.json, "modelwatch / modelwatch itself": modelwatch's own machinery, whose
// families carry the fixed modelwatch_ prefix whatever metrics.prefix is — its API server
// (modelwatch_http_*), ingest bookkeeping, store, evaluator and profile cache, rule engine and
// outbox, the proxy's internals (modelwatch_proxy_*), background threads and process (process_*
// of the {JOB} job). The same query rule as grafana_dashboards.cc: each returns a series on a live
// modelwatch; counters that exist only after a first event take `or vector(0)`. The proxy's panels
// have series once modelwatch runs as a proxy.
#include <string>

#include "export/detail/dashboard_builder.h"
#include "export/grafana.h"

namespace mw::exporting::detail {

namespace {

constexpr const char* kSelfJob = R"({job="{JOB}"})";

// One number each: modelwatch's API traffic, its store, its evaluator and failures.
void AddSelfSummary(DashboardBuilder& d) {
  const std::string requests = Rate("modelwatch_http_requests_total");
  auto stat = [&](PanelSpec p) {  // the summary row's size
    p.width = 4;
    p.height = 4;
    d.Add(p);
  };
  stat({.type = "stat",
        .title = "API requests/s",
        .description = "Requests to modelwatch's own API (ingest, models, alerts, /metrics).",
        .unit = "reqps",
        .queries = {{"sum(" + requests + ")", ""}}});
  stat({.type = "stat",
        .title = "API error rate (5xx)",
        .description = "Share of modelwatch's own API requests answered 5xx.",
        .unit = "percentunit",
        .queries = {{"(sum(" + Rate(R"(modelwatch_http_errors_total{status=~"5.."})") +
                         ") or vector(0)) / sum(" + requests + ")",
                     ""}},
        .thresholds = {{0.01, "orange"}, {0.05, "red"}}});
  stat({.type = "stat",
        .title = "Store operation p95",
        .unit = "s",
        .queries = {{Quantile("0.95", "modelwatch_store_query_duration_seconds"), ""}},
        .thresholds = {{2, "orange"}, {3, "red"}}});
  stat({.type = "stat",
        .title = "Store write queue",
        .description = "Write requests waiting for the store's single writer.",
        .queries = {{"sum(modelwatch_store_write_queue_depth)", ""}}});
  stat({.type = "stat",
        .title = "Last evaluation",
        .description = "Time since the evaluator's last successful pass.",
        .unit = "s",
        .queries = {{"time() - max(modelwatch_evaluator_last_success_timestamp_seconds)", ""}}});
  stat({.type = "stat",
        .title = "Background errors (1h)",
        .description = "Failed passes of modelwatch's background threads in the last hour; any "
                       "is a bug worth reporting.",
        .queries = {{"sum(increase(modelwatch_background_errors_total[1h])) or vector(0)", ""}},
        .thresholds = {{1, "red"}}});
}

// modelwatch's own HTTP server and its ingest bookkeeping.
void AddSelfApi(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "API requests/s by endpoint",
         .unit = "reqps",
         .width = 8,
         .queries = {{"sum by (endpoint) (" + Rate("modelwatch_http_requests_total") + ")",
                      "{{endpoint}}"}}});
  d.Add({.type = "timeseries",
         .title = "API latency p95 by endpoint",
         .unit = "s",
         .width = 8,
         .queries = {{Quantile("0.95", "modelwatch_http_request_duration_seconds", "endpoint"),
                      "{{endpoint}}"}}});
  d.Add(
      {.type = "timeseries",
       .title = "API connections",
       .description = "Connections open, and refused (max_connections) or failed accepts per "
                      "second (0 while none).",
       .unit = "short",
       .width = 8,
       .queries = {{"sum(modelwatch_http_connections_open)", "open"},
                   {"sum(" + Rate("modelwatch_http_connections_rejected_total") + ") or vector(0)",
                    "rejected/s"},
                   {"sum(" + Rate("modelwatch_http_accept_errors_total") + ") or vector(0)",
                    "accept errors/s"}}});
  d.Add({.type = "timeseries",
         .title = "Ingest: rejected requests/s and batch size",
         .description = "Rejected ingest requests by reason (0 while none), and the median "
                        "events per ingest request.",
         .unit = "short",
         .queries = {
             {"sum by (reason) (" + Rate("modelwatch_ingest_rejected_total") + ") or vector(0)",
              "rejected {{reason}}"},
             {Quantile("0.5", "modelwatch_ingest_batch_size"), "batch size p50"}}});
  d.Add({.type = "timeseries",
         .title = "Segments over the limit",
         .description = "Predictions per second exported under segment \"other\" because "
                        "metrics.max_segments values were in use (0 while none).",
         .unit = "ops",
         .queries = {{"sum(" + Rate("modelwatch_segment_overflow_total") + ") or vector(0)",
                      "overflow/s"}}});
}

// The SQLite store (formerly the Database dashboard).
void AddSelfStore(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Store read pool",
         .queries = {{"sum by (state) (modelwatch_store_connections)", "{{state}}"},
                     {"sum(modelwatch_store_connection_pool_size)", "pool size"}}});
  d.Add({.type = "timeseries",
         .title = "Store operation p95 by operation",
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
  d.Add(
      {.type = "timeseries",
       .title = "Store write queue and size",
       .unit = "short",
       .queries = {{"sum by (instance) (modelwatch_store_write_queue_depth)", "queue {{instance}}"},
                   {"sum by (instance) (modelwatch_store_size_bytes)", "bytes {{instance}}"}}});
  d.Add({.type = "bargauge",
         .title = "Store table rows",
         .width = 24,
         .queries = {{"sum by (table) (modelwatch_store_table_rows)", "{{table}}"}},
         .instant = true});
}

// The quality evaluator, its profile cache, and the rule engine.
void AddSelfEvaluation(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Evaluator",
         .description = "Duration of the last quality pass, and passes per second.",
         .unit = "s",
         .width = 8,
         .queries = {{"max(modelwatch_evaluator_last_pass_seconds)", "last pass seconds"},
                     {"sum(" + Rate("modelwatch_evaluator_passes_total") + ")", "passes/s"}}});
  d.Add({.type = "timeseries",
         .title = "Profile cache",
         .description = "Reference-profile cache hits / lookups (NaN: no lookups in the "
                        "interval) and evictions per second.",
         .unit = "percentunit",
         .width = 8,
         .queries = {
             {HitRatio("modelwatch_profile_cache_hits_total",
                       "modelwatch_profile_cache_misses_total"),
              "hit rate"},
             {"sum(" + Rate("modelwatch_profile_cache_evictions_total") + ")", "evictions/s"}}});
  d.Add({.type = "timeseries",
         .title = "Profiles loaded by model",
         .description = "Reference profiles in the cache per model (0 until the first refresh).",
         .width = 8,
         .queries = {{"sum by (model_type) (modelwatch_profile_cache_loaded) or vector(0)",
                      "{{model_type}}"}}});
  d.Add({.type = "timeseries",
         .title = "Rule evaluation",
         .description = "Duration of each rule group's last evaluation, and failed evaluations "
                        "per second (0 while none).",
         .unit = "s",
         .queries = {
             {"max by (group) (modelwatch_alert_evaluation_duration_seconds)", "last {{group}}"},
             {"sum by (group) (" + Rate("modelwatch_alert_evaluation_failures_total") +
                  ") or vector(0)",
              "failures/s {{group}}"}}});
  d.Add({.type = "timeseries",
         .title = "Notifications queued",
         .description = "Notifications waiting in the durable outbox, by channel (0 while none).",
         .unit = "short",
         .queries = {
             {"sum by (channel) (modelwatch_notifications_queued) or vector(0)", "{{channel}}"}}});
}

// The proxy's own work: upstream connections and errors, capture, cache bypasses, probes.
void AddSelfProxy(DashboardBuilder& d) {
  d.Add({.type = "timeseries",
         .title = "Proxy upstream connections",
         .description = "Connections to the service by state, and the proxy's client "
                        "connections.",
         .unit = "short",
         .width = 8,
         .queries = {{"sum by (state) (modelwatch_proxy_upstream_connections)", "{{state}}"},
                     {"sum(modelwatch_proxy_connections_open)", "client connections"}}});
  d.Add({.type = "timeseries",
         .title = "Proxy upstream errors/s",
         .description = "Requests the proxy could not complete with the service, by reason (0 "
                        "while none).",
         .unit = "short",
         .width = 8,
         .queries = {{"sum by (reason) (" + Rate("modelwatch_proxy_upstream_errors_total") +
                          ") or vector(0)",
                      "{{reason}}"}}});
  d.Add({.type = "timeseries",
         .title = "Capture queue",
         .description = "Exchanges and events waiting in the capture queue.",
         .unit = "short",
         .width = 8,
         .queries = {{"sum(modelwatch_proxy_capture_queue_events)", "events"}}});
  d.Add({.type = "timeseries",
         .title = "Captured exchanges/s",
         .description = "Exchanges by result (queued, sampled out, opted out, stored) and drops "
                        "by reason (0 while none).",
         .unit = "ops",
         .width = 8,
         .queries = {{"sum by (result) (" + Rate("modelwatch_proxy_capture_events_total") + ")",
                      "{{result}}"},
                     {"sum by (reason) (" + Rate("modelwatch_proxy_capture_dropped_total") +
                          ") or vector(0)",
                      "dropped {{reason}}"}}});
  d.Add({.type = "timeseries",
         .title = "Response cache bypasses/s",
         .description = "Lookups that went to the service without the cache, by reason (0 "
                        "while none).",
         .unit = "ops",
         .width = 8,
         .queries = {{"sum by (reason) (" + Rate("modelwatch_proxy_cache_bypassed_total") +
                          ") or vector(0)",
                      "{{reason}}"}}});
  d.Add(
      {.type = "timeseries",
       .title = "Health probes",
       .description = "Probes of the service's /health per second by result, and their p95 "
                      "duration.",
       .unit = "short",
       .width = 8,
       .queries = {
           {"sum by (result) (" + Rate("modelwatch_proxy_health_probes_total") + ")", "{{result}}"},
           {Quantile("0.95", "modelwatch_proxy_health_probe_duration_seconds"), "p95 seconds"}}});
}

// Background threads and the process.
void AddSelfProcess(DashboardBuilder& d) {
  const std::string job = kSelfJob;
  d.Add({.type = "timeseries",
         .title = "Background errors by thread",
         .description = "Failed passes of each background thread per interval (0 while none).",
         .unit = "short",
         .width = 8,
         .queries = {{"sum by (thread) (increase(modelwatch_background_errors_total[$__rate_"
                      "interval])) or vector(0)",
                      "{{thread}}"}}});
  d.Add({.type = "timeseries",
         .title = "modelwatch CPU and memory",
         .description = "CPU time in cores and resident memory of the modelwatch process.",
         .unit = "short",
         .width = 8,
         .queries = {{Rate("process_cpu_seconds_total" + job), "cores {{instance}}"},
                     {"process_resident_memory_bytes" + job, "RSS bytes {{instance}}"}}});
  d.Add({.type = "timeseries",
         .title = "modelwatch file descriptors",
         .unit = "short",
         .width = 8,
         .queries = {{"process_open_fds" + job, "open {{instance}}"},
                     {"process_max_fds" + job, "limit {{instance}}"}}});
}

}  // namespace

GrafanaDashboard ModelwatchSelfDashboard(const GrafanaOptions& o) {
  DashboardBuilder d(o, "modelwatch-self", "modelwatch / modelwatch itself",
                     "modelwatch's own machinery: its API server, ingest, store, evaluator and "
                     "profile cache, rule engine and outbox, proxy internals, background threads "
                     "and process.");
  AddSelfSummary(d);
  d.NewRow();
  AddSelfApi(d);
  AddSelfStore(d);
  AddSelfEvaluation(d);
  AddSelfProxy(d);
  AddSelfProcess(d);
  return {"modelwatch-self.json", d.Build()};
}

}  // namespace mw::exporting::detail
