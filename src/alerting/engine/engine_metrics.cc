#include "alerting/engine/detail/engine_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace mw::alerting::detail {

EngineMetrics::EngineMetrics(prometheus::Registry& registry, const std::string& prefix)
    : alerts_(&prometheus::BuildGauge()
                   .Name(prefix + "_alerts")
                   .Help("Pending and firing alerts of the built-in rule engine, one series per "
                         "alert (like Prometheus' ALERTS).")
                   .Register(registry)),
      rules_(&prometheus::BuildGauge()
                  .Name("modelwatch_alert_rules")
                  .Help("Alert rules loaded in the built-in rule engine, by group.")
                  .Register(registry)),
      evaluations_(&prometheus::BuildCounter()
                        .Name("modelwatch_alert_evaluations_total")
                        .Help("Evaluations of an alert rule group.")
                        .Register(registry)),
      failures_(&prometheus::BuildCounter()
                     .Name("modelwatch_alert_evaluation_failures_total")
                     .Help("Alert rule evaluations that failed, by group.")
                     .Register(registry)),
      duration_(&prometheus::BuildGauge()
                     .Name("modelwatch_alert_evaluation_duration_seconds")
                     .Help("How long the group's last evaluation took.")
                     .Register(registry)) {}

GroupMetrics EngineMetrics::AddGroup(const std::string& group, size_t rule_count) {
  if (alerts_ == nullptr) return {};
  const std::map<std::string, std::string> labels = {{"group", group}};
  rules_->Add(labels).Set(static_cast<double>(rule_count));
  return {&evaluations_->Add(labels), &failures_->Add(labels), &duration_->Add(labels)};
}

void EngineMetrics::Export(const ActiveAlert& alert, bool present) {
  if (alerts_ == nullptr) return;
  for (ActiveAlert::State s : {ActiveAlert::State::kPending, ActiveAlert::State::kFiring}) {
    const std::string key = alert.fingerprint + "\x1f" + std::string(AlertStateName(s));
    const bool want = present && alert.state == s;
    auto it = exported_.find(key);
    if (want && it == exported_.end()) {
      std::map<std::string, std::string> labels = alert.labels;
      labels["alertstate"] = std::string(AlertStateName(s));
      exported_[key] = &alerts_->Add(labels);
      exported_[key]->Set(1);
    } else if (!want && it != exported_.end()) {
      alerts_->Remove(it->second);
      exported_.erase(it);
    }
  }
}

}  // namespace mw::alerting::detail
