#include "api/metrics/store_metrics.h"

#include <string>

#include "api/metrics/ingest_metrics.h"

namespace mw::api {
namespace {

using prometheus::Gauge;
using prometheus::Histogram;

// One registration function per family (or per unlabelled series), so each name and HELP text
// reads in one place.
prometheus::Family<Histogram>& RegisterQueryDuration(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name("modelwatch_store_query_duration_seconds")
      .Help("Database operation duration in seconds, by operation.")
      .Register(m.registry());
}

prometheus::Counter& RegisterGroupCommits(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_store_group_commits_total")
      .Help("Group commits (transactions of the single writer).")
      .Register(m.registry())
      .Add({});
}

Histogram& RegisterGroupCommitRows(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name("modelwatch_store_group_commit_rows")
      .Help("Rows written per group commit.")
      .Register(m.registry())
      .Add({}, IngestBatchSizeBuckets());
}

Histogram& RegisterGroupCommitDuration(telemetry::Metrics& m) {
  return prometheus::BuildHistogram()
      .Name("modelwatch_store_group_commit_duration_seconds")
      .Help("Group commit duration in seconds, including fsync.")
      .Register(m.registry())
      .Add({}, QueryDurationBuckets());
}

prometheus::Family<Gauge>& RegisterConnections(telemetry::Metrics& m) {
  return prometheus::BuildGauge()
      .Name("modelwatch_store_connections")
      .Help("Database connections by state (active, idle).")
      .Register(m.registry());
}

Gauge& RegisterUnlabelledGauge(telemetry::Metrics& m, const char* suffix, const char* help) {
  return prometheus::BuildGauge()
      .Name(std::string("modelwatch_store") + suffix)
      .Help(help)
      .Register(m.registry())
      .Add({});
}

prometheus::Family<Gauge>& RegisterTableRows(telemetry::Metrics& m) {
  return prometheus::BuildGauge()
      .Name("modelwatch_store_table_rows")
      .Help("Rows per database table.")
      .Register(m.registry());
}

}  // namespace

const std::vector<double>& QueryDurationBuckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1,      2.5,     5,      10};
  return kBuckets;
}

StoreMetrics::StoreMetrics(telemetry::Metrics& metrics)
    : query_family_(RegisterQueryDuration(metrics)),
      group_commits_(RegisterGroupCommits(metrics)),
      group_commit_rows_(RegisterGroupCommitRows(metrics)),
      group_commit_duration_(RegisterGroupCommitDuration(metrics)),
      connections_family_(RegisterConnections(metrics)),
      connections_active_(connections_family_.Add({{"state", "active"}})),
      connections_idle_(connections_family_.Add({{"state", "idle"}})),
      pool_size_(RegisterUnlabelledGauge(metrics, "_connection_pool_size",
                                         "Database connections in the pool.")),
      write_queue_depth_(RegisterUnlabelledGauge(
          metrics, "_write_queue_depth", "Write requests waiting for the group-commit writer.")),
      db_size_bytes_(
          RegisterUnlabelledGauge(metrics, "_size_bytes", "Database files on disk in bytes.")),
      table_rows_family_(RegisterTableRows(metrics)) {}

void StoreMetrics::Update(const store::StoreStats& stats) {
  connections_active_.Set(static_cast<double>(stats.pool.active));
  connections_idle_.Set(static_cast<double>(stats.pool.idle));
  pool_size_.Set(static_cast<double>(stats.pool.total));
  write_queue_depth_.Set(static_cast<double>(stats.write_queue_depth));
  db_size_bytes_.Set(static_cast<double>(stats.size_bytes));
  for (const auto& [table, rows] : stats.table_rows) {
    table_rows_family_.Add({{"table", table}}).Set(static_cast<double>(rows));
  }
}

void StoreMetrics::OnQuery(std::string_view operation, double seconds) {
  Histogram* histogram = queries_.Get({operation}, [&] {
    return &query_family_.Add({{"operation", std::string(operation)}}, QueryDurationBuckets());
  });
  histogram->Observe(seconds);
}

void StoreMetrics::OnGroupCommit(int64_t /*requests*/, int64_t rows, double seconds) {
  group_commits_.Increment();
  group_commit_rows_.Observe(static_cast<double>(rows));
  group_commit_duration_.Observe(seconds);
}

}  // namespace mw::api
