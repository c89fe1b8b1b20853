// modelwatch rules check FILE: validates an alert rules file the way the server loads it.
// modelwatch rules signals: lists the signal catalog conditions are written over.
#include <iostream>
#include <nlohmann/json.hpp>

#include "alerting/rules/promql.h"
#include "alerting/rules/rules.h"
#include "alerting/rules/signals.h"
#include "cli/commands.h"
#include "common/strings.h"

namespace mw::cli {
namespace {

// How a condition writes the signal: name, or name[5m] for the ones over a range.
alerting::SignalRef ExampleUse(const alerting::SignalDef& signal) {
  alerting::SignalRef ref;
  ref.def = &signal;
  if (signal.needs_range()) ref.range_ms = 5 * 60 * 1000;
  return ref;
}

}  // namespace

int RunRulesCheck(const CommonOptions& options, const std::string& file) {
  // The segment label comes from the same configuration `serve` would use.
  const auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  std::vector<alerting::RuleError> errors;
  auto rules =
      alerting::LoadRulesFile(file, alerting::RuleOptions{config->metrics.segment_label}, &errors);
  if (!rules) {
    if (errors.empty()) {
      std::cerr << "modelwatch: " << rules.error().message() << "\n";
    } else {
      for (const alerting::RuleError& e : errors) {
        std::cerr << alerting::FormatRuleError(file, e) << "\n";
      }
      std::cerr << file << ": " << errors.size() << (errors.size() == 1 ? " problem" : " problems")
                << "\n";
    }
    return 2;
  }
  std::cout << file << ": OK, " << rules->groups.size()
            << (rules->groups.size() == 1 ? " group, " : " groups, ") << rules->rule_count()
            << (rules->rule_count() == 1 ? " rule" : " rules") << "\n";
  // Rules over signals nobody exports yet load fine but never fire; say so.
  for (const alerting::RuleGroup& group : rules->groups) {
    for (const alerting::Rule& rule : group.rules) {
      std::vector<const alerting::Expr*> stack = {&rule.condition.root};
      while (!stack.empty()) {
        const alerting::Expr* e = stack.back();
        stack.pop_back();
        for (const alerting::Expr& child : e->operands) stack.push_back(&child);
        if (e->kind == alerting::Expr::Kind::kSignal && !e->signal.def->available) {
          std::cout << file << ":" << rule.line << ": note: " << rule.alert << " uses "
                    << e->signal.def->name << ", which has no data yet: " << e->signal.def->note
                    << "\n";
        }
      }
    }
  }
  return 0;
}

int RunRulesSignals(const CommonOptions& options, bool json) {
  const auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  alerting::PromOptions prom;
  prom.prefix = config->metrics.prefix;
  const std::string& segment_label = config->metrics.segment_label;
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const alerting::SignalDef& s : alerting::Signals()) {
      out.push_back({{"name", s.name},
                     {"description", s.description},
                     {"unit", s.unit},
                     {"needs_range", s.needs_range()},
                     {"labels", alerting::SignalLabels(s, segment_label)},
                     {"extra_labels", s.extra_labels},
                     {"filter_labels", s.filter_labels},
                     {"kind", alerting::RecipeKindName(s.recipe.kind)},
                     {"series", alerting::SignalSeriesNames(s, prom)},
                     {"promql", alerting::SignalToPromQL(ExampleUse(s), segment_label, prom)},
                     {"available", s.available},
                     {"note", s.note}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const alerting::SignalDef& s : alerting::Signals()) {
    const auto labels = alerting::SignalLabels(s, segment_label);
    std::cout << s.name << (s.needs_range() ? "[range]" : "") << "  (" << s.unit
              << (labels.empty() ? "" : "; by " + JoinStrings(labels)) << ")"
              << (s.available ? "" : "  [no data yet]") << "\n    " << s.description << "\n    "
              << alerting::SignalToPromQL(ExampleUse(s), segment_label, prom) << "\n";
  }
  return 0;
}

}  // namespace mw::cli
