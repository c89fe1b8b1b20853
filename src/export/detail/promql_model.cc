#include "export/detail/promql_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <regex>

#include "alerting/rules/evaluate.h"
#include "alerting/rules/promql.h"

namespace mw::exporting::detail {

namespace {

using alerting::BinaryOp;
using alerting::LabelMatcher;
using alerting::MetricSelector;
using alerting::RecipeKind;
using alerting::SignalRef;

using Vector = std::vector<Sample>;

constexpr const char* kName = "__name__";

// The values of `names` in `labels` ("" when absent), joined: a matching key.
std::string Key(const Labels& labels, const std::vector<std::string>& names) {
  std::string key;
  for (const std::string& n : names) {
    auto it = labels.find(n);
    key += it == labels.end() ? "" : it->second;
    key += '\xff';
  }
  return key;
}

Labels Keep(const Labels& labels, const std::vector<std::string>& names) {
  Labels out;
  for (const std::string& n : names) {
    if (auto it = labels.find(n); it != labels.end() && !it->second.empty()) out[n] = it->second;
  }
  return out;
}

Labels Without(Labels labels, const std::vector<std::string>& names) {
  for (const std::string& n : names) labels.erase(n);
  return labels;
}

// The signals of a condition over promtool input series, as Prometheus computes them at
// ctx.eval_step (every series keeps its labels; instant selections also "__name__").
class Model final : public alerting::SignalSource {
 public:
  Model(const std::vector<InputSeries>& input, const ModelContext& ctx)
      : input_(input), ctx_(ctx) {}

  std::vector<const InputSeries*> Select(const MetricSelector& selector,
                                         const std::vector<LabelMatcher>& user,
                                         const std::string& suffix = "") const {
    const std::string name = alerting::MetricName(selector, ctx_.prefix) + suffix;
    std::vector<LabelMatcher> all = selector.matchers;
    all.insert(all.end(), user.begin(), user.end());
    std::vector<const InputSeries*> out;
    for (const InputSeries& s : input_) {
      if (s.name != name) continue;
      bool ok = true;
      for (const LabelMatcher& m : all) {
        auto it = s.labels.find(m.label);
        if (!Matches(m, it == s.labels.end() ? "" : it->second)) ok = false;
      }
      if (ok) out.push_back(&s);
    }
    return out;
  }

  Vector Instant(const std::vector<const InputSeries*>& series) const {
    Vector out;
    for (const InputSeries* s : series) {
      Labels labels = s->labels;
      labels[kName] = s->name;
      out.push_back({std::move(labels), s->ValueAt(ctx_.eval_step)});
    }
    return out;
  }

  // rate() or increase() over a full window: the extrapolation factor is exactly 1.
  Vector Range(const std::vector<const InputSeries*>& series, int64_t range_ms, bool rate) const {
    const int64_t steps = range_ms / ctx_.interval_ms;
    const double seconds = static_cast<double>(range_ms) / 1000.0;
    Vector out;
    for (const InputSeries* s : series) {
      const double sampled = seconds;  // first and last samples sit on the window's edges
      const double v = s->ValueAt(ctx_.eval_step) - s->ValueAt(ctx_.eval_step - steps);
      // Prometheus builds the whole factor first, then multiplies once (a*(b/c), not (a*b)/c).
      double factor = sampled / sampled;
      if (rate) factor /= seconds;
      out.push_back({s->labels, v * factor});
    }
    return out;
  }

  static Vector SumBy(const Vector& in, const std::vector<std::string>& by) {
    std::map<std::string, Sample> groups;
    std::vector<std::string> order;
    for (const Sample& x : in) {
      const std::string key = Key(x.labels, by);
      auto [it, fresh] = groups.try_emplace(key, Sample{Keep(x.labels, by), 0.0});
      if (fresh) {
        it->second.value = x.value;
        order.push_back(key);
      } else {
        it->second.value += x.value;
      }
    }
    Vector out;
    for (const std::string& k : order) out.push_back(groups[k]);
    return out;
  }

  Vector Signal(const SignalRef& ref) const override {
    const alerting::SignalDef& def = *ref.def;
    const alerting::Recipe& recipe = def.recipe;
    const std::vector<std::string> labels = alerting::SignalLabels(def, ctx_.segment_label);
    switch (recipe.kind) {
      case RecipeKind::kGauge:
        return Instant(Select(recipe.metric, ref.matchers));
      case RecipeKind::kUp: {
        MetricSelector up = recipe.metric;
        up.matchers.push_back({"job", LabelMatcher::Op::kEqual, ctx_.job});
        return Instant(Select(up, ref.matchers));
      }
      case RecipeKind::kGaugeRatio: {
        std::vector<std::string> ignoring = {kName};
        for (const auto* s : {&recipe.metric, &recipe.denominator.at(0)}) {
          for (const LabelMatcher& m : s->matchers) ignoring.push_back(m.label);
        }
        Vector num = Instant(Select(recipe.metric, ref.matchers));
        Vector den = Instant(Select(recipe.denominator.at(0), ref.matchers));
        std::map<Labels, double> right;
        for (const Sample& d : den) right[Without(d.labels, ignoring)] = d.value;
        Vector out;
        for (const Sample& n : num) {
          Labels key = Without(n.labels, ignoring);
          if (auto it = right.find(key); it != right.end())
            out.push_back({key, n.value / it->second});
        }
        return out;
      }
      case RecipeKind::kRate:
      case RecipeKind::kIncrease:
        return SumBy(Range(Select(recipe.metric, ref.matchers), ref.range_ms,
                           recipe.kind == RecipeKind::kRate),
                     labels);
      case RecipeKind::kRatioOfRates: {
        const Vector num =
            SumBy(Range(Select(recipe.metric, ref.matchers), ref.range_ms, true), labels);
        std::optional<Vector> den;
        for (const MetricSelector& d : recipe.denominator) {
          Vector part = SumBy(Range(Select(d, ref.matchers), ref.range_ms, true), labels);
          den = den ? OneToOne(BinaryOp::kAdd, *den, part, labels) : part;
        }
        return OneToOne(BinaryOp::kDiv, num, den.value_or(Vector{}), labels);
      }
      case RecipeKind::kHistogramQuantile: {
        std::vector<std::string> by = {"le"};
        by.insert(by.end(), labels.begin(), labels.end());
        const Vector buckets =
            SumBy(Range(Select(recipe.metric, ref.matchers, "_bucket"), ref.range_ms, true), by);
        std::map<std::string, std::pair<Labels, std::vector<std::pair<double, double>>>> groups;
        std::vector<std::string> order;
        for (const Sample& b : buckets) {
          const std::string key = Key(b.labels, labels);
          auto [it, fresh] = groups.try_emplace(key);
          if (fresh) {
            it->second.first = Keep(b.labels, labels);
            order.push_back(key);
          }
          const auto le = b.labels.find("le");
          if (le == b.labels.end()) continue;  // Prometheus ignores series without le
          it->second.second.push_back({std::strtod(le->second.c_str(), nullptr), b.value});
        }
        Vector out;
        for (const std::string& k : order) {
          auto& [group_labels, bucket_list] = groups[k];
          std::sort(bucket_list.begin(), bucket_list.end());  // by upper bound, +Inf last
          out.push_back({group_labels, alerting::BucketQuantile(recipe.quantile, bucket_list)});
        }
        return out;
      }
    }
    return {};
  }

 private:
  // One-to-one `op` on `on`, as the condition language does it; PromQL refuses the evaluation
  // when a side repeats a label set (no series then).
  static Vector OneToOne(BinaryOp op, const Vector& left, const Vector& right,
                         const std::vector<std::string>& on) {
    auto out = alerting::MatchOneToOne(op, left, right, on);
    return out ? std::move(*out) : Vector{};
  }

  const std::vector<InputSeries>& input_;
  const ModelContext& ctx_;
};

}  // namespace

std::string NumberText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

std::string InputSeries::SeriesText() const {
  std::string out = name + "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ", ";
    first = false;
    out += k + "=" + alerting::QuotePromQLString(v);
  }
  return out + "}";
}

std::string InputSeries::ValuesText(int64_t steps) const {
  if (step == 0) return NumberText(start) + "x" + std::to_string(steps);
  return NumberText(start) + (step < 0 ? "" : "+") + NumberText(step) + "x" + std::to_string(steps);
}

std::string InputSeries::Identity() const { return SeriesText(); }

bool Matches(const LabelMatcher& m, const std::string& value) {
  switch (m.op) {
    case LabelMatcher::Op::kEqual:
      return value == m.value;
    case LabelMatcher::Op::kNotEqual:
      return value != m.value;
    case LabelMatcher::Op::kRegexMatch:
    case LabelMatcher::Op::kRegexNoMatch: {
      bool match = false;
      try {
        match = std::regex_match(value, std::regex(m.value, std::regex::ECMAScript));
      } catch (const std::regex_error&) {
        match = false;  // conditions are checked at load; an unreadable regex matches nothing
      }
      return m.op == LabelMatcher::Op::kRegexMatch ? match : !match;
    }
  }
  return false;
}

std::vector<Sample> EvaluateCondition(const alerting::Expr& root,
                                      const std::vector<InputSeries>& input,
                                      const ModelContext& ctx) {
  auto series = alerting::EvaluateExpr(root, ctx.segment_label, Model(input, ctx));
  return series ? std::move(*series) : Vector{};
}

}  // namespace mw::exporting::detail
