#include "alerting/rules/promql.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "common/duration.h"
#include "common/strings.h"

namespace mw::alerting {
namespace {

// PromQL precedence, loosest first.
enum Prec { kOrPrec = 1, kAndPrec, kComparePrec, kAddPrec, kMulPrec, kAtomPrec };

struct Emitted {
  std::string text;
  int prec = kAtomPrec;
};

int PrecOf(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return kOrPrec;
    case BinaryOp::kAnd:
      return kAndPrec;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return kAddPrec;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
      return kMulPrec;
    default:
      return kComparePrec;
  }
}

std::string Number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string Selector(const MetricSelector& selector, const std::vector<LabelMatcher>& user,
                     const PromOptions& options, std::string_view suffix = "") {
  std::string out = MetricName(selector, options.prefix);
  out += suffix;
  std::vector<LabelMatcher> all = selector.matchers;
  all.insert(all.end(), user.begin(), user.end());
  if (all.empty()) return out;
  out += '{';
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += ", ";
    out += all[i].label;
    out += MatcherOpText(all[i].op);
    out += QuotePromQLString(all[i].value);
  }
  return out + '}';
}

// sum by (labels) (inner), or sum(inner) without labels.
std::string SumBy(const std::vector<std::string>& labels, const std::string& inner) {
  if (labels.empty()) return "sum(" + inner + ")";
  return "sum by (" + JoinStrings(labels) + ") (" + inner + ")";
}

class Translator {
 public:
  Translator(const PromOptions& options, std::string segment_label)
      : options_(options), segment_label_(std::move(segment_label)) {}

  Emitted Emit(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::kNumber:
        return {Number(e.number), e.number < 0 ? kAddPrec : kAtomPrec};
      case Expr::Kind::kSignal:
        return Signal(e.signal);
      case Expr::Kind::kBinary:
        break;
    }
    const int prec = PrecOf(e.op);
    Emitted left = Emit(e.left());
    Emitted right = Emit(e.right());
    if (left.prec < prec) left.text = "(" + left.text + ")";
    if (right.prec <= prec) right.text = "(" + right.text + ")";
    std::string op(BinaryOpText(e.op));
    if (e.left().is_vector() && e.right().is_vector()) {
      std::vector<std::string> on;
      const auto l = ResultLabels(e.left(), segment_label_);
      const auto r = ResultLabels(e.right(), segment_label_);
      std::set_intersection(l.begin(), l.end(), r.begin(), r.end(), std::back_inserter(on));
      op += " on(" + JoinStrings(on) + ")";
    }
    return {left.text + " " + op + " " + right.text, prec};
  }

  std::string Rate(const MetricSelector& selector, const SignalRef& ref,
                   const std::vector<std::string>& by, std::string_view function = "rate") const {
    return SumBy(by, std::string(function) + "(" + Selector(selector, ref.matchers, options_) +
                         "[" + FormatDurationMillis(ref.range_ms) + "])");
  }

  Emitted Signal(const SignalRef& ref) const {
    const SignalDef& def = *ref.def;
    const Recipe& recipe = def.recipe;
    const std::vector<std::string> labels = SignalLabels(def, segment_label_);
    switch (recipe.kind) {
      case RecipeKind::kGauge:
        return {Selector(recipe.metric, ref.matchers, options_)};
      case RecipeKind::kGaugeRatio: {
        // Fixed matchers tell the two families' series apart (state="used" / "total"): ignore
        // those labels when pairing them.
        std::vector<std::string> ignoring;
        for (const auto* s : {&recipe.metric, &recipe.denominator.at(0)}) {
          for (const LabelMatcher& m : s->matchers) ignoring.push_back(m.label);
        }
        std::sort(ignoring.begin(), ignoring.end());
        ignoring.erase(std::unique(ignoring.begin(), ignoring.end()), ignoring.end());
        std::string op = ignoring.empty() ? " / " : " / ignoring(" + JoinStrings(ignoring) + ") ";
        return {Selector(recipe.metric, ref.matchers, options_) + op +
                    Selector(recipe.denominator.at(0), ref.matchers, options_),
                kMulPrec};
      }
      case RecipeKind::kRate:
        return {Rate(recipe.metric, ref, labels)};
      case RecipeKind::kIncrease:
        return {Rate(recipe.metric, ref, labels, "increase")};
      case RecipeKind::kRatioOfRates: {
        std::string denominator;
        for (const MetricSelector& d : recipe.denominator) {
          if (!denominator.empty()) denominator += " + ";
          denominator += Rate(d, ref, labels);
        }
        if (recipe.denominator.size() > 1) denominator = "(" + denominator + ")";
        return {Rate(recipe.metric, ref, labels) + " / " + denominator, kMulPrec};
      }
      case RecipeKind::kHistogramQuantile: {
        std::vector<std::string> by = {"le"};
        by.insert(by.end(), labels.begin(), labels.end());
        const std::string rate = "rate(" +
                                 Selector(recipe.metric, ref.matchers, options_, "_bucket") + "[" +
                                 FormatDurationMillis(ref.range_ms) + "])";
        return {"histogram_quantile(" + Number(recipe.quantile) + ", " + SumBy(by, rate) + ")"};
      }
      case RecipeKind::kUp: {
        MetricSelector up = recipe.metric;
        up.matchers.push_back({"job", LabelMatcher::Op::kEqual, options_.job});
        return {Selector(up, ref.matchers, options_)};
      }
    }
    return {};
  }

 private:
  const PromOptions& options_;
  const std::string segment_label_;
};

}  // namespace

std::string ToPromQL(const Condition& condition, const PromOptions& options) {
  return Translator(options, condition.segment_label).Emit(condition.root).text;
}

std::string SignalToPromQL(const SignalRef& ref, std::string_view segment_label,
                           const PromOptions& options) {
  return Translator(options, std::string(segment_label)).Signal(ref).text;
}

std::vector<std::string> SignalSeriesNames(const SignalDef& signal, const PromOptions& options) {
  const Recipe& r = signal.recipe;
  const std::string suffix = r.kind == RecipeKind::kHistogramQuantile ? "_bucket" : "";
  std::vector<std::string> names = {MetricName(r.metric, options.prefix) + suffix};
  for (const MetricSelector& d : r.denominator) {
    const std::string name = MetricName(d, options.prefix) + suffix;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::string ToPrometheusRuleFile(const RuleSet& rules, const PromOptions& options) {
  YAML::Emitter out;
  out << YAML::Comment("Generated by modelwatch from " + rules.file_name +
                       "; edit that file and export again.");
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const RuleGroup& group : rules.groups) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << group.name;
    if (group.interval_ms > 0) {
      out << YAML::Key << "interval" << YAML::Value << FormatDurationMillis(group.interval_ms);
    }
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const Rule& rule : group.rules) {
      out << YAML::BeginMap;
      out << YAML::Key << "alert" << YAML::Value << rule.alert;
      out << YAML::Key << "expr" << YAML::Value << ToPromQL(rule.condition, options);
      if (rule.for_ms > 0) {
        out << YAML::Key << "for" << YAML::Value << FormatDurationMillis(rule.for_ms);
      }
      out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : rule.labels) out << YAML::Key << k << YAML::Value << v;
      out << YAML::EndMap;
      out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : rule.annotations) out << YAML::Key << k << YAML::Value << v;
      out << YAML::EndMap;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string QuotePromQLString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace mw::alerting
