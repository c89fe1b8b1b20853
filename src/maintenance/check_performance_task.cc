#include "maintenance/check_performance_task.h"

#include <cstdio>
#include <set>

#include "maintenance/model_checks.h"

namespace mw::maintenance {
namespace {

constexpr std::string_view kDegradedAlertName = "ModelPerformanceDegraded";

std::string PerfNum(const monitor::Json& v, const char* format) {
  if (!v.is_number()) return "n/a";
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), format, v.get<double>());
  return buffer;
}

}  // namespace

alerting::AlertEvent DegradationAlert(const std::string& model, const std::string& segment,
                                      const monitor::Json& performance, int64_t now_ms) {
  const monitor::Json d = PrimaryDrift(performance);
  const auto field = [&d](const char* key) { return d.is_object() ? d[key] : monitor::Json(); };
  alerting::AlertEvent e;
  e.alertname = std::string(kDegradedAlertName);
  e.labels = {
      {"alertname", e.alertname}, {"model", model}, {"segment", segment}, {"severity", "warning"}};
  const std::string metric = d.is_object() ? d.value("metric", "") : "";
  if (!metric.empty()) e.labels["metric"] = metric;
  const monitor::Json interval = field("degradation_interval_pct");
  std::string range = "n/a";
  if (interval.is_array() && interval.size() == 2) {
    range = PerfNum(interval[0], "%+.1f%%") + " to " + PerfNum(interval[1], "%+.1f%%");
  }
  e.annotations["summary"] = "Performance of " + SegmentName(model, segment) + " degraded";
  e.annotations["metric"] = metric;
  e.annotations["training_value"] = PerfNum(field("training_value"), "%.6g");
  e.annotations["recent_value"] = PerfNum(field("recent_value"), "%.6g");
  e.annotations["degradation"] = PerfNum(field("degradation_pct"), "%+.1f%%");
  e.annotations["degradation_interval"] = range;
  e.annotations["description"] =
      metric + " is " + e.annotations["recent_value"] + " against " +
      e.annotations["training_value"] + " in training (" + e.annotations["degradation"] +
      ", interval " + range + ", threshold " + PerfNum(field("threshold_pct"), "%.0f%%") +
      ") over " + std::to_string(performance.value("with_actual", int64_t{0})) +
      " predictions with actuals, version " + performance.value("training_version", "") + ".";
  e.annotations["runbook"] =
      "Compare with GET /v1/models/" + model + "/performance" +
      (segment.empty() ? "" : "?segment=" + segment) +
      " and /drift; check-drift-and-retrain triggers retraining (or run `modelwatch maintain "
      "check-drift-and-retrain`).";
  const monitor::Json degradation = field("degradation_pct");
  e.value = degradation.is_number() ? degradation.get<double>() / 100.0 : 0;
  e.starts_at_ms = now_ms;
  return e;
}

Result<std::vector<CheckPerformanceTask::Evaluated>> CheckPerformanceTask::ByEvaluator(
    TaskContext& ctx) {
  const int64_t started = ctx.clock.NowMillis();
  if (Status s = evaluator_->EvaluateOnce(); !s.ok()) return s;
  auto models = store_.ListModels();
  if (!models.has_value()) return models.error();
  std::vector<Evaluated> out;
  for (const registry::ModelInfo& model : *models) {
    store::SnapshotQuery q;
    q.model = model.name;
    q.kind = "performance";
    q.from_ms = started;
    auto snapshots = store_.QuerySnapshots(q);
    if (!snapshots.has_value()) return snapshots.error();
    std::set<std::string> seen;  // newest first: the first per segment is this pass's
    for (const store::EvaluationSnapshot& s : *snapshots) {
      if (!seen.insert(s.segment).second) continue;
      monitor::Json payload = monitor::Json::parse(s.payload_json, nullptr, false);
      if (payload.is_discarded()) continue;
      out.push_back({model.name, s.segment, std::move(payload)});
    }
  }
  return out;
}

Result<std::vector<CheckPerformanceTask::Evaluated>> CheckPerformanceTask::ByService(
    TaskContext& ctx) {
  const int64_t now = ctx.clock.NowMillis();
  auto checks = CheckModels(store_, quality_, now - options_.window_ms, now, ctx);
  if (!checks.has_value()) return checks.error();
  std::vector<Evaluated> out;
  std::vector<store::EvaluationSnapshot> snapshots;
  const auto dump = [](const monitor::Json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  for (SegmentCheck& c : *checks) {
    if (!c.performance.is_object()) continue;
    snapshots.push_back({now, c.model, c.segment, "performance", dump(c.performance)});
    if (c.drift.is_object() && c.drift.value("status", "") != "no_reference") {
      snapshots.push_back({now, c.model, c.segment, "drift", dump(c.drift)});
    }
    out.push_back({c.model, c.segment, std::move(c.performance)});
  }
  if (Status s = store_.AppendSnapshots(snapshots); !s.ok()) return s;
  return out;
}

void CheckPerformanceTask::Notify(const Evaluated& e, TaskContext& ctx) {
  alerting::AlertEvent alert =
      DegradationAlert(e.model, e.segment, e.performance, ctx.clock.NowMillis());
  const std::string fingerprint = alert.Fingerprint();
  auto earlier = firing_.find(fingerprint);
  if (earlier != firing_.end()) alert.starts_at_ms = earlier->second.starts_at_ms;
  ctx.log.Warn("performance degraded", {{"modelwatch.model", e.model},
                                        {"modelwatch.segment", e.segment},
                                        {"event.reason", alert.annotations["description"]}});
  if (sink_ == nullptr) return;
  sink_->OnAlert(alert);
  firing_[fingerprint] = std::move(alert);
}

void CheckPerformanceTask::Resolve(const std::map<std::string, bool>& degraded_now,
                                   TaskContext& ctx) {
  for (auto it = firing_.begin(); it != firing_.end();) {
    if (degraded_now.contains(it->first)) {
      ++it;
      continue;
    }
    alerting::AlertEvent resolved = it->second;
    resolved.state = alerting::AlertEvent::State::kResolved;
    resolved.ends_at_ms = ctx.clock.NowMillis();
    sink_->OnAlert(resolved);
    it = firing_.erase(it);
  }
}

Result<TaskOutcome> CheckPerformanceTask::Run(TaskContext& ctx) {
  // No dry run to honour: evaluating and storing snapshots is what the evaluator does anyway.
  auto evaluated = evaluator_ != nullptr ? ByEvaluator(ctx) : ByService(ctx);
  if (!evaluated.has_value()) return evaluated.error();
  std::map<std::string, bool> degraded_now;  // fingerprints
  std::string degraded;
  int64_t models = 0;
  std::string last_model;
  for (const Evaluated& e : *evaluated) {
    if (e.model != last_model) ++models;
    last_model = e.model;
    if (!e.performance.value("drift_detected", false)) continue;
    Notify(e, ctx);
    degraded_now[DegradationAlert(e.model, e.segment, e.performance, 0).Fingerprint()] = true;
    const monitor::Json d = PrimaryDrift(e.performance);
    degraded += (degraded.empty() ? "" : ", ") + SegmentName(e.model, e.segment);
    if (d.is_object()) {
      degraded +=
          " (" + d.value("metric", "") + " " + PerfNum(d["degradation_pct"], "%+.1f%%") + ")";
    }
  }
  if (sink_ != nullptr) Resolve(degraded_now, ctx);
  TaskOutcome outcome;
  outcome.items = static_cast<int64_t>(evaluated->size());
  outcome.message = "evaluated " + std::to_string(outcome.items) + " segment(s) of " +
                    std::to_string(models) + " model(s); " +
                    (degraded.empty() ? "no degradation" : "degraded: " + degraded);
  return outcome;
}

}  // namespace mw::maintenance
