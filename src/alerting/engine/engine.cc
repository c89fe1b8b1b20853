#include "alerting/engine/engine.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "alerting/rules/annotation_template.h"
#include "alerting/rules/evaluate.h"
#include "alerting/rules/promql.h"
#include "sqlite/handle.h"
#include "sqlite/migrations.h"

namespace mw::alerting {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Txn;
using LabelMap = std::map<std::string, std::string>;

// The state file's own migrations (append-only). Why a file of its own rather than Store tables:
// the same reasons as the outbox (outbox/outbox.h) — small synchronous writes on the engine's schedule,
// off the ingest writer, and no alert API in the Store interface.
const std::array<sqlite::Migration, 1> kMigrations = {{
    {1,
     "alert state and history",
     {
         "CREATE TABLE alert_state ("
         " rule_key TEXT NOT NULL,"
         " fingerprint TEXT NOT NULL,"
         " group_name TEXT NOT NULL,"
         " alertname TEXT NOT NULL,"
         " labels TEXT NOT NULL,"
         " annotations TEXT NOT NULL,"
         " state TEXT NOT NULL,"
         " active_at BIGINT NOT NULL,"
         " fired_at BIGINT NOT NULL,"
         " resolved_at BIGINT NOT NULL,"
         " last_evaluation BIGINT NOT NULL,"
         " value DOUBLE PRECISION,"
         " PRIMARY KEY (rule_key, fingerprint))",
         "CREATE TABLE alert_history ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " at BIGINT NOT NULL,"
         " alertname TEXT NOT NULL,"
         " fingerprint TEXT NOT NULL,"
         " labels TEXT NOT NULL,"
         " annotations TEXT NOT NULL,"
         " state TEXT NOT NULL,"
         " value DOUBLE PRECISION,"
         " active_at BIGINT NOT NULL)",
         "CREATE INDEX alert_history_at ON alert_history (at)",
         "CREATE INDEX alert_history_alertname ON alert_history (alertname, id)",
     }},
}};

std::string ToJson(const LabelMap& m) {
  return nlohmann::json(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

LabelMap FromJson(std::string_view text) {
  LabelMap m;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) m[it.key()] = it.value().get<std::string>();
  }
  return m;
}

std::optional<ActiveAlert::State> ParseState(std::string_view s) {
  if (s == "pending") return ActiveAlert::State::kPending;
  if (s == "firing") return ActiveAlert::State::kFiring;
  if (s == "resolved") return ActiveAlert::State::kResolved;
  return std::nullopt;
}

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
    prometheus::Counter* evaluations = nullptr;
    prometheus::Counter* failures = nullptr;
    prometheus::Gauge* duration = nullptr;
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
  std::map<std::string, prometheus::Gauge*> exported;  // fingerprint+state -> P_alerts series
  prometheus::Family<prometheus::Gauge>* alerts_family = nullptr;

  mutable std::mutex db_mu;
  Db db;
  int64_t last_history_cleanup_ms = 0;

  std::mutex evaluate_mu;  // one evaluation at a time (the thread and direct callers)

  // The exported P_alerts series of `alert` (created, or removed when `present` is false).
  void Export(const ActiveAlert& alert, bool present) {
    if (alerts_family == nullptr) return;
    for (ActiveAlert::State s : {ActiveAlert::State::kPending, ActiveAlert::State::kFiring}) {
      const std::string key = alert.fingerprint + "\x1f" + std::string(AlertStateName(s));
      const bool want = present && alert.state == s;
      auto it = exported.find(key);
      if (want && it == exported.end()) {
        LabelMap labels = alert.labels;
        labels["alertstate"] = std::string(AlertStateName(s));
        exported[key] = &alerts_family->Add(labels);
        exported[key]->Set(1);
      } else if (!want && it != exported.end()) {
        alerts_family->Remove(it->second);
        exported.erase(it);
      }
    }
  }

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

  Status Persist(const std::vector<RuleState*>& changed_rules,
                 const std::vector<AlertTransition>& transitions, int64_t now) {
    std::lock_guard lock(db_mu);
    Txn txn(db);
    if (Status s = txn.Begin(); !s.ok()) return s;
    auto del = Stmt::Prepare(db, "DELETE FROM alert_state WHERE rule_key = ?", false);
    if (!del) return del.error();
    auto ins =
        Stmt::Prepare(db,
                      "INSERT INTO alert_state (rule_key, fingerprint, group_name, alertname,"
                      " labels, annotations, state, active_at, fired_at, resolved_at,"
                      " last_evaluation, value) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                      false);
    if (!ins) return ins.error();
    for (const RuleState* r : changed_rules) {
      del->BindText(1, r->key);
      if (Status s = del->Run(); !s.ok()) return s;
      for (const auto& [fp, a] : r->alerts) {
        ins->BindText(1, r->key);
        ins->BindText(2, fp);
        ins->BindText(3, a.group);
        ins->BindText(4, a.alertname);
        ins->BindText(5, ToJson(a.labels));
        ins->BindText(6, ToJson(a.annotations));
        ins->BindText(7, AlertStateName(a.state));
        ins->BindInt(8, a.active_at_ms);
        ins->BindInt(9, a.fired_at_ms);
        ins->BindInt(10, a.resolved_at_ms);
        ins->BindInt(11, a.last_evaluation_ms);
        ins->BindOptionalDouble(
            12, std::isfinite(a.value) ? std::optional<double>(a.value) : std::nullopt);
        if (Status s = ins->Run(); !s.ok()) return s;
      }
    }
    if (!transitions.empty()) {
      auto hist = Stmt::Prepare(db,
                                "INSERT INTO alert_history (at, alertname, fingerprint, labels,"
                                " annotations, state, value, active_at) VALUES (?,?,?,?,?,?,?,?)",
                                false);
      if (!hist) return hist.error();
      for (const AlertTransition& t : transitions) {
        hist->BindInt(1, t.at_ms);
        hist->BindText(2, t.alertname);
        hist->BindText(3, t.fingerprint);
        hist->BindText(4, ToJson(t.labels));
        hist->BindText(5, ToJson(t.annotations));
        hist->BindText(6, t.state);
        hist->BindOptionalDouble(
            7, std::isfinite(t.value) ? std::optional<double>(t.value) : std::nullopt);
        hist->BindInt(8, t.active_at_ms);
        if (Status s = hist->Run(); !s.ok()) return s;
      }
    }
    if (now - last_history_cleanup_ms >= 3600 * 1000) {
      auto clean = Stmt::Prepare(db, "DELETE FROM alert_history WHERE at < ?", false);
      if (!clean) return clean.error();
      clean->BindInt(1, now - options.history_retention_ms);
      if (Status s = clean->Run(); !s.ok()) return s;
      last_history_cleanup_ms = now;
    }
    return txn.Commit();
  }

  // Reads the persisted alerts back into `rules` (before the first evaluation). Alerts of rules
  // that no longer exist are resolved and reported once (returned), so receivers are not left
  // with an alert nobody will ever resolve.
  Result<std::vector<ActiveAlert>> Restore(int64_t now) {
    std::map<std::string, RuleState*> by_key;
    for (RuleState& r : rules) by_key[r.key] = &r;
    std::vector<ActiveAlert> orphans;
    std::lock_guard lock(db_mu);
    auto stmt = Stmt::Prepare(db,
                              "SELECT rule_key, fingerprint, group_name, alertname, labels,"
                              " annotations, state, active_at, fired_at, resolved_at,"
                              " last_evaluation, value FROM alert_state",
                              false);
    if (!stmt) return stmt.error();
    while (true) {
      auto row = stmt->Step();
      if (!row) return row.error();
      if (!*row) break;
      ActiveAlert a;
      const std::string key = stmt->ColumnText(0);
      a.fingerprint = stmt->ColumnText(1);
      a.group = stmt->ColumnText(2);
      a.alertname = stmt->ColumnText(3);
      a.labels = FromJson(stmt->ColumnTextView(4));
      a.annotations = FromJson(stmt->ColumnTextView(5));
      auto state = ParseState(stmt->ColumnTextView(6));
      if (!state) continue;
      a.state = *state;
      a.active_at_ms = stmt->ColumnInt(7);
      a.fired_at_ms = stmt->ColumnInt(8);
      a.resolved_at_ms = stmt->ColumnInt(9);
      a.last_evaluation_ms = stmt->ColumnInt(10);
      a.value = stmt->ColumnOptionalDouble(11).value_or(std::nan(""));
      auto it = by_key.find(key);
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
    stmt->Reset();
    if (!orphans.empty()) {
      if (Status s = db.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
      auto del = Stmt::Prepare(db, "DELETE FROM alert_state WHERE fingerprint = ?", false);
      if (!del) return del.error();
      for (const ActiveAlert& a : orphans) {
        del->BindText(1, a.fingerprint);
        if (Status s = del->Run(); !s.ok()) return s;
      }
      if (Status s = db.Exec("COMMIT"); !s.ok()) return s;
    }
    return orphans;
  }

  // Evaluates one rule at `now`; fills the events to send and the transitions to record.
  void EvaluateRule(RuleState& r, int64_t now, bool sources_ready, std::vector<AlertEvent>& events,
                    std::vector<AlertTransition>& transitions) {
    const Rule& rule = *r.rule;
    const auto started = std::chrono::steady_clock::now();
    EvaluationContext ctx;
    ctx.prefix = options.metrics_prefix;
    ctx.now_ms = now;
    ctx.staleness_ms = options.staleness_ms;
    auto result = EvaluateCondition(rule.condition, *sampler, ctx);
    r.status.last_evaluation_ms = now;
    r.status.last_duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!result) {
      // Prometheus keeps the alerts of a rule whose evaluation failed as they were.
      r.status.health = "err";
      r.status.last_error = result.error().message();
      return;
    }
    r.status.health = "ok";
    r.status.last_error.clear();
    auto record = [&](const ActiveAlert& a) {
      AlertTransition t;
      t.at_ms = now;
      t.alertname = a.alertname;
      t.fingerprint = a.fingerprint;
      t.labels = a.labels;
      t.annotations = a.annotations;
      t.state = std::string(AlertStateName(a.state));
      t.value = a.value;
      t.active_at_ms = a.active_at_ms;
      transitions.push_back(std::move(t));
    };
    std::set<std::string> seen;
    for (const SeriesValue& series : *result) {
      LabelMap labels = series.labels;
      for (const auto& [k, v] : rule.labels) labels[k] = v;
      labels["alertname"] = rule.alert;
      const std::string fp = LabelsFingerprint(labels);
      if (!seen.insert(fp).second) {
        // Two series that differ only in labels the rule overrides: Prometheus refuses the
        // evaluation ("same labelset after applying alert labels"); so do we, keeping state.
        r.status.health = "err";
        r.status.last_error = "the condition gives two series with the same labels after " +
                              std::string("applying the rule's labels");
        return;
      }
    }
    seen.clear();
    for (const SeriesValue& series : *result) {
      LabelMap labels = series.labels;
      for (const auto& [k, v] : rule.labels) labels[k] = v;
      labels["alertname"] = rule.alert;
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
        a.labels = labels;
        a.fingerprint = fp;
        a.state = ActiveAlert::State::kPending;
        a.active_at_ms = now;
        a.value = series.value;
        a.annotations = annotations;
        it = r.alerts.insert_or_assign(fp, std::move(a)).first;
        if (rule.for_ms > 0) record(it->second);
      }
      ActiveAlert& a = it->second;
      a.value = series.value;
      a.annotations = std::move(annotations);
      a.last_evaluation_ms = now;
      if (a.state == ActiveAlert::State::kPending && now - a.active_at_ms >= rule.for_ms) {
        a.state = ActiveAlert::State::kFiring;
        a.fired_at_ms = now;
        record(a);
      }
      Export(a, true);
      if (a.state == ActiveAlert::State::kFiring) events.push_back(ToEvent(a));
    }
    // Nothing resolves before the gauges' sources have run, and rules over a range resolve
    // nothing until the sampler covers the range since start-up.
    const bool warm = sources_ready && now - started_ms >= r.longest_range_ms;
    for (auto it = r.alerts.begin(); it != r.alerts.end();) {
      ActiveAlert& a = it->second;
      if (seen.contains(it->first)) {
        ++it;
        continue;
      }
      if (a.state == ActiveAlert::State::kPending) {
        if (!warm) {  // no data yet is not "stopped holding": keep counting its `for`
          ++it;
          continue;
        }
        Export(a, false);
        it = r.alerts.erase(it);
        continue;
      }
      if (a.state == ActiveAlert::State::kFiring) {
        if (!warm) {
          a.last_evaluation_ms = now;
          Export(a, true);
          events.push_back(ToEvent(a));
          ++it;
          continue;
        }
        a.state = ActiveAlert::State::kResolved;
        a.resolved_at_ms = now;
        a.last_evaluation_ms = now;
        Export(a, false);
        record(a);
        events.push_back(ToEvent(a));
        ++it;
        continue;
      }
      // Resolved: kept a while for the API and Alertmanager resends, then forgotten.
      if (now - a.resolved_at_ms >= options.resolved_retention_ms) {
        it = r.alerts.erase(it);
      } else {
        ++it;
      }
    }
    r.status.pending = r.status.firing = 0;
    for (const auto& [fp, a] : r.alerts) {
      if (a.state == ActiveAlert::State::kPending) ++r.status.pending;
      if (a.state == ActiveAlert::State::kFiring) ++r.status.firing;
    }
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

  int64_t longest = 0, longest_interval = options.default_interval_ms;
  for (const RuleGroup& g : impl->rule_set.groups) {
    Impl::GroupState gs;
    gs.group = &g;
    gs.interval_ms = g.interval_ms > 0 ? g.interval_ms : options.default_interval_ms;
    gs.next_eval_ms = now;
    longest_interval = std::max(longest_interval, gs.interval_ms);
    for (const Rule& rule : g.rules) {
      Impl::RuleState r;
      r.group = &g;
      r.rule = &rule;
      r.key = RuleKey(g, rule);
      r.longest_range_ms = LongestRangeMs(rule.condition);
      CollectSeriesNames(rule.condition.root, options.metrics_prefix, impl->sampled_names);
      longest = std::max(longest, r.longest_range_ms);
      r.status.group = g.name;
      r.status.alert = rule.alert;
      r.status.expr = rule.expr;
      r.status.for_ms = rule.for_ms;
      r.status.labels = rule.labels;
      gs.rules.push_back(impl->rules.size());
      impl->rules.push_back(std::move(r));
    }
    impl->groups.push_back(std::move(gs));
  }
  // History enough for the longest range plus a few evaluations, and for the staleness window.
  impl->sampler = std::make_unique<MetricSampler>(std::max(longest, options.staleness_ms) +
                                                  3 * longest_interval + 60000);

  auto db = Db::Open(options.state_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  impl->db = std::move(*db);
  if (Status s = impl->db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                               " PRAGMA busy_timeout=10000;");
      !s.ok()) {
    return s;
  }
  auto applied = sqlite::ApplyMigrations(impl->db, kMigrations, now);
  if (!applied) return applied.error();
  auto orphans = impl->Restore(now);
  if (!orphans) return orphans.error();

  if (options.registry != nullptr) {
    const std::string& p = options.metrics_prefix;
    impl->alerts_family = &prometheus::BuildGauge()
                               .Name(p + "_alerts")
                               .Help(
                                   "Pending and firing alerts of the built-in rule engine, one "
                                   "series per alert (like Prometheus' ALERTS).")
                               .Register(*options.registry);
    auto& rules_family = prometheus::BuildGauge()
                             .Name(p + "_alert_rules")
                             .Help("Alert rules loaded in the built-in rule engine, by group.")
                             .Register(*options.registry);
    auto& evals = prometheus::BuildCounter()
                      .Name(p + "_alert_evaluations_total")
                      .Help("Evaluations of an alert rule group.")
                      .Register(*options.registry);
    auto& failures = prometheus::BuildCounter()
                         .Name(p + "_alert_evaluation_failures_total")
                         .Help("Alert rule evaluations that failed, by group.")
                         .Register(*options.registry);
    auto& duration = prometheus::BuildGauge()
                         .Name(p + "_alert_evaluation_duration_seconds")
                         .Help("How long the group's last evaluation took.")
                         .Register(*options.registry);
    for (Impl::GroupState& g : impl->groups) {
      const LabelMap labels = {{"group", g.group->name}};
      rules_family.Add(labels).Set(static_cast<double>(g.rules.size()));
      g.evaluations = &evals.Add(labels);
      g.failures = &failures.Add(labels);
      g.duration = &duration.Add(labels);
    }
    for (const Impl::RuleState& r : impl->rules) {
      for (const auto& [fp, a] : r.alerts) impl->Export(a, true);
    }
  }
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
      if (g.failures) g.failures->Increment(static_cast<double>(g.rules.size()));
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
        if (impl.rules[r].status.health == "err" && g.failures) g.failures->Increment();
        evaluated.push_back(&impl.rules[r]);
      }
      if (g.evaluations) g.evaluations->Increment();
      if (g.duration) {
        g.duration->Set(
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
  std::string sql =
      "SELECT id, at, alertname, fingerprint, labels, annotations, state, value, active_at"
      " FROM alert_history WHERE 1 = 1";
  if (!query.alertname.empty()) sql += " AND alertname = :alertname";
  if (!query.fingerprint.empty()) sql += " AND fingerprint = :fingerprint";
  if (!query.state.empty()) sql += " AND state = :state";
  if (query.from_ms > 0) sql += " AND at >= :from";
  if (query.to_ms > 0) sql += " AND at < :to";
  if (query.before_id > 0) sql += " AND id < :before";
  sql += " ORDER BY id DESC LIMIT :limit";
  std::lock_guard lock(impl_->db_mu);
  auto stmt = Stmt::Prepare(impl_->db, sql, false);
  if (!stmt) return stmt.error();
  auto bind_text = [&](const char* name, const std::string& v) {
    const int i = sqlite3_bind_parameter_index(stmt->get(), name);
    if (i > 0) stmt->BindText(i, v);
  };
  auto bind_int = [&](const char* name, int64_t v) {
    const int i = sqlite3_bind_parameter_index(stmt->get(), name);
    if (i > 0) stmt->BindInt(i, v);
  };
  bind_text(":alertname", query.alertname);
  bind_text(":fingerprint", query.fingerprint);
  bind_text(":state", query.state);
  bind_int(":from", query.from_ms);
  bind_int(":to", query.to_ms);
  bind_int(":before", query.before_id);
  bind_int(":limit", std::max(query.limit, 1));
  std::vector<AlertTransition> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    AlertTransition t;
    t.id = stmt->ColumnInt(0);
    t.at_ms = stmt->ColumnInt(1);
    t.alertname = stmt->ColumnText(2);
    t.fingerprint = stmt->ColumnText(3);
    t.labels = FromJson(stmt->ColumnTextView(4));
    t.annotations = FromJson(stmt->ColumnTextView(5));
    t.state = stmt->ColumnText(6);
    t.value = stmt->ColumnOptionalDouble(7).value_or(std::nan(""));
    t.active_at_ms = stmt->ColumnInt(8);
    out.push_back(std::move(t));
  }
  stmt->Reset();
  return out;
}

const RuleSet& RuleEngine::rule_set() const { return impl_->rule_set; }

}  // namespace mw::alerting
