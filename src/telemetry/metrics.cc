#include "telemetry/metrics.h"

#include <exception>
#include <initializer_list>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "common/names.h"
#include "prometheus/check_names.h"
#include "prometheus/text_serializer.h"

namespace mw {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

const std::vector<double>& QueryDurationBuckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1,      2.5,     5,      10};
  return kBuckets;
}

const std::vector<double>& ResponseSizeBuckets() {
  static const std::vector<double> kBuckets = {100, 1e3, 1e4, 1e5, 1e6, 1e7};
  return kBuckets;
}

// The cache key for a tuple of label values, built in a per-thread buffer so a cache hit does
// not allocate. Valid until the calling thread's next JoinKey.
std::string_view JoinKey(std::initializer_list<std::string_view> parts) {
  thread_local std::string key;
  key.clear();
  for (std::string_view p : parts) {
    key.append(p);
    key.push_back('\x1f');
  }
  return key;
}

template <typename Map, typename Make>
typename Map::mapped_type GetOrCreate(std::shared_mutex& mutex, Map& map, std::string_view key,
                                      Make make) {
  {
    std::shared_lock lock(mutex);
    if (auto it = map.find(key); it != map.end()) return it->second;
  }
  std::unique_lock lock(mutex);
  if (auto it = map.find(key); it != map.end()) return it->second;
  auto value = make();
  map.emplace(std::string(key), value);
  return value;
}

bool ValidPrefix(const std::string& p) {
  if (p.empty() || p.back() == '_') return false;
  const char first = p.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return false;
  }
  for (char c : p) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const std::vector<double>& RequestDurationBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01,
                                               0.025,  0.05,  0.075,  0.1,   0.25,   0.5,
                                               0.75,   1,     2.5,    5,     7.5,    10};
  return kBuckets;
}

const std::vector<double>& IngestBatchSizeBuckets() {
  static const std::vector<double> kBuckets = {1,   2,    5,    10,    50,    100,
                                               500, 1000, 5000, 10000, 50000, 100000};
  return kBuckets;
}

std::string_view NormalizeMethod(std::string_view method) {
  static constexpr std::string_view kMethods[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                  "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return "other";
}

Status Metrics::Validate(const MetricsOptions& options) {
  if (!ValidPrefix(options.prefix)) {
    return InvalidArgument("metrics.prefix \"" + options.prefix +
                           "\" must match [a-zA-Z_][a-zA-Z0-9_]* and not end with '_'");
  }
  const std::string& label = options.segment_label;
  if (!prometheus::CheckLabelName(label) || label.rfind("__", 0) == 0 || label == "model_type" ||
      label == "version" || label == "metric" || label == "le" || label == "quantile") {
    return InvalidArgument("metrics.segment_label \"" + label +
                           "\" must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading \"__\") "
                           "other than model_type, version, metric, le and quantile");
  }
  if (options.max_segments < 0) {
    return InvalidArgument("metrics.max_segments must be >= 0");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Metrics>> Metrics::Create(const MetricsOptions& options) {
  if (Status s = Validate(options); !s.ok()) return s;
  try {
    return std::make_unique<Metrics>(options);
  } catch (const std::exception& e) {  // prometheus-cpp throws on names it rejects
    return InvalidArgument(std::string("metrics: ") + e.what());
  }
}

namespace {
// Runs first in the constructor's initialiser list, so no family is built from bad options.
const MetricsOptions& Checked(const MetricsOptions& options) {
  if (Status s = Metrics::Validate(options); !s.ok()) throw std::invalid_argument(s.message());
  return options;
}
}  // namespace

Metrics::Metrics(const MetricsOptions& o)
    : prefix_(Checked(o).prefix),
      segment_label_(o.segment_label),
      max_segments_(static_cast<size_t>(o.max_segments)),
      registry_(std::make_shared<prometheus::Registry>()),
      requests_family_(prometheus::BuildCounter()
                           .Name(prefix_ + "_api_requests_total")
                           .Help("HTTP requests answered, by method, route template and status.")
                           .Register(*registry_)),
      errors_family_(prometheus::BuildCounter()
                         .Name(prefix_ + "_api_errors_total")
                         .Help("HTTP requests answered with a 4xx or 5xx status.")
                         .Register(*registry_)),
      duration_family_(prometheus::BuildHistogram()
                           .Name(prefix_ + "_api_request_duration_seconds")
                           .Help("HTTP request duration in seconds, from request read to "
                                 "response written.")
                           .Register(*registry_)),
      size_family_(prometheus::BuildHistogram()
                       .Name(prefix_ + "_api_response_size_bytes")
                       .Help("HTTP response body size in bytes.")
                       .Register(*registry_)),
      in_flight_(prometheus::BuildGauge()
                     .Name(prefix_ + "_api_requests_in_flight")
                     .Help("HTTP requests being handled.")
                     .Register(*registry_)
                     .Add({})),
      predictions_family_(prometheus::BuildCounter()
                              .Name(prefix_ + "_predictions_total")
                              .Help("Prediction events stored, by model and segment.")
                              .Register(*registry_)),
      actuals_family_(prometheus::BuildCounter()
                          .Name(prefix_ + "_actuals_total")
                          .Help("Actual (ground truth) events stored, by model and whether a "
                                "prediction was already there to join.")
                          .Register(*registry_)),
      segment_overflow_(prometheus::BuildCounter()
                            .Name(prefix_ + "_segment_overflow_total")
                            .Help("Prediction events counted under segment \"other\" because the "
                                  "distinct segment values reached metrics.max_segments.")
                            .Register(*registry_)
                            .Add({})),
      batch_size_(prometheus::BuildHistogram()
                      .Name(prefix_ + "_ingest_batch_size")
                      .Help("Events per ingest request.")
                      .Register(*registry_)
                      .Add({}, IngestBatchSizeBuckets())),
      rejected_family_(prometheus::BuildCounter()
                           .Name(prefix_ + "_ingest_rejected_total")
                           .Help("Ingest requests rejected, by reason.")
                           .Register(*registry_)),
      query_family_(prometheus::BuildHistogram()
                        .Name(prefix_ + "_db_query_duration_seconds")
                        .Help("Database operation duration in seconds, by operation.")
                        .Register(*registry_)),
      group_commits_(prometheus::BuildCounter()
                         .Name(prefix_ + "_db_group_commits_total")
                         .Help("Group commits (transactions of the single writer).")
                         .Register(*registry_)
                         .Add({})),
      group_commit_rows_(prometheus::BuildHistogram()
                             .Name(prefix_ + "_db_group_commit_rows")
                             .Help("Rows written per group commit.")
                             .Register(*registry_)
                             .Add({}, IngestBatchSizeBuckets())),
      group_commit_duration_(prometheus::BuildHistogram()
                                 .Name(prefix_ + "_db_group_commit_duration_seconds")
                                 .Help("Group commit duration in seconds, including fsync.")
                                 .Register(*registry_)
                                 .Add({}, QueryDurationBuckets())),
      connections_family_(prometheus::BuildGauge()
                              .Name(prefix_ + "_db_connections")
                              .Help("Database connections by state (active, idle).")
                              .Register(*registry_)),
      connections_active_(connections_family_.Add({{"state", "active"}})),
      connections_idle_(connections_family_.Add({{"state", "idle"}})),
      pool_size_(prometheus::BuildGauge()
                     .Name(prefix_ + "_db_connection_pool_size")
                     .Help("Database connections in the pool.")
                     .Register(*registry_)
                     .Add({})),
      write_queue_depth_(prometheus::BuildGauge()
                             .Name(prefix_ + "_db_write_queue_depth")
                             .Help("Write requests waiting for the group-commit writer.")
                             .Register(*registry_)
                             .Add({})),
      db_size_bytes_(prometheus::BuildGauge()
                         .Name(prefix_ + "_db_size_bytes")
                         .Help("Database files on disk in bytes.")
                         .Register(*registry_)
                         .Add({})),
      table_rows_family_(prometheus::BuildGauge()
                             .Name(prefix_ + "_db_table_rows")
                             .Help("Rows per database table.")
                             .Register(*registry_)),
      training_metric_family_(
          prometheus::BuildGauge()
              .Name(prefix_ + "_model_training_metric")
              .Help("Training metrics (mae, rmse, auc, ...) of the latest model "
                    "version per model and segment, from the registry.")
              .Register(*registry_)),
      model_size_family_(prometheus::BuildGauge()
                             .Name(prefix_ + "_model_size_bytes")
                             .Help("Size in bytes of the latest model version's artefact.")
                             .Register(*registry_)),
      training_duration_family_(prometheus::BuildGauge()
                                    .Name(prefix_ + "_model_training_duration_seconds")
                                    .Help("Training time in seconds of the latest model version.")
                                    .Register(*registry_)),
      active_models_family_(prometheus::BuildGauge()
                                .Name(prefix_ + "_registered_models")
                                .Help("Model and segment pairs with a latest registered version.")
                                .Register(*registry_)),
      connections_open_(prometheus::BuildGauge()
                            .Name("modelwatch_http_connections_open")
                            .Help("HTTP connections being served.")
                            .Register(*registry_)
                            .Add({})),
      connections_rejected_family_(
          prometheus::BuildCounter()
              .Name("modelwatch_http_connections_rejected_total")
              .Help("HTTP connections refused by reason (max_connections: answered 503 and "
                    "closed above server.max_connections).")
              .Register(*registry_)),
      accept_errors_(prometheus::BuildCounter()
                         .Name("modelwatch_http_accept_errors_total")
                         .Help("Failed accepts of HTTP connections (e.g. EMFILE when file "
                               "descriptors run out); accepting backs off after each.")
                         .Register(*registry_)
                         .Add({})),
      background_errors_family_(
          prometheus::BuildCounter()
              .Name("modelwatch_background_errors_total")
              .Help("Passes of a background thread that failed with an exception; the thread "
                    "went on with its next pass.")
              .Register(*registry_)) {
  prometheus::BuildGauge()
      .Name(prefix_ + "_build_info")
      .Help("Always 1; the version label identifies the running build.")
      .Register(*registry_)
      .Add({{"version", o.version}})
      .Set(1);
  if (o.system_metrics) {
    process_collector_ = std::make_unique<telemetry::ProcessCollector>(o.proc_root);
    host_collector_ = std::make_unique<telemetry::HostCollector>(prefix_, o.data_dir, o.proc_root);
  }
}

Metrics::~Metrics() = default;

std::string Metrics::Serialize() const {
  auto families = registry_->Collect();
  for (const prometheus::Collectable* c :
       {static_cast<const prometheus::Collectable*>(process_collector_.get()),
        static_cast<const prometheus::Collectable*>(host_collector_.get())}) {
    if (c == nullptr) continue;
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  std::string text = prometheus::TextSerializer().Serialize(families);
  // Label values are model, version, segment, feature names...: those stored before names were
  // checked (common/names.h) may hold invalid UTF-8, which the text format forbids (promtool
  // rejects the whole scrape), or control characters. prometheus-cpp escapes only '\\', '"' and
  // '\n', so every raw '\n' is a line end: keep those, replace the rest with U+FFFD.
  if (!IsSafeText(text, "\n")) text = ReplaceUnsafeText(text, "\n");
  return text;
}

void Metrics::RequestStarted() { in_flight_.Increment(); }

void Metrics::ConnectionOpened() { connections_open_.Increment(); }

void Metrics::ConnectionClosed() { connections_open_.Decrement(); }

void Metrics::ConnectionRejected(std::string_view reason) {
  connections_rejected_family_.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::AcceptFailed() { accept_errors_.Increment(); }

void Metrics::RequestFinished(std::string_view method, std::string_view endpoint, int status,
                              double seconds, size_t response_bytes) {
  in_flight_.Decrement();
  const std::string_view m = NormalizeMethod(method);
  const std::string status_text = std::to_string(status);  // fits the small-string buffer
  const RequestSeries series =
      GetOrCreate(cache_mutex_, request_series_, JoinKey({m, endpoint, status_text}), [&] {
        const std::string method_s(m), endpoint_s(endpoint);
        RequestSeries s{};
        s.requests = &requests_family_.Add(
            {{"method", method_s}, {"endpoint", endpoint_s}, {"status", status_text}});
        s.errors =
            status >= 400
                ? &errors_family_.Add(
                      {{"method", method_s}, {"endpoint", endpoint_s}, {"status", status_text}})
                : nullptr;
        s.duration = &duration_family_.Add({{"method", method_s}, {"endpoint", endpoint_s}},
                                           RequestDurationBuckets());
        s.size = &size_family_.Add({{"method", method_s}, {"endpoint", endpoint_s}},
                                   ResponseSizeBuckets());
        return s;
      });
  series.requests->Increment();
  if (series.errors != nullptr) series.errors->Increment();
  series.duration->Observe(seconds);
  series.size->Observe(static_cast<double>(response_bytes));
}

bool Metrics::AdmitSegment(std::string_view segment) {
  if (segment.empty()) return true;
  {
    std::shared_lock lock(segments_mutex_);
    if (segments_.find(segment) != segments_.end()) return true;
    if (segments_.size() >= max_segments_) return false;
  }
  std::unique_lock lock(segments_mutex_);
  if (segments_.find(segment) != segments_.end()) return true;
  if (segments_.size() >= max_segments_) return false;
  segments_.emplace(segment);
  return true;
}

void Metrics::RecordPredictions(std::string_view model, std::string_view segment, int64_t count) {
  if (count <= 0) return;
  if (!AdmitSegment(segment)) {
    segment_overflow_.Increment(static_cast<double>(count));
    segment = "other";
  }
  Counter* counter = GetOrCreate(cache_mutex_, predictions_, JoinKey({model, segment}), [&] {
    return &predictions_family_.Add(
        {{"model_type", std::string(model)}, {segment_label_, std::string(segment)}});
  });
  counter->Increment(static_cast<double>(count));
}

void Metrics::RecordActuals(std::string_view model, int64_t matched, int64_t unmatched) {
  if (model.empty()) model = "unknown";
  for (const auto& [value, count] : {std::pair<std::string_view, int64_t>{"true", matched},
                                     std::pair<std::string_view, int64_t>{"false", unmatched}}) {
    if (count <= 0) continue;
    // `value = value`: clang 14 cannot capture a structured binding (a C++20 feature it lacks).
    Counter* counter =
        GetOrCreate(cache_mutex_, actuals_, JoinKey({model, value}), [&, value = value] {
          return &actuals_family_.Add(
              {{"model_type", std::string(model)}, {"matched", std::string(value)}});
        });
    counter->Increment(static_cast<double>(count));
  }
}

void Metrics::RecordBatch(int64_t size) {
  if (size <= 0) return;
  batch_size_.Observe(static_cast<double>(size));
}

void Metrics::RecordRejected(std::string_view reason, int64_t count) {
  if (count <= 0) return;
  Counter* counter = GetOrCreate(cache_mutex_, rejected_, JoinKey({reason}), [&] {
    return &rejected_family_.Add({{"reason", std::string(reason)}});
  });
  counter->Increment(static_cast<double>(count));
}

void Metrics::RecordBackgroundError(std::string_view thread) {
  Counter* counter = GetOrCreate(cache_mutex_, background_errors_, JoinKey({thread}), [&] {
    return &background_errors_family_.Add({{"thread", std::string(thread)}});
  });
  counter->Increment();
}

void Metrics::UpdateStoreStats(const StoreStats& stats) {
  connections_active_.Set(static_cast<double>(stats.pool.active));
  connections_idle_.Set(static_cast<double>(stats.pool.idle));
  pool_size_.Set(static_cast<double>(stats.pool.total));
  write_queue_depth_.Set(static_cast<double>(stats.write_queue_depth));
  db_size_bytes_.Set(static_cast<double>(stats.size_bytes));
  for (const auto& [table, rows] : stats.table_rows) {
    table_rows_family_.Add({{"table", table}}).Set(static_cast<double>(rows));
  }
}

void Metrics::RecordModelVersion(const ModelVersionInfo& v) {
  if (!v.is_latest) return;
  const std::string segment = v.segment.empty() || AdmitSegment(v.segment) ? v.segment : "other";
  const prometheus::Labels base = {
      {"model_type", v.model}, {segment_label_, segment}, {"version", v.version}};
  std::lock_guard<std::mutex> lock(versions_mutex_);
  auto [it, inserted] = latest_versions_.try_emplace({v.model, segment});
  LatestVersion& latest = it->second;
  // Drop the previous latest's series (the new version may lack some of its metrics).
  for (const auto& [family, gauge] : latest.gauges) family->Remove(gauge);
  latest.gauges.clear();
  latest.version = v.version;
  for (const auto& [name, value] : v.training_metrics) {
    prometheus::Labels labels = base;
    labels["metric"] = name;
    prometheus::Gauge& g = training_metric_family_.Add(labels);
    g.Set(value);
    latest.gauges.emplace_back(&training_metric_family_, &g);
  }
  if (v.model_size_bytes) {
    prometheus::Gauge& g = model_size_family_.Add(base);
    g.Set(static_cast<double>(*v.model_size_bytes));
    latest.gauges.emplace_back(&model_size_family_, &g);
  }
  if (v.training_duration_seconds) {
    prometheus::Gauge& g = training_duration_family_.Add(base);
    g.Set(*v.training_duration_seconds);
    latest.gauges.emplace_back(&training_duration_family_, &g);
  }
  if (inserted) active_models_family_.Add({{"model_type", v.model}}).Increment();
}

void Metrics::OnQuery(std::string_view operation, double seconds) {
  Histogram* histogram = GetOrCreate(cache_mutex_, queries_, JoinKey({operation}), [&] {
    return &query_family_.Add({{"operation", std::string(operation)}}, QueryDurationBuckets());
  });
  histogram->Observe(seconds);
}

void Metrics::OnGroupCommit(int64_t /*requests*/, int64_t rows, double seconds) {
  group_commits_.Increment();
  group_commit_rows_.Observe(static_cast<double>(rows));
  group_commit_duration_.Observe(seconds);
}

}  // namespace mw
