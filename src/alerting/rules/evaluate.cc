#include "alerting/rules/evaluate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <regex>
#include <set>

namespace mw::alerting {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A node's value: a number, or a set of series (an instant vector).
struct Value {
  bool scalar = false;
  double number = 0;
  std::vector<SeriesValue> series;
};

// The value of `labels` for `name`; a missing label reads as "" (as in PromQL matchers).
std::string_view LabelValue(const Labels& labels, const std::string& name) {
  auto it = labels.find(name);
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

// Label matchers with their regular expressions compiled once per evaluation.
class Matchers {
 public:
  Matchers(const std::vector<LabelMatcher>& fixed, const std::vector<LabelMatcher>& user) {
    for (const auto* list : {&fixed, &user}) {
      for (const LabelMatcher& m : *list) {
        Compiled c{m, std::nullopt};
        if (m.op == LabelMatcher::Op::kRegexMatch || m.op == LabelMatcher::Op::kRegexNoMatch) {
          // Parsing already checked the expression compiles (condition.h).
          c.regex.emplace(m.value, std::regex::ECMAScript);
        }
        matchers_.push_back(std::move(c));
      }
    }
  }
  bool Match(const Labels& labels) const {
    for (const Compiled& c : matchers_) {
      const std::string_view v = LabelValue(labels, c.matcher.label);
      bool ok = true;
      switch (c.matcher.op) {
        case LabelMatcher::Op::kEqual:
          ok = v == c.matcher.value;
          break;
        case LabelMatcher::Op::kNotEqual:
          ok = v != c.matcher.value;
          break;
        case LabelMatcher::Op::kRegexMatch:  // anchored: the whole value must match
          ok = std::regex_match(v.begin(), v.end(), *c.regex);
          break;
        case LabelMatcher::Op::kRegexNoMatch:
          ok = !std::regex_match(v.begin(), v.end(), *c.regex);
          break;
      }
      if (!ok) return false;
    }
    return true;
  }

 private:
  struct Compiled {
    LabelMatcher matcher;
    std::optional<std::regex> regex;
  };
  std::vector<Compiled> matchers_;
};

std::vector<SeriesValue> Filter(std::vector<SeriesValue> in, const Matchers& matchers) {
  std::erase_if(in, [&](const SeriesValue& s) { return !matchers.Match(s.labels); });
  return in;
}

// The labels of `labels` named in `keep` (sorted names), as a key and as a label set.
std::string Signature(const Labels& labels, const std::vector<std::string>& on) {
  std::string key;
  for (const std::string& name : on) {
    key += name;
    key += '\x1f';
    key += LabelValue(labels, name);
    key += '\x1e';
  }
  return key;
}

Labels Project(const Labels& labels, const std::vector<std::string>& on) {
  Labels out;
  for (const std::string& name : on) {
    auto it = labels.find(name);
    if (it != labels.end()) out.insert(*it);
  }
  return out;
}

double Arithmetic(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;  // IEEE: x/0 = ±Inf, 0/0 = NaN, as PromQL
    default:
      return kNaN;
  }
}

bool Compare(BinaryOp op, double a, double b) {
  switch (op) {  // NaN compares false, as in PromQL
    case BinaryOp::kGt:
      return a > b;
    case BinaryOp::kGe:
      return a >= b;
    case BinaryOp::kLt:
      return a < b;
    case BinaryOp::kLe:
      return a <= b;
    case BinaryOp::kEq:
      return a == b;
    case BinaryOp::kNe:
      return a != b;
    default:
      return false;
  }
}

// One-to-one vector matching on `on`: the index of each signature, or an error naming the side
// with two series for one signature (PromQL refuses those too).
Result<std::map<std::string, size_t>> Index(const std::vector<SeriesValue>& side,
                                            const std::vector<std::string>& on,
                                            std::string_view which) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < side.size(); ++i) {
    if (!index.emplace(Signature(side[i].labels, on), i).second) {
      std::string labels;
      for (const auto& [k, v] : Project(side[i].labels, on)) {
        labels += (labels.empty() ? "" : ", ") + k + "=\"" + v + "\"";
      }
      return InvalidArgument("two series with the same labels {" + labels + "} on the " +
                             std::string(which) + " side of a one-to-one operation");
    }
  }
  return index;
}

}  // namespace

Result<std::vector<SeriesValue>> MatchOneToOne(BinaryOp op, const std::vector<SeriesValue>& left,
                                               const std::vector<SeriesValue>& right,
                                               const std::vector<std::string>& on) {
  std::vector<SeriesValue> out;
  auto left_index = Index(left, on, "left");
  if (!left_index) return left_index.error();
  auto right_index = Index(right, on, "right");
  if (!right_index) return right_index.error();
  for (const auto& [sig, i] : *left_index) {
    auto match = right_index->find(sig);
    if (match == right_index->end()) continue;
    const double a = left[i].value, b = right[match->second].value;
    if (IsArithmetic(op)) {
      out.push_back({Project(left[i].labels, on), Arithmetic(op, a, b)});
    } else if (Compare(op, a, b)) {
      out.push_back({Project(left[i].labels, on), a});
    }
  }
  return out;
}

namespace {

// The condition language's operators over the series a SignalSource gives for each signal.
class TreeWalk {
 public:
  TreeWalk(const SignalSource& source, std::string_view segment_label)
      : source_(source), segment_label_(segment_label) {}

  Result<Value> Eval(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kNumber: {
        Value v;
        v.scalar = true;
        v.number = e.number;
        return v;
      }
      case Expr::Kind::kSignal: {
        Value v;
        v.series = source_.Signal(e.signal);
        return v;
      }
      case Expr::Kind::kBinary:
        break;
    }
    auto left = Eval(e.left());
    if (!left) return left.error();
    auto right = Eval(e.right());
    if (!right) return right.error();
    return Binary(e, std::move(*left), std::move(*right));
  }

 private:
  Result<Value> Binary(const Expr& e, Value left, Value right) const {
    const BinaryOp op = e.op;
    Value out;
    if (left.scalar && right.scalar) {
      if (!IsArithmetic(op)) {
        return InvalidArgument("\"" + std::string(BinaryOpText(op)) +
                               "\" between two numbers has no series");
      }
      out.scalar = true;
      out.number = Arithmetic(op, left.number, right.number);
      return out;
    }
    if (left.scalar || right.scalar) {
      if (IsLogical(op)) {
        return InvalidArgument("\"" + std::string(BinaryOpText(op)) +
                               "\" needs series on both sides");
      }
      const bool scalar_left = left.scalar;
      Value& vec = scalar_left ? right : left;
      const double number = scalar_left ? left.number : right.number;
      for (SeriesValue& s : vec.series) {
        const double a = scalar_left ? number : s.value, b = scalar_left ? s.value : number;
        if (IsArithmetic(op)) {
          s.value = Arithmetic(op, a, b);
          s.labels.erase("__name__");  // an arithmetic result is no longer the metric (PromQL)
          out.series.push_back(std::move(s));
        } else if (Compare(op, a, b)) {
          out.series.push_back(std::move(s));  // keeps the series' own value
        }
      }
      return out;
    }
    // Two vectors: matched on the labels both sides are identified by (promql.cc writes the
    // same on(...)).
    std::vector<std::string> on;
    {
      const auto l = ResultLabels(e.left(), segment_label_);
      const auto r = ResultLabels(e.right(), segment_label_);
      std::set_intersection(l.begin(), l.end(), r.begin(), r.end(), std::back_inserter(on));
    }
    if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
      std::set<std::string> right_sigs, left_sigs;
      for (const SeriesValue& s : right.series) right_sigs.insert(Signature(s.labels, on));
      for (const SeriesValue& s : left.series) left_sigs.insert(Signature(s.labels, on));
      for (SeriesValue& s : left.series) {
        if (op == BinaryOp::kOr || right_sigs.contains(Signature(s.labels, on))) {
          out.series.push_back(std::move(s));
        }
      }
      if (op == BinaryOp::kOr) {
        for (SeriesValue& s : right.series) {
          if (!left_sigs.contains(Signature(s.labels, on))) out.series.push_back(std::move(s));
        }
      }
      return out;
    }
    auto matched = MatchOneToOne(op, left.series, right.series, on);
    if (!matched) return matched.error();
    out.series = std::move(*matched);
    return out;
  }

  const SignalSource& source_;
  const std::string_view segment_label_;
};

// Signals from the engine's MetricSampler history (see evaluate.h for each recipe's meaning).
class SamplerSource final : public SignalSource {
 public:
  SamplerSource(const MetricSampler& sampler, const EvaluationContext& ctx,
                std::string segment_label)
      : sampler_(sampler), ctx_(ctx), segment_label_(std::move(segment_label)) {}

  std::vector<SeriesValue> Signal(const SignalRef& ref) const override {
    const SignalDef& def = *ref.def;
    if (!def.available) return {};
    const Recipe& recipe = def.recipe;
    const std::vector<std::string> labels = SignalLabels(def, segment_label_);
    switch (recipe.kind) {
      case RecipeKind::kGauge:
        return Gauge(recipe.metric, ref);
      case RecipeKind::kGaugeRatio:
        return GaugeRatio(recipe, ref);
      case RecipeKind::kRate: {
        std::vector<SeriesValue> out = Increase(recipe.metric, ref, labels);
        const double seconds = static_cast<double>(ref.range_ms) / 1000;
        for (SeriesValue& s : out) s.value /= seconds;
        return out;
      }
      case RecipeKind::kIncrease:
        return Increase(recipe.metric, ref, labels);
      case RecipeKind::kRatioOfRates:
        return RatioOfRates(recipe, ref, labels);
      case RecipeKind::kHistogramQuantile:
        return Quantile(recipe, ref, labels);
      case RecipeKind::kUp:
        // The engine runs inside the service it watches: it always sees it up.
        return {SeriesValue{{}, 1}};
    }
    return {};
  }

 private:
  std::string Name(const MetricSelector& selector) const {
    return MetricName(selector, ctx_.prefix);
  }

  std::vector<SeriesValue> Gauge(const MetricSelector& selector, const SignalRef& ref) const {
    return Filter(sampler_.Latest(Name(selector), ctx_.now_ms, ctx_.staleness_ms),
                  Matchers(selector.matchers, ref.matchers));
  }

  // metric{m} / ignoring(<fixed matcher labels>) denominator{m}
  std::vector<SeriesValue> GaugeRatio(const Recipe& recipe, const SignalRef& ref) const {
    const MetricSelector& den = recipe.denominator.at(0);
    std::set<std::string> ignored;
    for (const auto* s : {&recipe.metric, &den}) {
      for (const LabelMatcher& m : s->matchers) ignored.insert(m.label);
    }
    auto drop = [&](Labels labels) {
      for (const std::string& l : ignored) labels.erase(l);
      return labels;
    };
    std::map<Labels, double> denominators;
    for (const SeriesValue& s : Gauge(den, ref)) denominators.emplace(drop(s.labels), s.value);
    std::vector<SeriesValue> out;
    for (const SeriesValue& s : Gauge(recipe.metric, ref)) {
      Labels key = drop(s.labels);
      auto it = denominators.find(key);
      if (it == denominators.end()) continue;
      out.push_back({std::move(key), s.value / it->second});
    }
    return out;
  }

  // sum by (labels) (increase(metric{m}[r])), without extrapolation (sampler.h).
  std::vector<SeriesValue> Increase(const MetricSelector& selector, const SignalRef& ref,
                                    const std::vector<std::string>& labels,
                                    std::string_view suffix = "") const {
    auto increases =
        Filter(sampler_.Increase(Name(selector) + std::string(suffix), ref.range_ms, ctx_.now_ms),
               Matchers(selector.matchers, ref.matchers));
    if (increases.empty()) return {};  // PromQL's sum of nothing is nothing, not 0
    return MetricSampler::SumBy(increases, labels);
  }

  // sum by (L) (rate(num)) / (sum by (L) (rate(d1)) + sum by (L) (rate(d2)) ...): each `+` and
  // the `/` match one-to-one on L, so a label set must be present in every term.
  std::vector<SeriesValue> RatioOfRates(const Recipe& recipe, const SignalRef& ref,
                                        const std::vector<std::string>& labels) const {
    std::map<Labels, double> denominator;
    bool first = true;
    for (const MetricSelector& d : recipe.denominator) {
      std::map<Labels, double> term;
      for (SeriesValue& s : Increase(d, ref, labels)) term.emplace(std::move(s.labels), s.value);
      if (first) {
        denominator = std::move(term);
        first = false;
        continue;
      }
      for (auto it = denominator.begin(); it != denominator.end();) {
        auto t = term.find(it->first);
        if (t == term.end()) {
          it = denominator.erase(it);
        } else {
          it->second += t->second;
          ++it;
        }
      }
    }
    // Rates are increases over the same range: the range cancels in the ratio.
    std::vector<SeriesValue> out;
    for (SeriesValue& s : Increase(recipe.metric, ref, labels)) {
      auto it = denominator.find(s.labels);
      if (it == denominator.end()) continue;
      out.push_back({std::move(s.labels), s.value / it->second});
    }
    return out;
  }

  // histogram_quantile(q, sum by (le, L) (rate(metric_bucket{m}[r])))
  std::vector<SeriesValue> Quantile(const Recipe& recipe, const SignalRef& ref,
                                    const std::vector<std::string>& labels) const {
    std::vector<std::string> by = labels;
    by.push_back("le");
    std::map<Labels, std::vector<std::pair<double, double>>> groups;
    for (SeriesValue& s : Increase(recipe.metric, ref, by, "_bucket")) {
      auto le = s.labels.find("le");
      if (le == s.labels.end()) continue;
      double bound = 0;
      if (le->second == "+Inf") {
        bound = std::numeric_limits<double>::infinity();
      } else {
        const std::string& text = le->second;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bound);
        if (ec != std::errc() || end != text.data() + text.size()) continue;
      }
      s.labels.erase(le);
      groups[std::move(s.labels)].emplace_back(bound, s.value);
    }
    std::vector<SeriesValue> out;
    for (auto& [group_labels, buckets] : groups) {
      std::sort(buckets.begin(), buckets.end());
      const double v = BucketQuantile(recipe.quantile, buckets);
      if (!std::isnan(v)) out.push_back({group_labels, v});  // no observations: no value
    }
    return out;
  }

  const MetricSampler& sampler_;
  const EvaluationContext& ctx_;
  const std::string segment_label_;
};

void Ranges(const Expr& e, int64_t& longest) {
  if (e.kind == Expr::Kind::kSignal) longest = std::max(longest, e.signal.range_ms);
  for (const Expr& o : e.operands) Ranges(o, longest);
}

}  // namespace

Result<std::vector<SeriesValue>> EvaluateExpr(const Expr& root, std::string_view segment_label,
                                              const SignalSource& source) {
  auto value = TreeWalk(source, segment_label).Eval(root);
  if (!value) return value.error();
  if (value->scalar) return InvalidArgument("the condition is a number, not a set of series");
  // Equal label sets can only come from `or` of two sides with different labels; keep the first.
  std::vector<SeriesValue> out;
  std::set<Labels> seen;
  for (SeriesValue& s : value->series) {
    if (seen.insert(s.labels).second) out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<SeriesValue>> EvaluateCondition(const Condition& condition,
                                                   const MetricSampler& sampler,
                                                   const EvaluationContext& ctx) {
  return EvaluateExpr(condition.root, condition.segment_label,
                      SamplerSource(sampler, ctx, condition.segment_label));
}

std::vector<SeriesValue> EvaluateSignal(const SignalRef& ref, std::string_view segment_label,
                                        const MetricSampler& sampler,
                                        const EvaluationContext& ctx) {
  return SamplerSource(sampler, ctx, std::string(segment_label)).Signal(ref);
}

int64_t LongestRangeMs(const Condition& condition) {
  int64_t longest = 0;
  Ranges(condition.root, longest);
  return longest;
}

}  // namespace mw::alerting
