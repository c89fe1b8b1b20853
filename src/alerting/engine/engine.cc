#include "alerting/engine/engine.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "alerting/engine/detail/engine_metrics.h"
#include "alerting/engine/detail/state_store.h"
#include "alerting/rules/annotation_template.h"
#include "alerting/rules/evaluate.h"
#include "alerting/rules/promql.h"

namespace mw::alerting {
namespace {

using LabelMap = std::map<std::string, std::string>;

// A rule's identity across restarts and rule-file edits: group, name and its own labels.
std::string RuleKey(const RuleGroup& group, const Rule& rule) {
  return group.name + "\x1f" + rule.alert + "\x1f" + LabelsFingerprint(rule.labels);
}

// Adds the names of the series every signal of `expr` reads to `names`.
void CollectSeriesNames(const Expr& expr, const std::string& prefix,
                        std::set<std::string, std::less<>>& names) {
  if (expr.kind == Expr::Kind::kSignal && expr.signal.def != nullptr) {
    for (std::string& n : SignalSeriesNames(*expr.signal.def, PromOptions{prefix, "modelwatch"})) {
      names.insert(std::move(n));
    }
  }
  for (const Expr& e : expr.operands) CollectSeriesNames(e, prefix, names);
}

// The lines of a text exposition whose sample name is in `names` (comments dropped): the sampler
// then keeps history only for the series the rules read, not for every histogram bucket and
// per-feature gauge of the process.
std::string FilterExposition(std::string_view text,
                             const std::set<std::string, std::less<>>& names) {
  std::string out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line[0] == '#') continue;
    const size_t end = line.find_first_of("{ ");
    if (names.contains(line.substr(0, end))) {
      out.append(line);
      out.push_back('\n');
    }
  }
  return out;
}

// The history row of `a` entering its current state at `now`.
AlertTransition TransitionOf(const ActiveAlert& a, int64_t now) {
  AlertTransition t;
  t.at_ms = now;
  t.alertname = a.alertname;
  t.fingerprint = a.fingerprint;
  t.labels = a.labels;
  t.annotations = a.annotations;
  t.state = std::string(AlertStateName(a.state));
  t.value = a.value;
  t.active_at_ms = a.active_at_ms;
  return t;
}

// The labels of the alert that `series` raises: its labels, the rule's over them, and alertname.
LabelMap AlertLabels(const Rule& rule, const SeriesValue& series) {
  LabelMap labels = series.labels;
  for (const auto& [k, v] : rule.labels) labels[k] = v;
  labels["alertname"] = rule.alert;
  return labels;
}

}  // namespace

std::string_view AlertStateName(ActiveAlert::State state) {
  switch (state) {
    case ActiveAlert::State::kPending:
      return "pending";
    case ActiveAlert::State::kFiring:
      return "firing";
    case ActiveAlert::State::kResolved:
      return "resolved";
  }
  return "pending";
}

struct RuleEngine::Impl {
  struct RuleState {
    const RuleGroup* group = nullptr;
    const Rule* rule = nullptr;
    std::string key;
    int64_t longest_range_ms = 0;
    std::map<std::string, ActiveAlert> alerts;  // by fingerprint
    RuleStatus status;
  };
  struct GroupState {
    const RuleGroup* group = nullptr;
    int64_t interval_ms = 0;
    int64_t next_eval_ms = 0;
    std::vector<size_t> rules;  // indexes into `rules`
    detail::GroupMetrics metrics;
  };

  RuleSet rule_set;
  std::function<std::string()> scrape;
  AlertSink* sink = nullptr;
  const Clock* clock = nullptr;
  EngineOptions options;
  std::unique_ptr<MetricSampler> sampler;
  std::set<std::string, std::less<>> sampled_names;  // series the rules read
  int64_t started_ms = 0;

  mutable std::mutex mu;  // rules, groups, exported gauges
  std::vector<RuleState> rules;
  std::vector<GroupState> groups;
  detail::EngineMetrics metrics;

  std::unique_ptr<detail::AlertStateStore> store;

  std::mutex evaluate_mu;  // one evaluation at a time (the thread and direct callers)

  AlertEvent ToEvent(const ActiveAlert& a) const {
    AlertEvent e;
    e.alertname = a.alertname;
    e.labels = a.labels;
    e.annotations = a.annotations;
    e.state = a.state == ActiveAlert::State::kResolved ? AlertEvent::State::kResolved
                                                       : AlertEvent::State::kFiring;
    e.starts_at_ms = a.fired_at_ms != 0 ? a.fired_at_ms : a.active_at_ms;
    e.ends_at_ms = a.resolved_at_ms;
    e.value = a.value;
    if (!options.external_url.empty()) {
      std::string base = options.external_url;
      while (!base.empty() && base.back() == '/') base.pop_back();
      e.generator_url = base + "/v1/alerts?alertname=" + a.alertname;
    }
    return e;
  }

  // The state of every group and rule of rule_set, due at `now`, and a sampler holding history
  // enough for the longest range plus a few evaluations, and for the staleness window.
  void BuildRuleStates(int64_t now) {
    int64_t longest = 0, longest_interval = options.default_interval_ms;
    for (const RuleGroup& g : rule_set.groups) {
      GroupState gs;
      gs.group = &g;
      gs.interval_ms = g.interval_ms > 0 ? g.interval_ms : options.default_interval_ms;
      gs.next_eval_ms = now;
      longest_interval = std::max(longest_interval, gs.interval_ms);
      for (const Rule& rule : g.rules) {
        RuleState r;
        r.group = &g;
        r.rule = &rule;
        r.key = RuleKey(g, rule);
        r.longest_range_ms = LongestRangeMs(rule.condition);
        CollectSeriesNames(rule.condition.root, options.metrics_prefix, sampled_names);
        longest = std::max(longest, r.longest_range_ms);
        r.status.group = g.name;
        r.status.alert = rule.alert;
        r.status.expr = rule.expr;
        r.status.for_ms = rule.for_ms;
        r.status.labels = rule.labels;
        gs.rules.push_back(rules.size());
        rules.push_back(std::move(r));
      }
      groups.push_back(std::move(gs));
    }
    sampler = std::make_unique<MetricSampler>(std::max(longest, options.staleness_ms) +
                                              3 * longest_interval + 60000);
  }

  // Registers the engine's metrics and exports the restored alerts.
  void RegisterMetrics(prometheus::Registry& registry) {
    metrics = detail::EngineMetrics(registry, options.metrics_prefix);
    for (GroupState& g : groups) g.metrics = metrics.AddGroup(g.group->name, g.rules.size());
    for (const RuleState& r : rules) {
      for (const auto& [fp, a] : r.alerts) metrics.Export(a, true);
    }
  }

  Status Persist(const std::vector<RuleState*>& changed_rules,
                 const std::vector<AlertTransition>& transitions, int64_t now) {
    std::vector<detail::RuleAlerts> changed;
    changed.reserve(changed_rules.size());
    for (const RuleState* r : changed_rules) changed.push_back({r->key, &r->alerts});
    return store->Save(changed, transitions, now, options.history_retention_ms);
  }

  // Reads the persisted alerts back into `rules` (before the first evaluation). Alerts of rules
  // that no longer exist are resolved and reported once (returned), so receivers are not left
  // with an alert nobody will ever resolve.
  Result<std::vector<ActiveAlert>> Restore(int64_t now) {
    std::map<std::string, RuleState*> by_key;
    for (RuleState& r : rules) by_key[r.key] = &r;
    auto stored = store->Load();
    if (!stored) return stored.error();
    std::vector<ActiveAlert> orphans;
    for (detail::StoredAlert& s : *stored) {
      ActiveAlert& a = s.alert;
      auto it = by_key.find(s.rule_key);
      if (it == by_key.end()) {
        if (a.state == ActiveAlert::State::kFiring) {
          a.state = ActiveAlert::State::kResolved;
          a.resolved_at_ms = now;
          orphans.push_back(a);
        }
        continue;
      }
      // Prometheus' for-state restoration: a pending alert continues its `for` only when the
      // engine was not down for longer than the outage tolerance.
      if (a.state == ActiveAlert::State::kPending &&
          now - a.last_evaluation_ms > options.outage_tolerance_ms) {
        continue;
      }
      it->second->alerts[a.fingerprint] = a;
    }
    if (Status s = store->Forget(orphans); !s.ok()) return s;
    return orphans;
  }

  // Evaluates one rule at `now`; fills the events to send and the transitions to record.
  void EvaluateRule(RuleState& r, int64_t now, bool sources_ready, std::vector<AlertEvent>& events,
                    std::vector<AlertTransition>& transitions) {
    auto result = EvaluateTimed(r, now);
    if (!result || !HasDistinctLabelSets(r, *result)) return;
    const std::set<std::string> seen = ApplySeries(r, *result, now, events, transitions);
    // Nothing resolves before the gauges' sources have run, and rules over a range resolve
    // nothing until the sampler covers the range since start-up.
    const bool warm = sources_ready && now - started_ms >= r.longest_range_ms;
    ExpireUnseen(r, seen, warm, now, events, transitions);
    r.status.pending = r.status.firing = 0;
    for (const auto& [fp, a] : r.alerts) {
      if (a.state == ActiveAlert::State::kPending) ++r.status.pending;
      if (a.state == ActiveAlert::State::kFiring) ++r.status.firing;
    }
  }

  // The rule's condition at `now`, with the evaluation's time and health in its status.
  // Prometheus keeps the alerts of a rule whose evaluation failed as they were.
  Result<std::vector<SeriesValue>> EvaluateTimed(RuleState& r, int64_t now) {
    const auto started = std::chrono::steady_clock::now();
    EvaluationContext ctx;
    ctx.prefix = options.metrics_prefix;
    ctx.now_ms = now;
    ctx.staleness_ms = options.staleness_ms;
    auto result = EvaluateCondition(r.rule->condition, *sampler, ctx);
    r.status.last_evaluation_ms = now;
    r.status.last_duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!result) {
      r.status.health = "err";
      r.status.last_error = result.error().message();
      return result;
    }
    r.status.health = "ok";
    r.status.last_error.clear();
    return result;
  }

  // False (and the rule's status an error, its alerts kept) when two series differ only in
  // labels the rule overrides: Prometheus refuses that evaluation ("same labelset after applying
  // alert labels"); so do we.
  static bool HasDistinctLabelSets(RuleState& r, const std::vector<SeriesValue>& result) {
    std::set<std::string> seen;
    for (const SeriesValue& series : result) {
      if (!seen.insert(LabelsFingerprint(AlertLabels(*r.rule, series))).second) {
        r.status.health = "err";
        r.status.last_error = "the condition gives two series with the same labels after " +
                              std::string("applying the rule's labels");
        return false;
      }
    }
    return true;
  }

  // Steps the alert of every series of the condition: a new alert (or one resolved before)
  // becomes pending, a pending one fires once it held for the rule's `for`; every firing alert is
  // reported. Returns the fingerprints of the alerts that hold now.
  std::set<std::string> ApplySeries(RuleState& r, const std::vector<SeriesValue>& result,
                                    int64_t now, std::vector<AlertEvent>& events,
                                    std::vector<AlertTransition>& transitions) {
    const Rule& rule = *r.rule;
    std::set<std::string> seen;
    for (const SeriesValue& series : result) {
      LabelMap labels = AlertLabels(rule, series);
      const std::string fp = LabelsFingerprint(labels);
      seen.insert(fp);
      LabelMap annotations;
      for (const auto& [k, tmpl] : rule.annotations) {
        // $labels are the series' labels, without the rule's labels and alertname, as in
        // Prometheus (rules/alerting.go), so a template renders the same after export.
        annotations[k] = ExpandTemplate(tmpl, series.value, series.labels);
      }
      auto it = r.alerts.find(fp);
      if (it == r.alerts.end() || it->second.state == ActiveAlert::State::kResolved) {
        ActiveAlert a;
        a.group = r.group->name;
        a.alertname = rule.alert;
        a.labels = std::move(labels);
        a.fingerprint = fp;
        a.state = ActiveAlert::State::kPending;
        a.active_at_ms = now;
        a.value = series.value;
        a.annotations = annotations;
        it = r.alerts.insert_or_assign(fp, std::move(a)).first;
        if (rule.for_ms > 0) transitions.push_back(TransitionOf(it->second, now));
      }
      ActiveAlert& a = it->second;
      a.value = series.value;
      a.annotations = std::move(annotations);
      a.last_evaluation_ms = now;
      if (a.state == ActiveAlert::State::kPending && now - a.active_at_ms >= rule.for_ms) {
        a.state = ActiveAlert::State::kFiring;
        a.fired_at_ms = now;
        transitions.push_back(TransitionOf(a, now));
      }
      metrics.Export(a, true);
      if (a.state == ActiveAlert::State::kFiring) events.push_back(ToEvent(a));
    }
    return seen;
  }

  // Steps the alerts whose series is gone (see StepUnseen) and forgets those it says to.
  void ExpireUnseen(RuleState& r, const std::set<std::string>& seen, bool warm, int64_t now,
                    std::vector<AlertEvent>& events, std::vector<AlertTransition>& transitions) {
    for (auto it = r.alerts.begin(); it != r.alerts.end();) {
      if (!seen.contains(it->first) && StepUnseen(it->second, warm, now, events, transitions)) {
        it = r.alerts.erase(it);
      } else {
        ++it;
      }
    }
  }

  // One alert whose series is gone; true when it is to be forgotten. Once `warm`, a pending
  // alert is dropped (nothing was notified) and a firing one resolves, reported once; before
  // that, no data yet is not "stopped holding": a pending alert keeps counting its `for` and a
  // firing one keeps firing. Resolved alerts are kept options.resolved_retention_ms, for the API
  // and Alertmanager resends, then forgotten.
  bool StepUnseen(ActiveAlert& a, bool warm, int64_t now, std::vector<AlertEvent>& events,
                  std::vector<AlertTransition>& transitions) {
    switch (a.state) {
      case ActiveAlert::State::kPending:
        if (!warm) return false;
        metrics.Export(a, false);
        return true;
      case ActiveAlert::State::kFiring:
        a.last_evaluation_ms = now;
        if (warm) {
          a.state = ActiveAlert::State::kResolved;
          a.resolved_at_ms = now;
          metrics.Export(a, false);
          transitions.push_back(TransitionOf(a, now));
        } else {
          metrics.Export(a, true);
        }
        events.push_back(ToEvent(a));
        return false;
      case ActiveAlert::State::kResolved:
        return now - a.resolved_at_ms >= options.resolved_retention_ms;
    }
    return false;
  }
};

RuleEngine::RuleEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RuleEngine::~RuleEngine() { Stop(); }

Result<std::unique_ptr<RuleEngine>> RuleEngine::Open(RuleSet rules,
                                                     std::function<std::string()> scrape,
                                                     AlertSink* sink, const Clock& clock,
                                                     EngineOptions options) {
  if (options.state_path.empty()) return InvalidArgument("alert state path is empty");
  if (options.default_interval_ms < 1 || options.idle_wait_ms < 1) {
    return InvalidArgument("evaluation interval and idle wait must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->rule_set = std::move(rules);
  impl->scrape = std::move(scrape);
  impl->sink = sink;
  impl->clock = &clock;
  impl->options = options;
  const int64_t now = clock.NowMillis();
  impl->started_ms = now;
  impl->BuildRuleStates(now);

  auto store = detail::AlertStateStore::Open(options.state_path, now);
  if (!store) return store.error();
  impl->store = std::move(*store);
  auto orphans = impl->Restore(now);
  if (!orphans) return orphans.error();
  if (options.registry != nullptr) impl->RegisterMetrics(*options.registry);

  std::unique_ptr<RuleEngine> engine(new RuleEngine(std::move(impl)));
  if (sink != nullptr) {
    for (const ActiveAlert& a : *orphans) sink->OnAlert(engine->impl_->ToEvent(a));
  }
  return engine;
}

void RuleEngine::EvaluateDue(bool all) {
  Impl& impl = *impl_;
  std::lock_guard evaluating(impl.evaluate_mu);
  const int64_t now = impl.clock->NowMillis();
  std::vector<size_t> due;
  {
    std::lock_guard lock(impl.mu);
    for (size_t i = 0; i < impl.groups.size(); ++i) {
      if (all || impl.groups[i].next_eval_ms <= now) due.push_back(i);
    }
  }
  if (due.empty()) return;
  // Asked before sampling, so a source that becomes ready meanwhile is not trusted with a sample
  // taken before it ran.
  const bool sources_ready = !impl.options.sources_ready || impl.options.sources_ready();
  // One scrape serves every group due now, as one Prometheus scrape serves its rule groups.
  if (Status s = impl.sampler->Sample(FilterExposition(impl.scrape(), impl.sampled_names), now);
      !s.ok()) {
    std::lock_guard lock(impl.mu);
    for (size_t i : due) {
      Impl::GroupState& g = impl.groups[i];
      for (size_t r : g.rules) {
        impl.rules[r].status.health = "err";
        impl.rules[r].status.last_error = "cannot read the metrics: " + s.message();
      }
      if (g.metrics.failures) g.metrics.failures->Increment(static_cast<double>(g.rules.size()));
      g.next_eval_ms = now + g.interval_ms;
    }
    return;
  }
  std::vector<AlertEvent> events;
  std::vector<AlertTransition> transitions;
  std::vector<Impl::RuleState*> evaluated;
  {
    std::lock_guard lock(impl.mu);
    for (size_t i : due) {
      Impl::GroupState& g = impl.groups[i];
      const auto started = std::chrono::steady_clock::now();
      for (size_t r : g.rules) {
        impl.EvaluateRule(impl.rules[r], now, sources_ready, events, transitions);
        if (impl.rules[r].status.health == "err" && g.metrics.failures) {
          g.metrics.failures->Increment();
        }
        evaluated.push_back(&impl.rules[r]);
      }
      if (g.metrics.evaluations) g.metrics.evaluations->Increment();
      if (g.metrics.duration) {
        g.metrics.duration->Set(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      // The next evaluation keeps the group's cadence; a late one does not pile up.
      g.next_eval_ms += g.interval_ms;
      if (g.next_eval_ms <= now) g.next_eval_ms = now + g.interval_ms;
    }
    if (Status s = impl.Persist(evaluated, transitions, now); !s.ok()) {
      for (Impl::RuleState* r : evaluated) {
        r->status.health = "err";
        r->status.last_error = "cannot store alert state: " + s.message();
      }
    }
  }
  if (impl.sink != nullptr) {
    for (const AlertEvent& e : events) impl.sink->OnAlert(e);
  }
}

void RuleEngine::Start() {
  std::lock_guard lock(wake_mutex_);
  if (runner_.joinable()) return;
  stop_ = false;
  runner_ = std::thread([this] { Run(); });
}

void RuleEngine::Stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (runner_.joinable()) runner_.join();
}

void RuleEngine::Run() {
  std::unique_lock lock(wake_mutex_);
  while (!stop_) {
    lock.unlock();
    const bool ok =
        RunBackgroundPass(impl_->options.errors, "alert_engine", [this] { EvaluateDue(); });
    int64_t wait = impl_->options.idle_wait_ms;
    // After a failure the due group stays due: wait idle_wait_ms rather than retry at once.
    if (ok) {
      std::lock_guard state(impl_->mu);
      const int64_t now = impl_->clock->NowMillis();
      for (const Impl::GroupState& g : impl_->groups) {
        wait = std::min(wait, std::max<int64_t>(g.next_eval_ms - now, 1));
      }
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stop_; });
  }
}

std::vector<ActiveAlert> RuleEngine::Alerts() const {
  std::lock_guard lock(impl_->mu);
  std::vector<ActiveAlert> out;
  for (const Impl::RuleState& r : impl_->rules) {
    std::vector<const ActiveAlert*> alerts;
    for (const auto& [fp, a] : r.alerts) alerts.push_back(&a);
    std::sort(alerts.begin(), alerts.end(),
              [](const ActiveAlert* a, const ActiveAlert* b) { return a->labels < b->labels; });
    for (const ActiveAlert* a : alerts) out.push_back(*a);
  }
  return out;
}

std::vector<RuleStatus> RuleEngine::Rules() const {
  std::lock_guard lock(impl_->mu);
  std::vector<RuleStatus> out;
  for (const Impl::RuleState& r : impl_->rules) out.push_back(r.status);
  return out;
}

Result<std::vector<AlertTransition>> RuleEngine::History(const HistoryQuery& query) const {
  return impl_->store->History(query);
}

Result<int64_t> RuleEngine::DeleteHistoryBefore(int64_t cutoff_ms, bool dry_run) {
  return impl_->store->DeleteHistoryBefore(cutoff_ms, dry_run);
}

const RuleSet& RuleEngine::rule_set() const { return impl_->rule_set; }

}  // namespace mw::alerting
