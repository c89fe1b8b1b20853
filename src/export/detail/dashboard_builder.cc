#include "export/detail/dashboard_builder.h"

namespace mw::exporting::detail {

namespace {

constexpr int kGridColumns = 24;

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

std::string Rate(const std::string& series) { return "rate(" + series + "[$__rate_interval])"; }

std::string Quantile(const std::string& q, const std::string& histogram, const std::string& by,
                     const std::string& matchers) {
  const std::string selector =
      histogram + "_bucket" + (matchers.empty() ? "" : "{" + matchers + "}");
  return "histogram_quantile(" + q + ", sum by (le" + (by.empty() ? "" : ", " + by) + ") (" +
         Rate(selector) + "))";
}

std::string HitRatio(const std::string& hits, const std::string& misses) {
  return "sum(" + Rate(hits) + ") / (sum(" + Rate(hits) + ") + sum(" + Rate(misses) + "))";
}

DashboardBuilder::DashboardBuilder(const GrafanaOptions& options, std::string uid,
                                   std::string title, std::string description)
    : options_(options),
      uid_(std::move(uid)),
      title_(std::move(title)),
      description_(std::move(description)) {}

std::string DashboardBuilder::Expand(std::string text) const {
  ReplaceAll(text, "{P}", options_.prefix);
  ReplaceAll(text, "{S}", options_.segment_label);
  ReplaceAll(text, "{JOB}", options_.job);
  return text;
}

nlohmann::json DashboardBuilder::Datasource() const {
  return {{"type", "prometheus"}, {"uid", options_.datasource_uid}};
}

void DashboardBuilder::AddVariable(const std::string& name, const std::string& label,
                                   const std::string& query) {
  const std::string expanded = Expand(query);
  variables_.push_back({
      {"name", name},
      {"label", Expand(label)},
      {"type", "query"},
      {"datasource", Datasource()},
      {"query", expanded},
      {"definition", expanded},
      {"refresh", 2},  // on time-range change: new models and segments show up
      {"multi", true},
      {"includeAll", true},
      // ".*" rather than Grafana's default alternation of every value, so "All" also matches
      // series whose label is empty (predictions logged without a segment).
      {"allValue", ".*"},
      {"current", {{"selected", true}, {"text", {"All"}}, {"value", {"$__all"}}}},
      {"options", nlohmann::json::array()},
      {"sort", 1},
      {"hide", 0},
  });
}

void DashboardBuilder::NewRow() {
  if (x_ == 0) return;
  x_ = 0;
  y_ += row_height_;
  row_height_ = 0;
}

void DashboardBuilder::Add(const PanelSpec& spec) {
  if (x_ + spec.width > kGridColumns) NewRow();
  nlohmann::json targets = nlohmann::json::array();
  char ref = 'A';
  for (const PanelQuery& q : spec.queries) {
    nlohmann::json target = {
        {"refId", std::string(1, ref++)}, {"datasource", Datasource()}, {"expr", Expand(q.expr)},
        {"editorMode", "code"},           {"range", !spec.instant},     {"instant", spec.instant},
    };
    if (!q.legend.empty()) target["legendFormat"] = Expand(q.legend);
    if (spec.type == "table") target["format"] = "table";
    targets.push_back(std::move(target));
  }

  nlohmann::json steps = nlohmann::json::array({{{"color", "green"}, {"value", nullptr}}});
  for (const auto& [value, color] : spec.thresholds) {
    steps.push_back({{"color", color}, {"value", value}});
  }
  nlohmann::json defaults = {{"unit", spec.unit.empty() ? "short" : spec.unit},
                             {"thresholds", {{"mode", "absolute"}, {"steps", steps}}}};
  if (spec.min) defaults["min"] = *spec.min;
  if (spec.max) defaults["max"] = *spec.max;
  if (spec.type == "timeseries") {
    defaults["custom"] = {{"drawStyle", "line"},
                          {"lineWidth", 1},
                          {"fillOpacity", 10},
                          {"showPoints", "never"},
                          {"spanNulls", false}};
  }

  nlohmann::json panel = {
      {"id", next_id_++},
      {"type", spec.type},
      {"title", Expand(spec.title)},
      {"description", Expand(spec.description)},
      {"datasource", Datasource()},
      {"gridPos", {{"h", spec.height}, {"w", spec.width}, {"x", x_}, {"y", y_}}},
      {"fieldConfig", {{"defaults", defaults}, {"overrides", nlohmann::json::array()}}},
      {"targets", targets},
  };
  if (spec.type == "timeseries") {
    panel["options"] = {
        {"legend", {{"displayMode", "list"}, {"placement", "bottom"}, {"showLegend", true}}},
        {"tooltip", {{"mode", "multi"}, {"sort", "desc"}}}};
  } else if (spec.type == "stat" || spec.type == "gauge" || spec.type == "bargauge") {
    panel["options"] = {
        {"reduceOptions", {{"calcs", {"lastNotNull"}}, {"fields", ""}, {"values", false}}},
        {"orientation", "auto"}};
  } else if (spec.type == "table") {
    panel["transformations"] = {{{"id", "merge"}, {"options", nlohmann::json::object()}}};
    panel["options"] = {{"showHeader", true}};
  }
  panels_.push_back(std::move(panel));

  x_ += spec.width;
  row_height_ = std::max(row_height_, spec.height);
}

nlohmann::json DashboardBuilder::Build() const {
  return {
      {"uid", uid_},
      {"title", Expand(title_)},
      {"description", Expand(description_)},
      {"tags", {"modelwatch"}},
      {"timezone", "browser"},
      {"editable", true},
      {"graphTooltip", 1},  // shared crosshair
      {"schemaVersion", 39},
      {"version", 1},
      {"refresh", "30s"},
      {"time", {{"from", "now-6h"}, {"to", "now"}}},
      {"timepicker", nlohmann::json::object()},
      {"links",
       {{{"type", "dashboards"},
         {"tags", {"modelwatch"}},
         {"asDropdown", true},
         {"title", "modelwatch dashboards"},
         {"includeVars", true},
         {"keepTime", true}}}},
      {"annotations",
       {{"list",
         {{{"builtIn", 1},
           {"datasource", {{"type", "grafana"}, {"uid", "-- Grafana --"}}},
           {"enable", true},
           {"hide", true},
           {"iconColor", "rgba(0, 211, 255, 1)"},
           {"name", "Annotations & Alerts"},
           {"type", "dashboard"}}}}}},
      {"templating", {{"list", variables_}}},
      {"panels", panels_},
  };
}

}  // namespace mw::exporting::detail
