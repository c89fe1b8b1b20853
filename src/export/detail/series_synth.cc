#include "export/detail/series_synth.h"

#include <algorithm>
#include <cmath>

#include "common/duration.h"

namespace mw::exporting::detail {

namespace {

using alerting::LabelMatcher;
using alerting::MetricSelector;
using alerting::RecipeKind;
using alerting::SignalRef;

// Label values that read like a real deployment's.
std::string DefaultValue(const std::string& label, const SynthContext& ctx) {
  static const std::map<std::string, std::string> defaults = {{"model", "demand_forecast"},
                                                              {"model_type", "demand_forecast"},
                                                              {"feature", "temperature"},
                                                              {"version", "v3"},
                                                              {"test", "ks"},
                                                              {"metric", "mae"},
                                                              {"path", "/var/lib/modelwatch"},
                                                              {"task", "retention"},
                                                              {"reason", "invalid"},
                                                              {"endpoint", "/v1/predictions"},
                                                              {"method", "POST"},
                                                              {"status", "500"},
                                                              {"cache_type", "response"},
                                                              {"thread", "evaluator"},
                                                              {"operation", "group_commit"},
                                                              {"state", "used"},
                                                              {"channel", "slack"}};
  if (label == ctx.segment_label) return "restaurant_1";
  if (label == "job") return ctx.job;
  if (label == "instance") return ctx.instance;
  if (auto it = defaults.find(label); it != defaults.end()) return it->second;
  return label + "_1";
}

// A string the (simple) regular expression matches: the first alternative with one occurrence of
// each repeated item, '.' as '0', a class as its first member. Checked by the caller.
std::string RegexCandidate(const std::string& re) {
  std::string first;
  int depth = 0;
  for (char c : re) {
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (c == '|' && depth == 0) break;
    first += c;
  }
  std::string out;
  for (size_t i = 0; i < first.size(); ++i) {
    const char c = first[i];
    if (c == '\\' && i + 1 < first.size()) {
      const char n = first[++i];
      out += n == 'd' ? '0' : n == 'w' ? 'a' : n == 's' ? ' ' : n;
    } else if (c == '.') {
      out += '0';
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < first.size() && first[j] == '^') {
        out += '~';
      } else if (j < first.size()) {
        out += first[j];
      }
      while (j < first.size() && first[j] != ']') ++j;
      i = j;
    } else if (c == '{') {
      size_t j = i + 1;
      int n = 0;
      while (j < first.size() && std::isdigit(static_cast<unsigned char>(first[j]))) {
        n = n * 10 + (first[j++] - '0');
      }
      while (j < first.size() && first[j] != '}') ++j;
      i = j;
      if (!out.empty()) out.append(static_cast<size_t>(std::max(n - 1, 0)), out.back());
    } else if (c == '(' || c == ')' || c == '*' || c == '+' || c == '?' || c == '^' || c == '$' ||
               c == ':') {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

// A value of `label` satisfying every matcher on it.
std::optional<std::string> ChooseValue(const std::string& label,
                                       const std::vector<LabelMatcher>& matchers,
                                       const SynthContext& ctx) {
  std::vector<std::string> candidates = {DefaultValue(label, ctx)};
  for (const LabelMatcher& m : matchers) {
    if (m.label != label) continue;
    if (m.op == LabelMatcher::Op::kEqual) candidates.push_back(m.value);
    if (m.op == LabelMatcher::Op::kRegexMatch) candidates.push_back(RegexCandidate(m.value));
  }
  for (const char* v : {"500", "503", "200", "demand_forecast", "churn", "restaurant_1", "a", ""}) {
    candidates.push_back(v);
  }
  candidates.push_back(DefaultValue(label, ctx) + "_other");
  for (const std::string& c : candidates) {
    bool ok = true;
    for (const LabelMatcher& m : matchers) {
      if (m.label == label && !Matches(m, c)) ok = false;
    }
    if (ok) return c;
  }
  return std::nullopt;
}

// x rounded to 20 significant bits: sums of up to millions of such steps stay exact.
double Dyadic(double x) {
  if (x == 0 || !std::isfinite(x)) return x;
  int exponent = 0;
  std::frexp(x, &exponent);
  const double scale = std::ldexp(1.0, 20 - exponent);
  return std::round(x * scale) / scale;
}

struct SeriesPlan {
  const MetricSelector* selector;
  std::string suffix;
  double start = 0, step = 0;
  Labels extra;  // e.g. le
};

// The numerator's series and the denominators' others (a denominator that is the numerator's
// own family and matchers is that same series).
void PlanRatioOfRates(const alerting::Recipe& recipe, double target,
                      std::vector<SeriesPlan>& plans) {
  // Per-step increments out of 64: rates are then small exact fractions.
  constexpr double kTotal = 64;
  const bool self = std::any_of(
      recipe.denominator.begin(), recipe.denominator.end(), [&](const MetricSelector& d) {
        return d.family == recipe.metric.family && d.matchers == recipe.metric.matchers;
      });
  const double clamped = std::max(target, 0.0);
  const double numerator =
      self ? std::round(std::min(clamped, 1.0) * kTotal) : Dyadic(clamped * kTotal);
  plans.push_back({&recipe.metric, "", 0, numerator, {}});
  bool first_other = true;
  for (const MetricSelector& d : recipe.denominator) {
    if (d.family == recipe.metric.family && d.matchers == recipe.metric.matchers) continue;
    const double step = first_other ? (self ? kTotal - numerator : kTotal) : 0;
    plans.push_back({&d, "", 0, step, {}});
    first_other = false;
  }
}

// The series to write for one signal use so that it evaluates to about `target`.
std::vector<SeriesPlan> PlanSeries(const SignalRef& ref, double target, const SynthContext& ctx) {
  const alerting::Recipe& recipe = ref.def->recipe;
  const double interval_s = static_cast<double>(ctx.interval_ms) / 1000.0;
  const double steps_in_range =
      ref.range_ms > 0 ? static_cast<double>(ref.range_ms / ctx.interval_ms) : 0.0;
  std::vector<SeriesPlan> plans;
  switch (recipe.kind) {
    case RecipeKind::kGauge:
    case RecipeKind::kUp:
      plans.push_back({&recipe.metric, "", target, 0, {}});
      break;
    case RecipeKind::kGaugeRatio:
      plans.push_back({&recipe.metric, "", target, 0, {}});
      plans.push_back({&recipe.denominator.at(0), "", 1, 0, {}});
      break;
    case RecipeKind::kRate:
      plans.push_back({&recipe.metric, "", 0, Dyadic(std::max(target, 0.0) * interval_s), {}});
      break;
    case RecipeKind::kIncrease:
      plans.push_back({&recipe.metric, "", 0, Dyadic(std::max(target, 0.0) / steps_in_range), {}});
      break;
    case RecipeKind::kRatioOfRates:
      PlanRatioOfRates(recipe, target, plans);
      break;
    case RecipeKind::kHistogramQuantile: {
      // Two buckets counting one observation per second: the quantile q lies in the first, at
      // upper * q (Prometheus interpolates from 0).
      const double upper = target <= 0 ? 0 : target / recipe.quantile;
      plans.push_back({&recipe.metric, "_bucket", 0, interval_s, {{"le", NumberText(upper)}}});
      plans.push_back({&recipe.metric, "_bucket", 0, interval_s, {{"le", "+Inf"}}});
      break;
    }
  }
  return plans;
}

// One planned series with label values that satisfy the use's matchers (the recipe's and the
// condition's): every matchable label of the signal, job, instance and each matched label.
// nullopt when some label has no such value.
std::optional<InputSeries> LabelSeries(const SeriesPlan& plan, const SignalRef& ref,
                                       const std::vector<std::string>& labels,
                                       const SynthContext& ctx) {
  const alerting::Recipe& recipe = ref.def->recipe;
  std::vector<LabelMatcher> matchers = plan.selector->matchers;
  matchers.insert(matchers.end(), ref.matchers.begin(), ref.matchers.end());
  if (recipe.kind == RecipeKind::kUp) {
    matchers.push_back({"job", LabelMatcher::Op::kEqual, ctx.job});
  }
  std::vector<std::string> names = labels;
  names.push_back("job");
  names.push_back("instance");
  for (const LabelMatcher& m : matchers) names.push_back(m.label);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  InputSeries s;
  s.name = alerting::MetricName(*plan.selector, ctx.prefix) + plan.suffix;
  for (const std::string& name : names) {
    auto value = ChooseValue(name, matchers, ctx);
    if (!value) return std::nullopt;
    if (!value->empty()) s.labels[name] = *value;
  }
  for (const auto& [k, v] : plan.extra) s.labels[k] = v;
  s.start = plan.start;
  s.step = plan.step;
  return s;
}

}  // namespace

std::string SignalRefText(const SignalRef& ref) {
  std::string out = ref.def->name;
  if (!ref.matchers.empty()) {
    out += "{";
    for (size_t i = 0; i < ref.matchers.size(); ++i) {
      if (i > 0) out += ", ";
      out += ref.matchers[i].label + std::string(alerting::MatcherOpText(ref.matchers[i].op)) +
             "\"" + ref.matchers[i].value + "\"";
    }
    out += "}";
  }
  if (ref.range_ms > 0) out += "[" + FormatDurationMillis(ref.range_ms) + "]";
  return out;
}

std::optional<std::vector<InputSeries>> Synthesize(const SignalRef& ref, double target,
                                                   const SynthContext& ctx) {
  const std::vector<std::string> labels = alerting::MatchableLabels(*ref.def, ctx.segment_label);
  std::vector<InputSeries> out;
  for (const SeriesPlan& plan : PlanSeries(ref, target, ctx)) {
    auto s = LabelSeries(plan, ref, labels, ctx);
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace mw::exporting::detail
