#include "export/detail/promql_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <variant>

namespace mw::exporting::detail {

namespace {

using alerting::BinaryOp;
using alerting::Expr;
using alerting::LabelMatcher;
using alerting::MetricSelector;
using alerting::RecipeKind;
using alerting::SignalRef;

using Vector = std::vector<Sample>;
using Value = std::variant<double, Vector>;

constexpr const char* kName = "__name__";

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

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

std::vector<std::string> Intersect(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::optional<double> Arithmetic(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    default:
      return std::nullopt;
  }
}

bool Compare(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kGt:
      return l > r;
    case BinaryOp::kGe:
      return l >= r;
    case BinaryOp::kLt:
      return l < r;
    case BinaryOp::kLe:
      return l <= r;
    case BinaryOp::kEq:
      return l == r;
    case BinaryOp::kNe:
      return l != r;
    default:
      return false;
  }
}

// Prometheus' bucketQuantile (promql/quantile.go) on (upper bound, cumulative count) pairs.
double BucketQuantile(double q, std::vector<std::pair<double, double>> buckets) {
  if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || !std::isinf(buckets.back().first)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // coalesceBuckets: equal upper bounds are summed.
  std::vector<std::pair<double, double>> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().first == b.first) {
      merged.back().second += b.second;
    } else {
      merged.push_back(b);
    }
  }
  // ensureMonotonic.
  double max = -std::numeric_limits<double>::infinity();
  for (auto& b : merged) {
    if (b.second > max) {
      max = b.second;
    } else if (b.second < max) {
      b.second = max;
    }
  }
  if (merged.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const double observations = merged.back().second;
  if (observations == 0) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * observations;
  size_t b = 0;
  while (b < merged.size() - 1 && merged[b].second < rank) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].first;
  if (b == 0 && merged[0].first <= 0) return merged[0].first;
  double start = 0, end = merged[b].first, count = merged[b].second;
  if (b > 0) {
    start = merged[b - 1].first;
    count -= merged[b - 1].second;
    rank -= merged[b - 1].second;
  }
  return start + (end - start) * (rank / count);
}

class Model {
 public:
  Model(const std::vector<InputSeries>& input, const ModelContext& ctx)
      : input_(input), ctx_(ctx) {}

  Value Eval(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kNumber:
        return e.number;
      case Expr::Kind::kSignal:
        return Signal(e.signal);
      case Expr::Kind::kBinary:
        break;
    }
    Value l = Eval(e.left()), r = Eval(e.right());
    const bool lv = std::holds_alternative<Vector>(l), rv = std::holds_alternative<Vector>(r);
    if (!lv && !rv) {
      if (auto v = Arithmetic(e.op, std::get<double>(l), std::get<double>(r))) return *v;
      return Vector{};  // PromQL has no scalar comparisons without `bool`
    }
    if (lv && rv) {
      const std::vector<std::string> on =
          Intersect(alerting::ResultLabels(e.left(), ctx_.segment_label),
                    alerting::ResultLabels(e.right(), ctx_.segment_label));
      return VectorVector(e.op, std::get<Vector>(l), std::get<Vector>(r), on);
    }
    return VectorScalar(e.op, lv ? std::get<Vector>(l) : std::get<Vector>(r),
                        lv ? std::get<double>(r) : std::get<double>(l), /*vector_left=*/lv);
  }

 private:
  static Vector VectorScalar(BinaryOp op, const Vector& v, double s, bool vector_left) {
    Vector out;
    for (const Sample& x : v) {
      const double l = vector_left ? x.value : s, r = vector_left ? s : x.value;
      if (auto a = Arithmetic(op, l, r)) {
        out.push_back({Without(x.labels, {kName}), *a});
      } else if (Compare(op, l, r)) {
        out.push_back(x);  // the vector's element, name and value kept
      }
    }
    return out;
  }

  static Vector VectorVector(BinaryOp op, const Vector& l, const Vector& r,
                             const std::vector<std::string>& on) {
    Vector out;
    if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
      std::map<std::string, bool> right_keys;
      for (const Sample& x : r) right_keys[Key(x.labels, on)] = true;
      std::map<std::string, bool> left_keys;
      for (const Sample& x : l) {
        left_keys[Key(x.labels, on)] = true;
        if (op == BinaryOp::kOr || right_keys.count(Key(x.labels, on))) out.push_back(x);
      }
      if (op == BinaryOp::kOr) {
        for (const Sample& x : r) {
          if (!left_keys.count(Key(x.labels, on))) out.push_back(x);
        }
      }
      return out;
    }
    std::map<std::string, const Sample*> right;
    for (const Sample& x : r) right[Key(x.labels, on)] = &x;
    for (const Sample& x : l) {
      auto it = right.find(Key(x.labels, on));
      if (it == right.end()) continue;
      const double rv = it->second->value;
      if (auto a = Arithmetic(op, x.value, rv)) {
        out.push_back({Keep(x.labels, on), *a});
      } else if (Compare(op, x.value, rv)) {
        out.push_back({Keep(x.labels, on), x.value});
      }
    }
    return out;
  }

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

  Vector Signal(const SignalRef& ref) const {
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
          den = den ? VectorVector(BinaryOp::kAdd, *den, part, labels) : part;
        }
        return VectorVector(BinaryOp::kDiv, num, den.value_or(Vector{}), labels);
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
          out.push_back({groups[k].first, BucketQuantile(recipe.quantile, groups[k].second)});
        }
        return out;
      }
    }
    return {};
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
    out += k + "=" + Quoted(v);
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
  Value v = Model(input, ctx).Eval(root);
  if (auto* vector = std::get_if<Vector>(&v)) return *vector;
  return {};
}

}  // namespace mw::exporting::detail
