#include "maintenance/model_checks.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace mw::maintenance {
namespace {

std::string CheckNumber(const monitor::Json& value) {
  if (!value.is_number()) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value.get<double>());
  return buffer;
}

std::string CheckPercent(const monitor::Json& value) {
  if (!value.is_number()) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%+.1f%%", value.get<double>());
  return buffer;
}

}  // namespace

std::string SegmentName(const std::string& model, const std::string& segment) {
  return segment.empty() ? model : model + "/" + segment;
}

monitor::Json PrimaryDrift(const monitor::Json& performance) {
  if (!performance.is_object()) return nullptr;
  const std::string primary = performance.value("primary_metric", "");
  auto items = performance.find("performance_drift");
  if (items == performance.end() || !items->is_array()) return nullptr;
  for (const monitor::Json& item : *items) {
    if (item.value("metric", "") == primary) return item;
  }
  return nullptr;
}

std::string DriftReason(const SegmentCheck& check) {
  std::string reason;
  if (check.performance_drift) {
    const monitor::Json d = PrimaryDrift(check.performance);
    reason = "performance drift";
    if (d.is_object()) {
      reason += ": " + d.value("metric", "") + " " + CheckPercent(d["degradation_pct"]) +
                " (training " + CheckNumber(d["training_value"]) + ", recent " +
                CheckNumber(d["recent_value"]) + ")";
    }
  }
  if (check.data_drift) {
    if (!reason.empty()) reason += "; ";
    reason += "data drift";
    if (check.drift.is_object() && check.drift.contains("drifted_features")) {
      reason += ": " + check.drift["drifted_features"].dump() + " of " +
                check.drift.value("number_of_features", monitor::Json(0)).dump() +
                " features drifted";
    }
  }
  return reason;
}

Result<std::vector<SegmentCheck>> CheckModels(store::Store& store, monitor::QualityService& quality,
                                              int64_t from_ms, int64_t to_ms,
                                              const TaskContext& ctx) {
  auto models = store.ListModels();
  if (!models.has_value()) return models.error();
  std::vector<SegmentCheck> out;
  for (const registry::ModelInfo& model : *models) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    monitor::WindowQuery q;
    q.model = model.name;
    q.from_ms = from_ms;
    q.to_ms = to_ms;
    auto performance = quality.Performance(q);
    if (!performance.has_value()) return performance.error();
    auto drift = quality.Drift(q);
    if (!drift.has_value()) return drift.error();
    std::map<std::string, SegmentCheck> by_segment;
    for (monitor::Json& item : (*performance)["segments"]) {
      SegmentCheck& c = by_segment[item.value("segment", "")];
      c.performance = std::move(item);
    }
    for (monitor::Json& item : (*drift)["segments"]) {
      SegmentCheck& c = by_segment[item.value("segment", "")];
      c.drift = std::move(item);
    }
    for (auto& [segment, c] : by_segment) {
      c.model = model.name;
      c.segment = segment;
      if (c.performance.is_object()) {
        c.performance.erase("segment");
        c.evaluated = c.performance.value("status", "") == "ok";
        c.performance_drift = c.performance.value("drift_detected", false);
      }
      if (c.drift.is_object()) {
        c.drift.erase("segment");
        c.data_drift = c.drift.value("dataset_drift", false);
      }
      auto choice = quality.ChooseVersion(model.name, segment, std::nullopt);
      if (!choice.has_value()) return choice.error();
      c.version = choice->version;
      out.push_back(std::move(c));
    }
  }
  return out;
}

Result<std::vector<ModelSegment>> ListModelSegments(store::Store& store) {
  auto models = store.ListModels();
  if (!models.has_value()) return models.error();
  std::vector<ModelSegment> out;
  for (const registry::ModelInfo& model : *models) {
    auto versions = store.ListModelVersions(model.name);
    if (!versions.has_value()) return versions.error();
    std::map<std::string, std::string> latest;  // segment -> version
    for (const registry::ModelVersionInfo& v : *versions) {
      if (v.is_latest || !latest.contains(v.segment))
        latest[v.segment] = v.is_latest ? v.version : "";
    }
    if (latest.empty()) latest[""] = "";
    for (const auto& [segment, version] : latest) out.push_back({model.name, segment, version});
  }
  return out;
}

}  // namespace mw::maintenance
