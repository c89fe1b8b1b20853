// MetricSampler: a small in-memory history of modelwatch's own metrics, so the built-in alert
// engine can evaluate rates, increases and histogram quantiles over a range the way Prometheus
// does from its scrapes — without running Prometheus. Each Sample() parses one text exposition
// (Metrics::Serialize(), format 0.0.4) and appends every series' value with the sample time;
// samples older than the retention are dropped.
//
// Range semantics (documented in docs/alerting.md): Increase over [now - range, now] is the sum
// of the positive steps between consecutive samples in the range plus, after a counter reset
// (a value below the previous), the new value — Prometheus' increase() without its
// extrapolation to the range edges. A series needs two samples in the range to have a value.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::alerting {

using Labels = std::map<std::string, std::string>;

struct SeriesValue {
  Labels labels;
  double value = 0;
};

class MetricSampler {
 public:
  explicit MetricSampler(int64_t retention_ms = 2 * 3600 * 1000);

  // Parses `exposition` and records every sample at now_ms. kInvalidArgument (nothing recorded)
  // for text that is not the Prometheus text format.
  Status Sample(std::string_view exposition, int64_t now_ms);

  // The newest value of every series of the metric `name` (a full sample name, e.g.
  // "ml_model_mae" or "ml_api_requests_total") that was in the newest Sample() (a series that
  // disappeared from the exposition is stale at once, as Prometheus marks it) and is at most
  // `staleness_ms` old.
  std::vector<SeriesValue> Latest(std::string_view name, int64_t now_ms,
                                  int64_t staleness_ms = 5 * 60 * 1000) const;
  // Counter increase per series over [now - range, now] (see above).
  std::vector<SeriesValue> Increase(std::string_view name, int64_t range_ms, int64_t now_ms) const;
  // The q-quantile per label set (without `le`) of a histogram's bucket increases over the range,
  // with Prometheus' histogram_quantile interpolation; `name` is the histogram's base name
  // (".._bucket" is appended). `by` keeps only those labels (sums over the others); empty = sum
  // all. Label sets with no observations in the range are left out.
  std::vector<SeriesValue> HistogramQuantile(double q, std::string_view name,
                                             const std::vector<std::string>& by, int64_t range_ms,
                                             int64_t now_ms) const;
  // Sums series by the `by` labels (empty = one series without labels).
  static std::vector<SeriesValue> SumBy(const std::vector<SeriesValue>& in,
                                        const std::vector<std::string>& by);

  int64_t last_sample_ms() const;
  size_t series_count() const;

 private:
  struct Point {
    int64_t t;
    double v;
  };
  struct Series {
    Labels labels;
    std::deque<Point> points;
  };
  // Under the lock: one value per series of `name`, computed by `value_of(series)` (nullopt
  // leaves the series out).
  template <typename ValueOf>
  std::vector<SeriesValue> EachSeries(std::string_view name, ValueOf value_of) const;

  // name -> serialized labels -> series
  std::map<std::string, std::map<std::string, Series>, std::less<>> series_;
  const int64_t retention_ms_;
  int64_t last_sample_ms_ = 0;
  mutable std::mutex mu_;
};

// Prometheus' histogram_quantile on cumulative buckets (upper bound, count), sorted by bound, the
// last +Inf. NaN when there are no observations. Exposed for tests.
double BucketQuantile(double q, const std::vector<std::pair<double, double>>& buckets);

}  // namespace mw::alerting
