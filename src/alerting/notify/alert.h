// AlertEvent: one alert instance (one label set of one rule) as the rule engine hands it to the
// notifiers, and AlertSink, the interface the engine calls.
//
// The engine reports an alert as firing when it starts firing (and may repeat that report on
// every evaluation with a fresh value), and once as resolved when it stops. Receivers key alerts
// by Fingerprint(): the same label set always gives the same fingerprint, in this process and the
// next, and it is the value Alertmanager computes for the same labels.
//
// Thread-safety: AlertEvent is a value. AlertSink implementations say their own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace mw::alerting {

struct AlertEvent {
  enum class State { kFiring, kResolved };

  std::string alertname;
  // Every label of the alert, including alertname and severity (info | warning | critical).
  std::map<std::string, std::string> labels;
  // Expanded annotations: summary, description, runbook, ...
  std::map<std::string, std::string> annotations;
  State state = State::kFiring;
  int64_t starts_at_ms = 0;   // when the alert started firing (epoch ms)
  int64_t ends_at_ms = 0;     // when it resolved; 0 while firing
  double value = 0;           // the value of the condition's left side at the last evaluation
  std::string generator_url;  // a link back to the alert in modelwatch; may be empty

  bool firing() const { return state == State::kFiring; }
  // labels["severity"], or "" when the label is missing.
  std::string severity() const;

  // Alertmanager's fingerprint of `labels` as 16 lower-case hex digits: FNV-1a 64 over the labels
  // sorted by name, each name and value followed by the byte 0xff (Prometheus'
  // model.LabelSet.Fingerprint). An empty label set gives "cbf29ce484222325".
  std::string Fingerprint() const;
};

// Fingerprint of a label set (see AlertEvent::Fingerprint).
std::string LabelsFingerprint(const std::map<std::string, std::string>& labels);

// Where the rule engine sends alert state changes.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // Called for each firing alert (at least when it starts firing) and once when it resolves.
  virtual void OnAlert(const AlertEvent& event) = 0;
};

}  // namespace mw::alerting
