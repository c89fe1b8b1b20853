#include "alerting/rules/signals.h"

#include <algorithm>
#include <utility>

namespace mw::alerting {
namespace {

using Op = LabelMatcher::Op;

MetricSelector Family(std::string name, std::vector<LabelMatcher> matchers = {}) {
  return MetricSelector{std::move(name), true, std::move(matchers)};
}

// A family of modelwatch's own (fixed modelwatch_ names, not under metrics.prefix).
MetricSelector OwnFamily(std::string name) { return MetricSelector{std::move(name), false, {}}; }

SignalDef Signal(std::string name, std::string description, std::string unit, Recipe recipe) {
  SignalDef s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.unit = std::move(unit);
  s.recipe = std::move(recipe);
  return s;
}

Recipe MakeRecipe(RecipeKind kind, MetricSelector metric) {
  Recipe r;
  r.kind = kind;
  r.metric = std::move(metric);
  return r;
}

Recipe Gauge(std::string family) {
  return MakeRecipe(RecipeKind::kGauge, Family(std::move(family)));
}

// A per-(model, segment) gauge of the quality engine (monitor/quality_metrics.h).
SignalDef ModelGauge(std::string name, std::string family, std::string description,
                     std::string unit, std::vector<std::string> extra = {}) {
  SignalDef s =
      Signal(std::move(name), std::move(description), std::move(unit), Gauge(std::move(family)));
  s.labels = {"model"};
  s.segmented = true;
  s.extra_labels = std::move(extra);
  return s;
}

SignalDef FeatureGauge(std::string name, std::string description, std::string unit,
                       std::vector<std::string> extra = {}) {
  SignalDef s = ModelGauge(name, name, std::move(description), std::move(unit), std::move(extra));
  s.labels = {"feature", "model"};
  return s;
}

SignalDef Quantile(std::string name, MetricSelector family, double q, std::string description,
                   std::vector<std::string> filter) {
  Recipe r = MakeRecipe(RecipeKind::kHistogramQuantile, std::move(family));
  r.quantile = q;
  SignalDef s = Signal(std::move(name), std::move(description), "seconds", std::move(r));
  s.filter_labels = std::move(filter);
  return s;
}

// The watched API, as the proxy sees its traffic (P_api_*, P_cache_*{cache_type="response"}).
// modelwatch's own API server exports modelwatch_http_*, which no signal reads.
void AddApiSignals(std::vector<SignalDef>& c) {
  const std::vector<std::string> route = {"endpoint", "method"};
  const LabelMatcher server_error{"status", Op::kRegexMatch, "5.."};

  {
    SignalDef s = Signal("request_rate", "HTTP requests answered per second.", "per second",
                         MakeRecipe(RecipeKind::kRate, Family("api_requests_total")));
    s.filter_labels = {"endpoint", "method", "status"};
    c.push_back(std::move(s));
  }
  {
    Recipe r = MakeRecipe(RecipeKind::kRatioOfRates, Family("api_errors_total", {server_error}));
    r.denominator = {Family("api_requests_total")};
    SignalDef s = Signal("error_rate", "Share of HTTP requests answered with a server error (5xx).",
                         "ratio", std::move(r));
    s.filter_labels = route;
    c.push_back(std::move(s));
  }
  {
    SignalDef s =
        Signal("errors", "HTTP requests answered with a server error (5xx) in the range.", "count",
               MakeRecipe(RecipeKind::kIncrease, Family("api_errors_total", {server_error})));
    s.filter_labels = route;
    c.push_back(std::move(s));
  }
  c.push_back(Quantile("latency_p50", Family("api_request_duration_seconds"), 0.5,
                       "Median time to answer an HTTP request.", route));
  c.push_back(Quantile("latency_p95", Family("api_request_duration_seconds"), 0.95,
                       "95th percentile of the time to answer an HTTP request.", route));
  c.push_back(Quantile("latency_p99", Family("api_request_duration_seconds"), 0.99,
                       "99th percentile of the time to answer an HTTP request.", route));
  c.push_back(Signal("in_flight", "HTTP requests being handled now.", "count",
                     Gauge("api_requests_in_flight")));
  {
    Recipe r = MakeRecipe(RecipeKind::kRatioOfRates, Family("cache_hits_total"));
    r.denominator = {Family("cache_hits_total"), Family("cache_misses_total")};
    SignalDef s =
        Signal("cache_hit_ratio", "Share of response-cache lookups answered from the cache.",
               "ratio", std::move(r));
    s.filter_labels = {"cache_type"};
    s.note =
        "The proxy's response cache (cache_type=\"response\"); lookups that bypassed the cache "
        "(Redis down or busy) are in neither hits nor misses. modelwatch's own profile cache is "
        "modelwatch_profile_cache_*.";
    c.push_back(std::move(s));
  }
}

// Ingest and the store.
void AddIngestAndStoreSignals(std::vector<SignalDef>& c) {
  {
    SignalDef s = Signal("prediction_rate", "Predictions newly stored per second.", "per second",
                         MakeRecipe(RecipeKind::kRate, Family("predictions_total")));
    s.labels = {"model_type"};
    s.segmented = true;
    s.note = "model_type holds the model name, as in P_predictions_total.";
    c.push_back(std::move(s));
  }
  {
    SignalDef s =
        Signal("ingest_rejected", "Ingest requests rejected in the range.", "count",
               MakeRecipe(RecipeKind::kIncrease, OwnFamily("modelwatch_ingest_rejected_total")));
    s.labels = {"reason"};
    c.push_back(std::move(s));
  }

  // The model's own time per prediction, as the events report it (latency_ms).
  const std::vector<std::string> model_type = {"model_type"};
  c.push_back(Quantile("prediction_latency_p50", Family("prediction_duration_seconds"), 0.5,
                       "Median time the model took per prediction (the events' latency_ms).",
                       model_type));
  c.push_back(Quantile("prediction_latency_p95", Family("prediction_duration_seconds"), 0.95,
                       "95th percentile of the time the model took per prediction.", model_type));
  c.push_back(Quantile("prediction_latency_p99", Family("prediction_duration_seconds"), 0.99,
                       "99th percentile of the time the model took per prediction.", model_type));

  // modelwatch's own store (modelwatch_store_*), not the watched service's database.
  c.push_back(Quantile("store_query_p95", OwnFamily("modelwatch_store_query_duration_seconds"),
                       0.95, "95th percentile of the time of a store operation.", {"operation"}));
  c.push_back(
      Signal("store_write_queue_depth", "Write requests waiting for the store's writer.", "count",
             MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_store_write_queue_depth"))));
  c.push_back(Signal("store_size_bytes", "Database files on disk, including the WAL.", "bytes",
                     MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_store_size_bytes"))));
}

// Model quality (monitor/quality_metrics.h): the evaluation window's value per model and segment,
// the training value it is compared with, drift and data quality.
void AddModelSignals(std::vector<SignalDef>& c) {
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"mae", "mean absolute error"},
      {"rmse", "root mean squared error"},
      {"mape", "mean absolute percentage error"},
      {"r2", "coefficient of determination R2"},
      {"mean_error", "mean error (bias: prediction - actual)"},
      {"auc", "ROC AUC"},
      {"average_precision", "average precision"},
      {"accuracy", "accuracy"},
      {"precision", "precision"},
      {"recall", "recall"},
      {"f1", "F1 score"},
      {"log_loss", "log loss"},
      {"brier_score", "Brier score"}};
  // Families keep the quality engine's names: the AUC gauge is P_model_auc_score.
  auto family_suffix = [](const std::string& m) { return m == "auc" ? "auc_score" : m; };
  for (const auto& [metric, what] : metrics) {
    c.push_back(ModelGauge("model_" + metric, "model_" + family_suffix(metric),
                           "The model's " + what + " over the evaluation window.",
                           "the metric's unit"));
  }
  // The quality engine exports a training value for the metrics it compares with training.
  for (const auto& [metric, what] : metrics) {
    if (metric == "mean_error" || metric == "precision" || metric == "recall") continue;
    c.push_back(ModelGauge("model_training_" + metric, "model_training_" + family_suffix(metric),
                           "The " + what +
                               " recorded at training for the model version compared "
                               "with.",
                           "the metric's unit", {"version"}));
  }
  c.push_back(ModelGauge("model_degradation_ratio", "model_degradation_ratio",
                         "How much worse the primary metric (MAE or AUC) is than at training "
                         "(0.25 = 25% worse).",
                         "ratio", {"metric"}));
  c.push_back(ModelGauge("model_drift_detected", "model_drift_detected",
                         "1 when the model shows performance drift or dataset drift.", "0/1"));
  c.push_back(ModelGauge("model_performance_drift", "model_performance_drift",
                         "1 when the primary metric degraded past the threshold against training, "
                         "beyond sampling noise.",
                         "0/1"));
  c.push_back(ModelGauge("model_sample_size", "model_sample_size",
                         "Predictions with actuals in the evaluation window.", "count"));
  c.push_back(ModelGauge("data_drift_share", "data_drift_share",
                         "Share of the model's features that drifted.", "ratio"));
  c.push_back(ModelGauge("prediction_drift_score", "prediction_drift_score",
                         "Drift statistic of the prediction column against the reference.",
                         "the test's statistic", {"test"}));
  c.push_back(FeatureGauge("feature_drift_score",
                           "The drift test's statistic or distance for one feature.",
                           "the test's statistic", {"test"}));
  c.push_back(FeatureGauge("feature_drift_detected", "1 when the feature drifted.", "0/1"));
  c.push_back(
      FeatureGauge("feature_psi", "Population stability index of a numeric feature.", "PSI"));
  c.push_back(FeatureGauge("feature_missing_rate", "Share of rows missing the feature.", "ratio"));
  {
    SignalDef s = Signal(
        "profile_cache_loaded", "Reference profiles loaded in modelwatch's profile cache.", "count",
        MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_profile_cache_loaded")));
    s.labels = {"model_type"};
    c.push_back(std::move(s));
  }
}

// The watched service's health as the proxy's upstream prober reports it (proxy/health/gauges.h).
// The gauges exist only while the proxy runs with an upstream; a field the service's /health does
// not send has no series (no data, never 0).
void AddServiceHealthSignals(std::vector<SignalDef>& c) {
  {
    SignalDef s =
        Signal("service_up", "1 while the watched service answers its health check, else 0.", "0/1",
               Gauge("service_up"));
    s.note =
        "The proxy's prober: an HTTP answer to proxy.health_path within the timeout, below 500 "
        "or a 5xx whose JSON body names a status.";
    c.push_back(std::move(s));
  }
  c.push_back(Signal("database_connected",
                     "1 while the watched service reports its database connected, else 0.", "0/1",
                     Gauge("database_connected")));
  c.push_back(Signal("redis_connected",
                     "1 while the watched service reports its Redis connected, else 0.", "0/1",
                     Gauge("redis_connected")));
  c.push_back(Signal("model_loaded",
                     "1 while the watched service reports its model loaded, else 0.", "0/1",
                     Gauge("model_loaded")));
}

// modelwatch itself: reachable by Prometheus, its capture and its background threads.
void AddModelwatchSignals(std::vector<SignalDef>& c) {
  {
    SignalDef s = Signal("modelwatch_up", "1 while Prometheus can scrape modelwatch, else 0.",
                         "0/1", MakeRecipe(RecipeKind::kUp, MetricSelector{"up", false, {}}));
    s.note =
        "Prometheus' own `up` series of the modelwatch scrape job. The built-in engine runs "
        "inside modelwatch, so it always sees 1: only an outside Prometheus can report modelwatch "
        "down.";
    c.push_back(std::move(s));
  }
  {
    SignalDef s = Signal(
        "capture_dropped", "Captured exchanges or events the proxy dropped in the range.", "count",
        MakeRecipe(RecipeKind::kIncrease, OwnFamily("modelwatch_proxy_capture_dropped_total")));
    s.labels = {"reason"};
    c.push_back(std::move(s));
  }
  {
    SignalDef s =
        Signal("background_errors",
               "Passes of modelwatch's background threads that failed in the range.", "count",
               MakeRecipe(RecipeKind::kIncrease, OwnFamily("modelwatch_background_errors_total")));
    s.labels = {"thread"};
    c.push_back(std::move(s));
  }
}

// Host, process and maintenance.
void AddSystemSignals(std::vector<SignalDef>& c) {
  c.push_back(Signal("cpu_usage_ratio", "Share of host CPU time spent busy.", "ratio",
                     Gauge("system_cpu_usage_ratio")));
  {
    Recipe r = MakeRecipe(RecipeKind::kGaugeRatio,
                          Family("system_memory_bytes", {{"state", Op::kEqual, "used"}}));
    r.denominator = {Family("system_memory_bytes", {{"state", Op::kEqual, "total"}})};
    c.push_back(Signal("memory_usage_ratio",
                       "Share of host memory in use (total - available, over total).", "ratio",
                       std::move(r)));
  }
  {
    Recipe r =
        MakeRecipe(RecipeKind::kGauge, MetricSelector{"process_resident_memory_bytes", false, {}});
    c.push_back(Signal("process_resident_memory_bytes", "Resident memory of modelwatch.", "bytes",
                       std::move(r)));
  }
  {
    Recipe r = MakeRecipe(RecipeKind::kGaugeRatio, Family("system_disk_free_bytes"));
    r.denominator = {Family("system_disk_total_bytes")};
    SignalDef s = Signal("disk_free_ratio",
                         "Share of the data directory's file system still free for modelwatch.",
                         "ratio", std::move(r));
    s.labels = {"path"};
    c.push_back(std::move(s));
  }
  // modelwatch's scheduled maintenance (maintenance/maintenance_metrics.h).
  {
    SignalDef s = Signal(
        "maintenance_failed",
        "1 while the newest run of a maintenance task (not a dry run) failed or "
        "was refused.",
        "0/1", MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_maintenance_last_run_failed")));
    s.labels = {"task"};
    c.push_back(std::move(s));
  }
  {
    SignalDef s = Signal(
        "maintenance_since_success",
        "Seconds since the scheduled task last succeeded (since the server started when it never "
        "did).",
        "seconds",
        MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_maintenance_seconds_since_success")));
    s.labels = {"task"};
    c.push_back(std::move(s));
  }
  {
    SignalDef s =
        Signal("maintenance_period",
               "The scheduled task's period: seconds between its next two runs.", "seconds",
               MakeRecipe(RecipeKind::kGauge, OwnFamily("modelwatch_maintenance_period_seconds")));
    s.labels = {"task"};
    c.push_back(std::move(s));
  }
}

std::vector<SignalDef> BuildCatalog() {
  std::vector<SignalDef> c;
  AddApiSignals(c);
  AddIngestAndStoreSignals(c);
  AddModelSignals(c);
  AddServiceHealthSignals(c);
  AddSystemSignals(c);
  AddModelwatchSignals(c);
  return c;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> WithSegment(std::vector<std::string> labels, bool segmented,
                                     std::string_view segment_label) {
  if (segmented) labels.emplace_back(segment_label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

}  // namespace

std::string_view MatcherOpText(LabelMatcher::Op op) {
  switch (op) {
    case Op::kEqual:
      return "=";
    case Op::kNotEqual:
      return "!=";
    case Op::kRegexMatch:
      return "=~";
    case Op::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string MetricName(const MetricSelector& selector, std::string_view prefix) {
  if (!selector.prefixed) return selector.family;
  std::string name(prefix);
  name += '_';
  name += selector.family;
  return name;
}

std::string_view RecipeKindName(RecipeKind kind) {
  switch (kind) {
    case RecipeKind::kGauge:
      return "gauge";
    case RecipeKind::kGaugeRatio:
      return "gauge_ratio";
    case RecipeKind::kRate:
      return "rate";
    case RecipeKind::kIncrease:
      return "increase";
    case RecipeKind::kRatioOfRates:
      return "ratio_of_rates";
    case RecipeKind::kHistogramQuantile:
      return "histogram_quantile";
    case RecipeKind::kUp:
      return "up";
  }
  return "gauge";
}

bool NeedsRange(RecipeKind kind) {
  return kind == RecipeKind::kRate || kind == RecipeKind::kIncrease ||
         kind == RecipeKind::kRatioOfRates || kind == RecipeKind::kHistogramQuantile;
}

std::span<const SignalDef> Signals() {
  static const std::vector<SignalDef> catalog = BuildCatalog();
  return catalog;
}

const SignalDef* FindSignal(std::string_view name) {
  for (const SignalDef& s : Signals()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<SignalRename> RenamedSignal(std::string_view name) {
  // Signals of modelwatch's own machinery were named like the watched service's while their
  // families were P_*; they were renamed when P_ names came to describe only the watched service.
  static constexpr std::string_view kStore = "modelwatch's own store";
  static constexpr std::string_view kProfileCache = "modelwatch's own profile cache";
  static constexpr std::pair<std::string_view, SignalRename> kRenamed[] = {
      {"db_query_p95", {"store_query_p95", kStore}},
      {"db_write_queue_depth", {"store_write_queue_depth", kStore}},
      {"db_size_bytes", {"store_size_bytes", kStore}},
      {"active_models", {"profile_cache_loaded", kProfileCache}},
  };
  for (const auto& [old_name, renamed] : kRenamed) {
    if (old_name == name) return renamed;
  }
  return std::nullopt;
}

std::string SuggestSignal(std::string_view name) {
  const size_t limit = name.size() >= 10 ? 3 : 2;
  std::string best;
  size_t best_distance = limit + 1;
  for (const SignalDef& s : Signals()) {
    const size_t d = EditDistance(name, s.name);
    if (d < best_distance) {
      best_distance = d;
      best = s.name;
    }
  }
  return best;
}

std::vector<std::string> SignalLabels(const SignalDef& signal, std::string_view segment_label) {
  return WithSegment(signal.labels, signal.segmented, segment_label);
}

std::vector<std::string> MatchableLabels(const SignalDef& signal, std::string_view segment_label) {
  std::vector<std::string> all = signal.labels;
  all.insert(all.end(), signal.extra_labels.begin(), signal.extra_labels.end());
  all.insert(all.end(), signal.filter_labels.begin(), signal.filter_labels.end());
  return WithSegment(std::move(all), signal.segmented, segment_label);
}

}  // namespace mw::alerting
