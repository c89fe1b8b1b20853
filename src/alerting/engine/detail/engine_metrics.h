// EngineMetrics: the rule engine's own metric families (see engine.h for the list): the P_alerts
// series of every pending and firing alert (Prometheus' ALERTS), and per group the rules loaded,
// evaluations, failures and the last evaluation's duration.
//
// Thread-safety: none; the engine calls it under its state lock.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "alerting/engine/engine.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace mw::alerting::detail {

// The series of one rule group; null pointers when the engine has no registry.
struct GroupMetrics {
  prometheus::Counter* evaluations = nullptr;
  prometheus::Counter* failures = nullptr;
  prometheus::Gauge* duration = nullptr;
};

class EngineMetrics {
 public:
  EngineMetrics() = default;  // no registry: every call is a no-op
  // Registers the families, named prefix + "_alerts", ..., on `registry` (which must outlive
  // this object).
  EngineMetrics(prometheus::Registry& registry, const std::string& prefix);

  // Adds the series of `group` (modelwatch_alert_rules set to rule_count).
  GroupMetrics AddGroup(const std::string& group, size_t rule_count);

  // Creates the P_alerts series of `alert` for its state (pending or firing), or removes it when
  // `present` is false or the alert is resolved.
  void Export(const ActiveAlert& alert, bool present);

 private:
  prometheus::Family<prometheus::Gauge>* alerts_ = nullptr;
  prometheus::Family<prometheus::Gauge>* rules_ = nullptr;
  prometheus::Family<prometheus::Counter>* evaluations_ = nullptr;
  prometheus::Family<prometheus::Counter>* failures_ = nullptr;
  prometheus::Family<prometheus::Gauge>* duration_ = nullptr;
  std::map<std::string, prometheus::Gauge*> exported_;  // fingerprint + state -> P_alerts series
};

}  // namespace mw::alerting::detail
