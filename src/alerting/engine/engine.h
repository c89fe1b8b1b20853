// RuleEngine: modelwatch's built-in evaluation of an alert rule set (alerting/rules/rules.h) over
// its own metrics, with Prometheus' alerting-rule semantics, so teams without Prometheus still get
// alerts — and teams with it get the same alerts from the exported rules (alerting/rules/promql.h).
//
// Each evaluation (every rule group's interval, else options.default_interval_ms) first samples
// the metrics exposition (the `scrape` callback, Metrics::Serialize() in the server) into a
// MetricSampler, then evaluates every due group's conditions (alerting/rules/evaluate.h). Per rule
// and label set (rule labels over series labels, plus alertname):
//
//   inactive --condition holds--> pending --held for `for`--> firing --stops holding--> resolved
//
// A rule with `for: 0` fires at the first evaluation that holds. A pending alert whose condition
// stops holding is dropped (nothing was notified). A resolved alert is kept for
// options.resolved_retention_ms (shown by Alerts() and re-sent by Alertmanager channels), and
// starts over as a new alert if the condition holds again. Annotations are expanded with the
// alert's labels and current value at every evaluation.
//
// Notifications: the sink hears every firing alert at every evaluation (with its fresh value),
// and once each resolve. The notification router (notify/router.h) turns that into messages.
//
// Persistence: the state of every active alert and a history of transitions (pending, firing,
// resolved) are kept in a SQLite file of their own (options.state_path, e.g.
// <data_dir>/alerts.db), written at every evaluation. After a restart the alerts come back as
// they were: a pending alert keeps the time it became pending (so `for` counts across the
// restart, as Prometheus' for-state restoration does) when the engine was down for less than
// options.outage_tolerance_ms, else it starts over; a firing alert keeps firing until an
// evaluation shows it stopped. No alert resolves, and no pending alert is dropped, while
// options.sources_ready says the gauges are not computed yet since start-up (the quality
// evaluator's first pass); and rules whose conditions read a range (error_rate[5m]) do not
// resolve restored or running alerts until the sampler holds that much history since the engine
// started (warm-up) — a restart must not turn "no data yet" into a resolve.
// History rows older than options.history_retention_ms are deleted.
//
// Metrics (on options.registry; P = options.metrics_prefix):
//   P_alerts{alertname, alertstate="pending"|"firing", severity, <alert labels>}  1 per alert
//   modelwatch_alert_rules{group}                         rules loaded
//   modelwatch_alert_evaluations_total{group}             group evaluations
//   modelwatch_alert_evaluation_failures_total{group}     rule evaluations that failed
//   modelwatch_alert_evaluation_duration_seconds{group}   the group's last evaluation
//
// Thread-safety: every public method may be called from any thread. The sink is called from the
// evaluating thread, outside the engine's lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerting/notify/alert.h"
#include "alerting/rules/rules.h"
#include "alerting/rules/sampler.h"
#include "common/background.h"
#include "common/clock.h"
#include "common/status.h"

namespace prometheus {
class Registry;
}

namespace mw::alerting {

struct EngineOptions {
  std::string state_path;  // SQLite file for state and history; created when missing
  std::string metrics_prefix = "ml";
  int64_t default_interval_ms = 30000;  // groups without `interval`
  int64_t resolved_retention_ms = 15 * 60000;
  int64_t outage_tolerance_ms = 3600 * 1000;
  int64_t history_retention_ms = 30LL * 86400 * 1000;
  // Gauges older than this have no value (Prometheus' lookback delta).
  int64_t staleness_ms = 5 * 60000;
  std::string external_url;  // generator_url = external_url + "/v1/alerts"; "" = none
  prometheus::Registry* registry = nullptr;
  // Longest the Start()ed thread sleeps before looking at the clock again (FakeClock tests).
  int64_t idle_wait_ms = 1000;
  // False while the subsystems that export the rules' gauges have not produced them yet since
  // start-up (the quality evaluator before its first pass): missing series then mean "not computed
  // yet", so no alert is resolved. nullptr = always ready.
  std::function<bool()> sources_ready;
  // Where an evaluation pass that threw is reported (thread "alert_engine"); the Start()ed thread
  // then waits idle_wait_ms and goes on. Null: stderr.
  BackgroundErrorReporter* errors = nullptr;
};

// One alert as the engine holds it.
struct ActiveAlert {
  enum class State { kPending, kFiring, kResolved };
  std::string group;
  std::string alertname;
  std::map<std::string, std::string> labels;  // incl. alertname and severity
  std::map<std::string, std::string> annotations;
  State state = State::kPending;
  int64_t active_at_ms = 0;    // first evaluation that held
  int64_t fired_at_ms = 0;     // 0 until firing
  int64_t resolved_at_ms = 0;  // 0 until resolved
  int64_t last_evaluation_ms = 0;
  double value = 0;
  std::string fingerprint;
};

std::string_view AlertStateName(ActiveAlert::State state);  // "pending", "firing", "resolved"

// One transition of one alert.
struct AlertTransition {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string alertname;
  std::string fingerprint;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string state;  // the state entered: "pending", "firing" or "resolved"
  double value = 0;
  int64_t active_at_ms = 0;
};

struct HistoryQuery {
  std::string alertname;    // "" = all
  std::string fingerprint;  // "" = all
  std::string state;        // "" = all
  int64_t from_ms = 0;      // inclusive
  int64_t to_ms = 0;        // exclusive; 0 = no bound
  int64_t before_id = 0;    // paging: only ids below this; 0 = from the newest
  int limit = 100;
};

// The health of one rule after its last evaluation (GET /v1/rules).
struct RuleStatus {
  std::string group;
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  std::map<std::string, std::string> labels;
  std::string health = "unknown";  // "ok", "err" or "unknown" (not evaluated yet)
  std::string last_error;
  int64_t last_evaluation_ms = 0;
  double last_duration_seconds = 0;
  size_t pending = 0;
  size_t firing = 0;
};

class RuleEngine {
 public:
  // Opens (creates) the state file, restores its alerts, and registers the metrics. `scrape`
  // returns the current text exposition. `sink` may be null (state only); it, `clock` and the
  // registry must outlive the engine. kUnavailable when the state file cannot be opened.
  static Result<std::unique_ptr<RuleEngine>> Open(RuleSet rules,
                                                  std::function<std::string()> scrape,
                                                  AlertSink* sink, const Clock& clock,
                                                  EngineOptions options);
  ~RuleEngine();  // Stop()s
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  // Samples the metrics once and evaluates the groups that are due at clock.NowMillis() (all
  // groups when `all`). The Start()ed thread runs exactly this.
  void EvaluateDue(bool all = false);
  // A thread that calls EvaluateDue() as groups fall due; both idempotent.
  void Start();
  void Stop();

  // Pending, firing and recently resolved alerts, by group, rule order and labels.
  std::vector<ActiveAlert> Alerts() const;
  std::vector<RuleStatus> Rules() const;
  // Newest first.
  Result<std::vector<AlertTransition>> History(const HistoryQuery& query) const;
  // Retention (the maintenance task `retention`; the engine also prunes past
  // options.history_retention_ms on its own, at most hourly): deletes the history rows with
  // at < cutoff_ms (a row at exactly cutoff_ms stays); with dry_run only counts them. Returns the
  // number of rows (to be) deleted. Active alerts are not touched.
  Result<int64_t> DeleteHistoryBefore(int64_t cutoff_ms, bool dry_run);
  const RuleSet& rule_set() const;

 private:
  struct Impl;
  explicit RuleEngine(std::unique_ptr<Impl> impl);
  void Run();

  std::unique_ptr<Impl> impl_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread runner_;
};

}  // namespace mw::alerting
