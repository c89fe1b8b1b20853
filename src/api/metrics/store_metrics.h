// The database families (P = Metrics::prefix()): the store's StoreObserver (store/store.h) and the
// gauges of its Stats() snapshot.
//   modelwatch_store_query_duration_seconds{operation}                histogram 0.1 ms .. 10 s
//   modelwatch_store_group_commits_total                              counter
//   modelwatch_store_group_commit_rows                                histogram rows per group
//   commit modelwatch_store_group_commit_duration_seconds                    histogram
//   modelwatch_store_connections{state="active|idle"}, modelwatch_store_connection_pool_size,
//   modelwatch_store_write_queue_depth, modelwatch_store_size_bytes,
//   modelwatch_store_table_rows{table}               gauges (Update)
// Operations and table names come from the store's code.
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "store/store.h"
#include "telemetry/metrics.h"
#include "telemetry/series_cache.h"

namespace mw::api {

// Bucket boundaries of the query and group-commit durations.
const std::vector<double>& QueryDurationBuckets();

class StoreMetrics final : public store::StoreObserver {
 public:
  // Registers the P_db_* families on metrics.registry(); `metrics` must outlive this.
  explicit StoreMetrics(telemetry::Metrics& metrics);

  // Sets every gauge from a fresh snapshot (call before Serialize, e.g. per scrape).
  void Update(const store::StoreStats& stats);

  // StoreObserver (pass this object as SqliteStoreOptions::observer).
  void OnQuery(std::string_view operation, double seconds) override;
  void OnGroupCommit(int64_t requests, int64_t rows, double seconds) override;

 private:
  prometheus::Family<prometheus::Histogram>& query_family_;
  prometheus::Counter& group_commits_;
  prometheus::Histogram& group_commit_rows_;
  prometheus::Histogram& group_commit_duration_;
  prometheus::Family<prometheus::Gauge>& connections_family_;
  prometheus::Gauge& connections_active_;
  prometheus::Gauge& connections_idle_;
  prometheus::Gauge& pool_size_;
  prometheus::Gauge& write_queue_depth_;
  prometheus::Gauge& db_size_bytes_;
  prometheus::Family<prometheus::Gauge>& table_rows_family_;
  telemetry::SeriesCache<prometheus::Histogram*> queries_;
};

}  // namespace mw::api
