// Builds one classic Grafana dashboard from short panel descriptions: lays panels out on the
// 24-column grid left to right, gives every panel and target the data source, numbers refIds,
// and expands the placeholders {P} (metric prefix), {S} (segment label) and {JOB} (modelwatch's
// Prometheus job) in queries, legends and titles.
//
// The dashboards themselves: grafana_dashboards.cc (the watched service, its models, host and
// alerts) and grafana_self_dashboard.cc (modelwatch itself), joined by GrafanaDashboards.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "export/grafana.h"

namespace mw::exporting::detail {

struct PanelQuery {
  std::string expr;    // PromQL with placeholders
  std::string legend;  // legendFormat with placeholders ("" = Grafana's default)
};

struct PanelSpec {
  std::string type;  // timeseries | stat | gauge | bargauge | table
  std::string title;
  std::string description = "";  // what the panel shows and how to read it
  std::string unit = "";         // Grafana unit id: reqps, s, percentunit, bytes, Bps, short, ...
  int width = 12;
  int height = 8;
  std::vector<PanelQuery> queries;
  // Current values only (stat/gauge/bargauge/table): targets are instant queries.
  bool instant = false;
  // Threshold steps above the green base, e.g. {{0.05, "red"}}.
  std::vector<std::pair<double, std::string>> thresholds = {};
  std::optional<double> min = std::nullopt;
  std::optional<double> max = std::nullopt;
};

// Query pieces shared by the dashboards.
// rate(<series>[$__rate_interval])
std::string Rate(const std::string& series);
// histogram_quantile over a histogram's bucket rates, summed by `by` (besides le); `histogram` is
// the family's full name ("{P}_..." for the watched service's, "modelwatch_..." for our own).
std::string Quantile(const std::string& q, const std::string& histogram, const std::string& by = "",
                     const std::string& matchers = "");
// hits / (hits + misses) of two counters' rates, each `<family><selector>`. NaN (a series all the
// same) while there were no lookups in the interval.
std::string HitRatio(const std::string& hits, const std::string& misses);

class DashboardBuilder {
 public:
  DashboardBuilder(const GrafanaOptions& options, std::string uid, std::string title,
                   std::string description);

  // A multi-value query variable with an "All" option matching every value (including the empty
  // one), refreshed when the time range changes.
  void AddVariable(const std::string& name, const std::string& label, const std::string& query);
  void Add(const PanelSpec& panel);
  // Starts the next panel on a new grid row.
  void NewRow();

  nlohmann::json Build() const;

 private:
  std::string Expand(std::string text) const;
  nlohmann::json Datasource() const;

  const GrafanaOptions& options_;
  std::string uid_, title_, description_;
  nlohmann::json variables_ = nlohmann::json::array();
  nlohmann::json panels_ = nlohmann::json::array();
  int next_id_ = 1;
  int x_ = 0, y_ = 0, row_height_ = 0;
};

// modelwatch-self.json: modelwatch's own API server, ingest, store, evaluator, profile cache,
// proxy, outbox, background threads and process (grafana_self_dashboard.cc).
GrafanaDashboard ModelwatchSelfDashboard(const GrafanaOptions& options);

}  // namespace mw::exporting::detail
