#include "alerting/rules/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "alerting/rules/annotation_template.h"
#include "common/duration.h"
#include "common/strings.h"
#include "config/yaml_error.h"

namespace mw::alerting {
namespace {

std::string InQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool IsPrometheusLabelName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Prometheus accepts alert names that are valid metric names.
bool IsAlertName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

// "5m", "1h", ...; also "0", "0s", ... for `for`. nullopt when not a duration.
std::optional<int64_t> ParseRuleDuration(const std::string& text, bool allow_zero) {
  if (text.empty()) return std::nullopt;
  if (allow_zero) {
    const size_t digits = text.find_first_not_of('0');
    const std::string_view unit =
        digits == std::string::npos ? "" : std::string_view(text).substr(digits);
    if (digits != 0 && (unit.empty() || unit == "ms" || unit == "s" || unit == "m" || unit == "h" ||
                        unit == "d" || unit == "w")) {
      return 0;
    }
  }
  return ParseDurationMillis(text);
}

// Collects errors for one file.
class Loader {
 public:
  Loader(const RuleOptions& options, std::vector<RuleError>& errors)
      : options_(options), errors_(errors) {}

  void Add(const YAML::Node& at, std::string message) {
    const YAML::Mark m = at.Mark();
    errors_.push_back(
        {m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, std::move(message)});
  }

  // Reports keys outside `allowed` and repeated keys. `where` prefixes the messages.
  void CheckKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                 const std::string& where) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      if (!seen.insert(key).second) {
        Add(it->first, where + key + ": repeated key");
      } else if (key == "record" && allowed.count("alert")) {
        Add(it->first, "record: recording rules are not supported; modelwatch rules are alerts");
      } else if (!allowed.count(key)) {
        Add(it->first, where + InQuotes(key) + ": unknown key (expected " +
                           JoinStrings(std::vector<std::string>(allowed.begin(), allowed.end())) +
                           ")");
      }
    }
  }

  // The scalar at map[key] as text; reports a missing (when required) or non-text value.
  std::optional<std::string> Text(const YAML::Node& map, const std::string& key,
                                  const std::string& where, bool required) {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) Add(node.IsDefined() ? node : map, where + key + ": missing");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      Add(node, where + key + ": expected text, found a " + (node.IsMap() ? "map" : "list"));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<RuleSet> Load(const YAML::Node& root, std::string_view file_name) {
    RuleSet set;
    set.file_name = std::string(file_name);
    if (!root.IsDefined() || root.IsNull()) {
      errors_.push_back({1, 1, "the file is empty; expected \"groups:\""});
      return std::nullopt;
    }
    if (!root.IsMap()) {
      Add(root, "expected a map with \"groups:\"");
      return std::nullopt;
    }
    CheckKeys(root, {"groups"}, "");
    const YAML::Node groups = root["groups"];
    if (!groups.IsDefined() || groups.IsNull()) {
      Add(root, "groups: missing");
    } else if (!groups.IsSequence()) {
      Add(groups, "groups: expected a list of groups");
    } else {
      std::map<std::string, int> group_lines;
      for (const YAML::Node& g : groups) {
        if (auto group = LoadGroup(g, group_lines)) set.groups.push_back(std::move(*group));
      }
    }
    if (!errors_.empty()) return std::nullopt;
    return set;
  }

 private:
  std::optional<RuleGroup> LoadGroup(const YAML::Node& g, std::map<std::string, int>& lines) {
    if (!g.IsMap()) {
      Add(g, "groups: each group is a map with name and rules");
      return std::nullopt;
    }
    RuleGroup group;
    group.line = g.Mark().line + 1;
    const size_t before = errors_.size();
    CheckKeys(g, {"name", "interval", "rules"}, "group ");
    if (auto name = Text(g, "name", "group ", true)) {
      group.name = *name;
      if (name->empty()) Add(g["name"], "group name: must not be empty");
      auto [it, fresh] = lines.emplace(*name, group.line);
      if (!fresh) {
        Add(g["name"], "group name: " + InQuotes(*name) + " is already used at line " +
                           std::to_string(it->second));
      }
    }
    if (auto interval = Text(g, "interval", "", false)) {
      const auto ms = ParseRuleDuration(*interval, false);
      if (!ms) Add(g["interval"], "interval: bad duration " + InQuotes(*interval) + DurationHint());
      group.interval_ms = ms.value_or(0);
    }
    const YAML::Node rules = g["rules"];
    if (!rules.IsDefined() || rules.IsNull()) {
      Add(g, "rules: missing");
    } else if (!rules.IsSequence()) {
      Add(rules, "rules: expected a list of rules");
    } else if (rules.size() == 0) {
      Add(rules, "rules: a group needs at least one rule");
    } else {
      for (const YAML::Node& r : rules) {
        if (auto rule = LoadRule(r)) group.rules.push_back(std::move(*rule));
      }
    }
    if (errors_.size() != before) return std::nullopt;
    return group;
  }

  static std::string DurationHint() { return " (one number and a unit: 30s, 5m, 1h, 1d)"; }

  std::optional<Rule> LoadRule(const YAML::Node& r) {
    if (!r.IsMap()) {
      Add(r, "rules: each rule is a map with alert, expr, labels and annotations");
      return std::nullopt;
    }
    const size_t before = errors_.size();
    Rule rule;
    rule.line = r.Mark().line + 1;
    CheckKeys(r, {"alert", "expr", "for", "labels", "annotations"}, "");
    if (auto alert = Text(r, "alert", "", !r["record"].IsDefined())) {
      rule.alert = *alert;
      if (!IsAlertName(*alert)) {
        Add(r["alert"], "alert: " + InQuotes(*alert) +
                            " is not a valid alert name (letters, digits, _ and :, not starting "
                            "with a digit)");
      }
    }
    bool have_condition = false;
    if (auto expr = Text(r, "expr", "", true)) {
      rule.expr = *expr;
      auto parsed = ParseCondition(*expr, ConditionOptions{options_.segment_label});
      if (parsed) {
        rule.condition = std::move(*parsed);
        have_condition = true;
      } else {
        Add(r["expr"], "expr: " + parsed.error().message());
      }
    }
    if (auto for_text = Text(r, "for", "", false)) {
      const auto ms = ParseRuleDuration(*for_text, true);
      if (!ms) Add(r["for"], "for: bad duration " + InQuotes(*for_text) + DurationHint());
      rule.for_ms = ms.value_or(0);
    }
    LoadLabels(r, rule);
    LoadAnnotations(r, rule, have_condition);
    if (errors_.size() != before) return std::nullopt;
    if (!CheckUnique(r, rule)) return std::nullopt;
    return rule;
  }

  void LoadLabels(const YAML::Node& r, Rule& rule) {
    const YAML::Node labels = r["labels"];
    if (!labels.IsDefined() || labels.IsNull()) {
      Add(r, "labels: missing (a rule needs labels: {severity: info|warning|critical})");
      return;
    }
    if (!labels.IsMap()) {
      Add(labels, "labels: expected a map");
      return;
    }
    CheckKeysRepeat(labels, "labels.");
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string where = "labels." + name + ": ";
      if (!IsPrometheusLabelName(name) || name.starts_with("__")) {
        Add(it->first, where + "not a valid label name");
        continue;
      }
      if (name == "alertname") {
        Add(it->first, where + "set by the rule's alert name; remove it");
        continue;
      }
      if (!it->second.IsScalar()) {
        Add(it->second, where + "expected text");
        continue;
      }
      const std::string value = it->second.Scalar();
      if (value.find("{{") != std::string::npos) {
        Add(it->second, where + "templates are not supported in labels");
        continue;
      }
      rule.labels[name] = value;
    }
    const auto severity = rule.labels.find("severity");
    if (severity == rule.labels.end()) {
      Add(labels, "labels.severity: missing (info, warning or critical)");
    } else if (severity->second != "info" && severity->second != "warning" &&
               severity->second != "critical") {
      Add(labels["severity"],
          "severity must be info, warning or critical, not " + InQuotes(severity->second));
    }
  }

  void CheckKeysRepeat(const YAML::Node& map, const std::string& where) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        Add(it->first, where + ": keys must be text");
      } else if (!seen.insert(it->first.Scalar()).second) {
        Add(it->first, where + it->first.Scalar() + ": repeated key");
      }
    }
  }

  void LoadAnnotations(const YAML::Node& r, Rule& rule, bool have_condition) {
    const YAML::Node annotations = r["annotations"];
    if (!annotations.IsDefined() || annotations.IsNull()) {
      Add(r, "annotations: missing (summary and description are required)");
      return;
    }
    if (!annotations.IsMap()) {
      Add(annotations, "annotations: expected a map");
      return;
    }
    CheckKeysRepeat(annotations, "annotations.");
    // Labels a template's $labels can hold: the condition's series' labels. As in Prometheus,
    // not the rule's own labels nor alertname (those are only on the alert).
    std::vector<std::string> known;
    if (have_condition) known = PossibleLabels(rule.condition.root, options_.segment_label);
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());

    for (auto it = annotations.begin(); it != annotations.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string where = "annotations." + name + ": ";
      if (!IsPrometheusLabelName(name)) {
        Add(it->first, where + "not a valid annotation name");
        continue;
      }
      if (!it->second.IsScalar()) {
        Add(it->second, where + "expected text");
        continue;
      }
      std::string text = it->second.Scalar();
      if (Status s = CheckTemplate(text); !s.ok()) {
        Add(it->second, where + s.message());
        continue;
      }
      if (options_.segment_label != "segment") {
        text = RenameTemplateLabel(text, "segment", options_.segment_label);
      }
      for (const std::string& label : TemplateLabels(text)) {
        if (have_condition && !std::binary_search(known.begin(), known.end(), label)) {
          Add(it->second, where + "$labels." + label + ": the condition's series have no label " +
                              InQuotes(label) +
                              (known.empty() ? " (they have no labels)"
                                             : " (their labels: " + JoinStrings(known) + ")") +
                              "; $labels holds the series' labels, not the rule's labels");
        }
      }
      rule.annotations[name] = std::move(text);
    }
    for (const char* required : {"summary", "description"}) {
      auto it = rule.annotations.find(required);
      if (!annotations[required].IsDefined()) {
        Add(annotations, std::string("annotations.") + required + ": missing");
      } else if (it != rule.annotations.end() && it->second.empty()) {
        Add(annotations[required], std::string("annotations.") + required + ": must not be empty");
      }
    }
  }

  // Two rules must not produce the same alert identity.
  bool CheckUnique(const YAML::Node& r, const Rule& rule) {
    std::string key = rule.alert;
    for (const auto& [k, v] : rule.labels) key += '\x1f' + k + '\x1e' + v;
    auto [it, fresh] = identities_.emplace(key, rule.line);
    if (fresh) return true;
    Add(r["alert"], "alert " + rule.alert + " with the same labels is already defined at line " +
                        std::to_string(it->second) +
                        " (give one of them another name or severity)");
    return false;
  }

  const RuleOptions& options_;
  std::vector<RuleError>& errors_;
  std::map<std::string, int> identities_;  // alert + labels -> line
};

}  // namespace

size_t RuleSet::rule_count() const {
  size_t n = 0;
  for (const RuleGroup& g : groups) n += g.rules.size();
  return n;
}

std::string FormatRuleError(std::string_view file_name, const RuleError& error) {
  std::string out(file_name);
  if (error.line > 0) out += ":" + std::to_string(error.line);
  out += ": ";
  out += error.message;
  return out;
}

Result<RuleSet> LoadRules(std::string_view yaml_text, std::string_view file_name,
                          const RuleOptions& options, std::vector<RuleError>* errors) {
  std::vector<RuleError> local;
  std::vector<RuleError>& out = errors ? *errors : local;
  out.clear();
  std::optional<RuleSet> set;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    Loader loader(options, out);
    set = loader.Load(root, file_name);
  } catch (const YAML::Exception& e) {
    out.push_back({e.mark.line >= 0 ? e.mark.line + 1 : 0,
                   e.mark.column >= 0 ? e.mark.column + 1 : 0,
                   "YAML: " + config::YamlErrorText(e)});
  }
  if (set && out.empty()) return std::move(*set);
  std::stable_sort(out.begin(), out.end(),
                   [](const RuleError& a, const RuleError& b) { return a.line < b.line; });
  std::string message;
  for (const RuleError& e : out) {
    if (!message.empty()) message += '\n';
    message += FormatRuleError(file_name, e);
  }
  return InvalidArgument(message);
}

Result<RuleSet> LoadRulesFile(const std::string& path, const RuleOptions& options,
                              std::vector<RuleError>* errors) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unavailable(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Unavailable(path + ": read failed");
  return LoadRules(text.str(), path, options, errors);
}

}  // namespace mw::alerting
