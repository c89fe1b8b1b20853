#include "export/rule_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "alerting/rules/annotation_template.h"
#include "common/duration.h"
#include "export/detail/promql_model.h"
#include "export/detail/series_synth.h"

namespace mw::exporting {

namespace {

using alerting::Expr;
using alerting::Rule;
using alerting::RuleSet;
using alerting::SignalRef;
using detail::InputSeries;
using detail::Labels;
using detail::ModelContext;
using detail::NumberText;
using detail::Sample;
using detail::SynthContext;

constexpr size_t kMaxCombinations = 20000;

// One signal use of a condition; uses written identically share it (they read the same series).
struct Leaf {
  const SignalRef* ref = nullptr;
  std::string text;
  std::vector<double> candidates;  // target values to try, preferred first
};

void CollectLeaves(const Expr& e, std::vector<Leaf>& out) {
  if (e.kind == Expr::Kind::kSignal) {
    const std::string text = detail::SignalRefText(e.signal);
    for (const Leaf& l : out) {
      if (l.text == text) return;
    }
    out.push_back({&e.signal, text, {}});
  }
  for (const Expr& o : e.operands) CollectLeaves(o, out);
}

void CollectNumbers(const Expr& e, std::vector<double>& out) {
  if (e.kind == Expr::Kind::kNumber) out.push_back(e.number);
  for (const Expr& o : e.operands) CollectNumbers(o, out);
}

// Values around the condition's thresholds first, then ordinary ones, within the signal's range.
std::vector<double> Candidates(const alerting::SignalDef& def, const std::vector<double>& numbers) {
  const bool binary = def.unit == "0/1";
  const bool ratio = def.unit == "ratio";
  const bool non_negative = def.recipe.kind != alerting::RecipeKind::kGauge;
  std::vector<double> out;
  auto add = [&](double v) {
    if (!std::isfinite(v)) return;
    if (binary && v != 0 && v != 1) return;
    if (ratio && (v < 0 || v > 1)) return;
    if (non_negative && v < 0) return;
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (double c : numbers) {
    for (double v : {c * 2, c / 2, c * 4, c / 4, c + 1, c - 1, c}) add(v);
  }
  for (double v : {0.0, 1.0, 0.5, 0.25, 0.75, 2.0, 10.0, 100.0, 1000.0}) add(v);
  return out;
}

int64_t MaxRange(const Expr& e) {
  int64_t r = e.kind == Expr::Kind::kSignal ? e.signal.range_ms : 0;
  for (const Expr& o : e.operands) r = std::max(r, MaxRange(o));
  return r;
}

void CollectRanges(const Expr& e, std::vector<int64_t>& out) {
  if (e.kind == Expr::Kind::kSignal && e.signal.range_ms > 0) out.push_back(e.signal.range_ms);
  for (const Expr& o : e.operands) CollectRanges(o, out);
}

// The test interval (samples and rule evaluations): the longest usual one that divides every
// range and leaves at least two samples per window. At most 5m, Prometheus' lookback for instant
// selectors, so a gauge is never stale between two samples.
std::optional<int64_t> ChooseInterval(const std::vector<const Rule*>& rules) {
  std::vector<int64_t> ranges;
  for (const Rule* r : rules) CollectRanges(r->condition.root, ranges);
  for (int64_t interval : {300'000, 60'000, 30'000, 15'000, 10'000, 5'000, 1'000}) {
    bool ok = true;
    for (int64_t r : ranges) {
      if (r % interval != 0 || r / interval < 2) ok = false;
    }
    if (ok) return interval;
  }
  return std::nullopt;
}

int64_t AlignUp(int64_t v, int64_t step) { return (v + step - 1) / step * step; }

struct ExpectedAlert {
  Labels labels;
  Labels annotations;
};

struct Scenario {
  std::vector<double> targets;
  std::vector<InputSeries> input;
};

class RuleCaseBuilder {
 public:
  RuleCaseBuilder(const Rule& rule, std::vector<const Rule*> siblings, const RuleTestOptions& o,
                  int64_t interval_ms)
      : rule_(rule), siblings_(std::move(siblings)), options_(o), interval_ms_(interval_ms) {
    CollectLeaves(rule.condition.root, leaves_);
    std::vector<double> numbers;
    CollectNumbers(rule.condition.root, numbers);
    for (Leaf& leaf : leaves_) leaf.candidates = Candidates(*leaf.ref->def, numbers);
    int64_t longest = 0, for_max = 0;
    for (const Rule* s : siblings_) {
      longest = std::max(longest, MaxRange(s->condition.root));
      for_max = std::max(for_max, s->for_ms);
    }
    eval_ms_ = AlignUp(longest + for_max, interval_ms) + interval_ms;
    synth_.prefix = o.prefix;
    synth_.segment_label = o.segment_label;
    synth_.job = o.job;
    synth_.instance = o.instance;
    synth_.interval_ms = interval_ms;
  }

  int64_t eval_ms() const { return eval_ms_; }
  int64_t interval_ms() const { return interval_ms_; }
  const std::vector<Leaf>& leaves() const { return leaves_; }

  std::optional<Scenario> Build(const std::vector<double>& targets) const {
    Scenario s{targets, {}};
    for (size_t i = 0; i < leaves_.size(); ++i) {
      auto series = detail::Synthesize(*leaves_[i].ref, targets[i], synth_);
      if (!series) return std::nullopt;
      for (InputSeries& x : *series) s.input.push_back(std::move(x));
    }
    // One identity, one input: two uses needing different values of one series cannot coexist.
    std::vector<InputSeries> unique;
    for (const InputSeries& x : s.input) {
      const std::string id = x.Identity();
      auto it = std::find_if(unique.begin(), unique.end(),
                             [&](const InputSeries& u) { return u.Identity() == id; });
      if (it == unique.end()) {
        unique.push_back(x);
      } else if (it->start != x.start || it->step != x.step) {
        return std::nullopt;
      }
    }
    s.input = std::move(unique);
    return s;
  }

  // What the model evaluates at: the test's evaluation time, over its input series.
  ModelContext Context() const {
    ModelContext ctx;
    ctx.prefix = options_.prefix;
    ctx.segment_label = options_.segment_label;
    ctx.job = options_.job;
    ctx.interval_ms = interval_ms_;
    ctx.eval_step = eval_ms_ / interval_ms_;
    return ctx;
  }

  std::vector<Sample> Evaluate(const Rule& r, const Scenario& s) const {
    return detail::EvaluateCondition(r.condition.root, s.input, Context());
  }

  bool Fires(const Scenario& s) const { return !Evaluate(rule_, s).empty(); }
  bool AnySiblingFires(const Scenario& s) const {
    for (const Rule* r : siblings_) {
      if (!Evaluate(*r, s).empty()) return true;
    }
    return false;
  }

  // Every alert of the name firing at the evaluation time.
  std::vector<ExpectedAlert> Expected(const Scenario& s,
                                      const std::set<const Rule*>* only = nullptr) const {
    std::vector<ExpectedAlert> out;
    for (const Rule* r : siblings_) {
      if (only != nullptr && !only->count(r)) continue;
      for (const Sample& sample : Evaluate(*r, s)) {
        ExpectedAlert a;
        a.labels = sample.labels;
        a.labels.erase("__name__");
        for (const auto& [k, v] : r->labels) a.labels[k] = v;
        for (const auto& [k, tmpl] : r->annotations) {
          a.annotations[k] = alerting::ExpandTemplate(tmpl, sample.value, sample.labels);
        }
        out.push_back(std::move(a));
      }
    }
    return out;
  }

  // Before the rule's `for` has elapsed it cannot fire; siblings that surely fire by then are
  // expected. nullopt when that instant says nothing certain (or `for` is under one interval).
  std::optional<std::pair<int64_t, std::vector<ExpectedAlert>>> PendingCheck(
      const Scenario& s) const {
    if (rule_.for_ms < interval_ms_) return std::nullopt;
    const int64_t at = (rule_.for_ms - 1) / interval_ms_ * interval_ms_;
    if (at <= 0) return std::nullopt;
    std::set<const Rule*> firing;
    for (const Rule* r : siblings_) {
      if (r == &rule_ || r->for_ms > at) continue;
      const bool holds = !Evaluate(*r, s).empty();
      if (holds && at >= MaxRange(r->condition.root) + r->for_ms) {
        firing.insert(r);
      } else {
        return std::nullopt;  // may or may not be firing at `at`
      }
    }
    return std::make_pair(at, Expected(s, &firing));
  }

  // Combinations of candidate targets, first leaf varying fastest, at most kMaxCombinations.
  template <typename Visit>
  void ForEachCombination(Visit visit) const {
    std::vector<size_t> index(leaves_.size(), 0);
    for (size_t n = 0; n < kMaxCombinations; ++n) {
      std::vector<double> targets;
      for (size_t i = 0; i < leaves_.size(); ++i)
        targets.push_back(leaves_[i].candidates[index[i]]);
      if (visit(targets)) return;
      size_t i = 0;
      while (i < index.size() && ++index[i] == leaves_[i].candidates.size()) index[i++] = 0;
      if (i == index.size()) return;
    }
  }

  std::optional<Scenario> FindFiring() const {
    std::optional<Scenario> found;
    ForEachCombination([&](const std::vector<double>& targets) {
      auto s = Build(targets);
      if (s && Fires(*s)) found = std::move(s);
      return found.has_value();
    });
    return found;
  }

  // A silent case as close to `firing` as possible: one value changed, no alert of the name.
  std::optional<Scenario> FindSilent(const Scenario& firing) const {
    for (bool strict : {true, false}) {
      auto accept = [&](const Scenario& s) {
        return !Fires(s) && (!strict || !AnySiblingFires(s));
      };
      for (size_t i = 0; i < leaves_.size(); ++i) {
        for (double c : leaves_[i].candidates) {
          std::vector<double> targets = firing.targets;
          targets[i] = c;
          auto s = Build(targets);
          if (s && accept(*s)) return s;
        }
      }
      std::optional<Scenario> found;
      ForEachCombination([&](const std::vector<double>& targets) {
        auto s = Build(targets);
        if (s && accept(*s)) found = std::move(s);
        return found.has_value();
      });
      if (found) return found;
    }
    return std::nullopt;
  }

  // "error_rate[5m] = 0.1": each signal's value as Prometheus computes it from the input.
  std::string Describe(const Scenario& s) const {
    const ModelContext ctx = Context();
    std::string out;
    for (const Leaf& leaf : leaves_) {
      Expr e;
      e.kind = Expr::Kind::kSignal;
      e.signal = *leaf.ref;
      const std::vector<Sample> v = detail::EvaluateCondition(e, s.input, ctx);
      char value[32];
      std::snprintf(value, sizeof value, "%.6g", v.empty() ? std::nan("") : v.front().value);
      if (!out.empty()) out += ", ";
      out += leaf.text + " = " + value;
    }
    return out;
  }

 private:
  const Rule& rule_;
  const std::vector<const Rule*> siblings_;  // every rule of the name, this one included
  const RuleTestOptions& options_;
  const int64_t interval_ms_;
  std::vector<Leaf> leaves_;
  int64_t eval_ms_ = 0;
  SynthContext synth_;
};

void EmitLabels(YAML::Emitter& out, const char* key, const Labels& labels) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : labels) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
  out << YAML::EndMap;
}

void EmitAlertTest(YAML::Emitter& out, int64_t at_ms, const std::string& alertname,
                   const std::vector<ExpectedAlert>& alerts) {
  out << YAML::BeginMap;
  out << YAML::Key << "eval_time" << YAML::Value << FormatDurationMillis(at_ms);
  out << YAML::Key << "alertname" << YAML::Value << alertname;
  out << YAML::Key << "exp_alerts" << YAML::Value;
  if (alerts.empty()) {
    out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  } else {
    out << YAML::BeginSeq;
    for (const ExpectedAlert& a : alerts) {
      out << YAML::BeginMap;
      EmitLabels(out, "exp_labels", a.labels);
      EmitLabels(out, "exp_annotations", a.annotations);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void EmitCase(YAML::Emitter& out, const std::string& name, const RuleCaseBuilder& b,
              const Scenario& s, const Rule& rule, bool with_pending_check) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "interval" << YAML::Value << FormatDurationMillis(b.interval_ms());
  out << YAML::Key << "input_series" << YAML::Value << YAML::BeginSeq;
  const int64_t steps = b.eval_ms() / b.interval_ms();
  for (const InputSeries& x : s.input) {
    out << YAML::BeginMap;
    out << YAML::Key << "series" << YAML::Value << YAML::SingleQuoted << x.SeriesText();
    out << YAML::Key << "values" << YAML::Value << YAML::SingleQuoted << x.ValuesText(steps);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "alert_rule_test" << YAML::Value << YAML::BeginSeq;
  if (with_pending_check) {
    if (auto pending = b.PendingCheck(s)) {
      EmitAlertTest(out, pending->first, rule.alert, pending->second);
    }
  }
  EmitAlertTest(out, b.eval_ms(), rule.alert, b.Expected(s));
  out << YAML::EndSeq;
  out << YAML::EndMap;
}

std::string FileNameOf(const std::string& group) {
  std::string out;
  for (char c : group) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out.front() == '.') out = "group" + out;
  return out;
}

}  // namespace

RuleTests PromtoolRuleTests(const RuleSet& rules, const RuleTestOptions& options) {
  RuleTests result;
  std::set<std::string> used_names;
  for (const alerting::RuleGroup& group : rules.groups) {
    YAML::Emitter out;
    out << YAML::Comment(
        "Generated by `modelwatch export prometheus`: for every alert of rule group \"" +
        group.name +
        "\", input series that make it fire and input series that keep it silent.\nRun: "
        "promtool test rules rules/tests/*.test.yml");
    out << YAML::BeginMap;
    out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq << options.rule_file
        << YAML::EndSeq;
    // One interval for the whole file (promtool evaluates every rule at each evaluation_interval),
    // fitting the ranges of this group's alerts and of every rule sharing their names.
    auto siblings_of = [&](const Rule& rule) {
      std::vector<const Rule*> siblings;
      for (const auto& g : rules.groups) {
        for (const Rule& r : g.rules) {
          if (r.alert == rule.alert) siblings.push_back(&r);
        }
      }
      return siblings;
    };
    std::vector<const Rule*> involved;
    for (const Rule& rule : group.rules) {
      for (const Rule* r : siblings_of(rule)) involved.push_back(r);
    }
    const auto interval = ChooseInterval(involved);
    if (!interval) {
      result.warnings.push_back(group.name + ": no test interval divides every range of its rules");
      continue;
    }
    out << YAML::Key << "evaluation_interval" << YAML::Value << FormatDurationMillis(*interval);
    out << YAML::Key << "tests" << YAML::Value << YAML::BeginSeq;
    size_t cases = 0;
    for (const Rule& rule : group.rules) {
      const std::string who = group.name + "/" + rule.alert + " (" + rule.severity() + ")";
      RuleCaseBuilder builder(rule, siblings_of(rule), options, *interval);
      const auto firing = builder.FindFiring();
      if (!firing) {
        result.warnings.push_back(who + ": no input found that makes `" + rule.expr + "` fire");
        continue;
      }
      EmitCase(out, rule.alert + " (" + rule.severity() + ") fires: " + builder.Describe(*firing),
               builder, *firing, rule, true);
      ++cases;
      const auto silent = builder.FindSilent(*firing);
      if (!silent) {
        result.warnings.push_back(who + ": no input found that keeps `" + rule.expr + "` silent");
        continue;
      }
      EmitCase(out,
               rule.alert + " (" + rule.severity() + ") stays silent: " + builder.Describe(*silent),
               builder, *silent, rule, false);
      ++cases;
    }
    out << YAML::EndSeq << YAML::EndMap;
    if (cases == 0) continue;  // promtool rejects a file without tests; the warnings say why
    std::string name = FileNameOf(group.name);
    for (int i = 2; used_names.count(name); ++i)
      name = FileNameOf(group.name) + "_" + std::to_string(i);
    used_names.insert(name);
    result.files.push_back({name + ".test.yml", std::string(out.c_str()) + "\n"});
  }
  return result;
}

}  // namespace mw::exporting
