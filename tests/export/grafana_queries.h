// Test helper (header-only, nlohmann/json only, so the integration tests can use it without
// linking mw_export): the PromQL of every panel target of a Grafana dashboard JSON, with the
// dashboard variables replaced the way Grafana replaces them before it sends a query.
#pragma once

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mw::testing {

struct PanelQuery {
  std::string dashboard;  // uid
  std::string panel;      // title
  std::string ref_id;
  std::string expr;  // interpolated
};

// Replaces $name, ${name} and [[name]] for every variable in `values` (longest names first, so
// $__rate_interval is not taken for $__rate). Grafana does the same textual substitution.
inline std::string InterpolateGrafana(std::string expr,
                                      const std::map<std::string, std::string>& values) {
  std::vector<std::pair<std::string, std::string>> order(values.begin(), values.end());
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : order) {
    for (const std::string& form : {"${" + name + "}", "[[" + name + "]]", "$" + name}) {
      for (size_t pos = expr.find(form); pos != std::string::npos;
           pos = expr.find(form, pos + value.size())) {
        expr.replace(pos, form.size(), value);
      }
    }
  }
  return expr;
}

// What Grafana sends for the modelwatch dashboards with "All" selected and a scrape interval of
// 15 s or less (its $__rate_interval is then max($__interval + scrape interval, 4 x scrape
// interval), i.e. 1m for a short time range).
inline std::map<std::string, std::string> AllSelectedGrafanaVariables() {
  return {{"model", ".*"},       {"segment", ".*"},        {"__rate_interval", "1m"},
          {"__interval", "15s"}, {"__range", "1h"},        {"__interval_ms", "15000"},
          {"__range_s", "3600"}, {"__range_ms", "3600000"}};
}

inline std::vector<PanelQuery> InterpolatedPanelQueries(
    const nlohmann::json& dashboard, const std::map<std::string, std::string>& values) {
  std::vector<PanelQuery> out;
  for (const auto& panel : dashboard.value("panels", nlohmann::json::array())) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      out.push_back({dashboard.value("uid", ""), panel.value("title", ""),
                     target.value("refId", ""),
                     InterpolateGrafana(target.value("expr", ""), values)});
    }
  }
  return out;
}

}  // namespace mw::testing
