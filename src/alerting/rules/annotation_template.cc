#include "alerting/rules/annotation_template.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>

namespace mw::alerting {
namespace {

enum class Func { kNone, kHumanize, kHumanizePercentage, kHumanizeDuration, kPrintf };

// One parsed {{ ... }} action.
struct Action {
  bool is_label = false;  // $labels.NAME, else $value
  std::string label;
  Func func = Func::kNone;
  std::string format;  // kPrintf, unescaped
};

// A printf format with exactly one float verb.
struct Verb {
  std::string prefix, suffix;  // literal text around the verb, %% already reduced to %
  bool minus = false, plus = false, space = false, zero = false;
  int width = -1, precision = -1;
  char conversion = 'g';
};

std::optional<Verb> ParseFormat(std::string_view f, std::string& error) {
  Verb v;
  bool seen = false;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      (seen ? v.suffix : v.prefix) += f[i];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      (seen ? v.suffix : v.prefix) += '%';
      ++i;
      continue;
    }
    if (seen) {
      error = "printf takes one value: the format has more than one verb";
      return std::nullopt;
    }
    seen = true;
    ++i;
    for (; i < f.size() && std::string_view("-+ 0").find(f[i]) != std::string_view::npos; ++i) {
      v.minus |= f[i] == '-';
      v.plus |= f[i] == '+';
      v.space |= f[i] == ' ';
      v.zero |= f[i] == '0';
    }
    auto read_int = [&](int& out) {
      if (i >= f.size() || !std::isdigit(static_cast<unsigned char>(f[i]))) return false;
      out = 0;
      while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])) && out < 1000) {
        out = out * 10 + (f[i++] - '0');
      }
      return true;
    };
    read_int(v.width);
    if (i < f.size() && f[i] == '.') {
      ++i;
      if (!read_int(v.precision)) v.precision = 0;
    }
    if (i >= f.size() || std::string_view("feEgG").find(f[i]) == std::string_view::npos) {
      error = "printf supports the verbs %f, %e, %E, %g, %G only";
      return std::nullopt;
    }
    if (v.width > 100 || v.precision > 100) {
      error = "printf width and precision are at most 100";
      return std::nullopt;
    }
    v.conversion = f[i];
  }
  if (!seen) {
    error = "printf needs a verb for the value (%f, %e or %g)";
    return std::nullopt;
  }
  return v;
}

// Go's %g / %G / %v without precision: the shortest exact digits, exponent form when the
// exponent is < -4 or >= 6. `value` is finite.
std::string ShortestG(double value, bool upper) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view s(buf, end - buf);  // [-]d[.ddd]e(+|-)dd
  const size_t e = s.find('e');
  std::string_view mantissa = s.substr(0, e);
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
  std::string out;
  if (!mantissa.empty() && mantissa[0] == '-') {
    out = "-";
    mantissa.remove_prefix(1);
  }
  if (exponent < -4 || exponent >= 6) {
    out += mantissa;
    out += upper ? 'E' : 'e';
    out += exponent < 0 ? '-' : '+';
    const int abs_exp = exponent < 0 ? -exponent : exponent;
    if (abs_exp < 10) out += '0';
    out += std::to_string(abs_exp);
    return out;
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  if (exponent < 0) {
    out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      out += digits + std::string(int_digits - digits.size(), '0');
    } else {
      out += digits.substr(0, int_digits) + "." + digits.substr(int_digits);
    }
  }
  return out;
}

// fmt.Sprintf(format, value) for a format ParseFormat accepted.
std::string GoSprintf(const Verb& v, double value) {
  std::string body;
  if (std::isnan(value) || std::isinf(value)) {
    // Go: NaN, +Inf, -Inf; flags add a sign to NaN only; padding is with spaces.
    body = std::isnan(value) ? (v.plus    ? "+NaN"
                                : v.space ? " NaN"
                                          : "NaN")
                             : (value > 0 ? "+Inf" : "-Inf");
    if (v.width > static_cast<int>(body.size())) {
      const std::string pad(static_cast<size_t>(v.width) - body.size(), ' ');
      body = v.minus ? body + pad : pad + body;
    }
    return v.prefix + body + v.suffix;
  }
  if ((v.conversion == 'g' || v.conversion == 'G') && v.precision < 0) {
    body = ShortestG(value, v.conversion == 'G');
    std::string sign;
    if (body[0] == '-') {
      sign = "-";
      body.erase(0, 1);
    } else if (v.plus) {
      sign = "+";
    } else if (v.space) {
      sign = " ";
    }
    const size_t len = sign.size() + body.size();
    if (v.width > static_cast<int>(len)) {
      const size_t pad = static_cast<size_t>(v.width) - len;
      if (v.minus) {
        body = sign + body + std::string(pad, ' ');
      } else if (v.zero) {
        body = sign + std::string(pad, '0') + body;
      } else {
        body = std::string(pad, ' ') + sign + body;
      }
    } else {
      body = sign + body;
    }
    return v.prefix + body + v.suffix;
  }
  std::string spec = "%";
  if (v.minus) spec += '-';
  if (v.plus) spec += '+';
  if (v.space) spec += ' ';
  if (v.zero && !v.minus) spec += '0';
  if (v.width >= 0) spec += std::to_string(v.width);
  if (v.precision >= 0) spec += "." + std::to_string(v.precision);
  spec += v.conversion;
  char buf[512];
  std::snprintf(buf, sizeof buf, spec.c_str(), value);
  return v.prefix + buf + v.suffix;
}

// fmt.Sprintf("%.4g", v) + suffix.
std::string G4(double v, std::string_view suffix = "") {
  Verb verb;
  verb.precision = 4;
  verb.suffix = std::string(suffix);
  return GoSprintf(verb, v);
}

constexpr const char* kLargePrefixes[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
constexpr const char* kSmallPrefixes[] = {"m", "u", "n", "p", "f", "a", "z", "y"};

std::string ScaleDown(double v, std::string_view unit) {
  std::string prefix;
  for (const char* p : kSmallPrefixes) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v, prefix + std::string(unit));
}

// Prometheus' template functions (template/template.go).
std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : kLargePrefixes) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v, prefix);
  }
  return ScaleDown(v, "");
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v, "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v): truncation; out of range it yields the minimum int64 on amd64.
    const int64_t duration =
        v < 9223372036854775808.0 ? static_cast<int64_t>(v) : std::numeric_limits<int64_t>::min();
    const int64_t seconds = duration % 60, minutes = (duration / 60) % 60,
                  hours = (duration / 60 / 60) % 24, days = duration / 60 / 60 / 24;
    char buf[160];
    if (days != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign.c_str(),
                    static_cast<long long>(days), static_cast<long long>(hours),
                    static_cast<long long>(minutes), static_cast<long long>(seconds));
    } else if (hours != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign.c_str(),
                    static_cast<long long>(hours), static_cast<long long>(minutes),
                    static_cast<long long>(seconds));
    } else if (minutes != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign.c_str(), static_cast<long long>(minutes),
                    static_cast<long long>(seconds));
    } else {
      return sign + G4(v, "s");
    }
    return buf;
  }
  return ScaleDown(v, "s");
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Splits an action body into words: $value, $labels.x, identifiers, "|", string literals
// (returned with their quotes, unescaped inside).
struct Word {
  std::string text;
  bool is_string = false;
};

bool SplitWords(std::string_view body, std::vector<Word>& words, std::string& error) {
  size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '|') {
      words.push_back({"|", false});
      ++i;
    } else if (c == '"' || c == '`') {
      std::string value;
      size_t j = i + 1;
      for (; j < body.size() && body[j] != c; ++j) {
        if (c == '"' && body[j] == '\\' && j + 1 < body.size()) {
          const char e = body[++j];
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          value += body[j];
        }
      }
      if (j >= body.size()) {
        error = "unterminated string";
        return false;
      }
      words.push_back({value, true});
      i = j + 1;
    } else {
      size_t j = i;
      while (j < body.size() && !std::isspace(static_cast<unsigned char>(body[j])) &&
             body[j] != '|' && body[j] != '"' && body[j] != '`') {
        ++j;
      }
      words.push_back({std::string(body.substr(i, j - i)), false});
      i = j;
    }
  }
  return true;
}

std::optional<Func> FuncNamed(std::string_view name) {
  if (name == "humanize") return Func::kHumanize;
  if (name == "humanizePercentage") return Func::kHumanizePercentage;
  if (name == "humanizeDuration") return Func::kHumanizeDuration;
  if (name == "printf") return Func::kPrintf;
  return std::nullopt;
}

// Parses the text between {{ and }}.
std::optional<Action> ParseAction(std::string_view body, std::string& error) {
  std::vector<Word> words;
  if (!SplitWords(body, words, error)) return std::nullopt;
  Action a;
  size_t i = 0;
  auto take_argument = [&]() {
    if (i >= words.size() || words[i].is_string) return false;
    const std::string& w = words[i].text;
    if (w == "$value") {
      ++i;
      return true;
    }
    if (w.starts_with("$labels.") && IsLabelName(std::string_view(w).substr(8))) {
      a.is_label = true;
      a.label = w.substr(8);
      ++i;
      return true;
    }
    return false;
  };
  auto take_function = [&]() -> bool {
    if (i >= words.size() || words[i].is_string) return false;
    const auto f = FuncNamed(words[i].text);
    if (!f) {
      error = "unknown function \"" + words[i].text + "\"";
      return false;
    }
    a.func = *f;
    ++i;
    if (*f == Func::kPrintf) {
      if (i >= words.size() || !words[i].is_string) {
        error = "printf needs a quoted format, e.g. printf \"%.2f\"";
        return false;
      }
      a.format = words[i++].text;
    }
    return true;
  };
  if (words.empty()) {
    error = "empty action";
    return std::nullopt;
  }
  if (take_argument()) {
    if (i < words.size()) {
      if (words[i].text != "|" || words[i].is_string) {
        error = "unexpected \"" + words[i].text + "\"";
        return std::nullopt;
      }
      ++i;
      if (!take_function()) {
        if (error.empty()) error = "expected a function after \"|\"";
        return std::nullopt;
      }
    }
  } else if (!words[0].is_string && words[0].text.starts_with("$")) {
    error = "unknown variable \"" + words[0].text + "\" (use $value or $labels.NAME)";
    return std::nullopt;
  } else {
    if (!take_function()) return std::nullopt;
    if (!take_argument()) {
      error = "expected $value after the function";
      return std::nullopt;
    }
  }
  if (i != words.size()) {
    error = "unsupported: \"" + words[i].text + "\" (one function per action)";
    return std::nullopt;
  }
  if (a.func != Func::kNone && a.is_label) {
    error = "functions apply to $value only";
    return std::nullopt;
  }
  if (a.func == Func::kPrintf && !ParseFormat(a.format, error)) return std::nullopt;
  return a;
}

// Calls `on_text(literal)` and `on_action(raw_action_including_braces, body)` in order. False
// (with `error`) at an unclosed {{.
template <typename OnText, typename OnAction>
bool Walk(std::string_view tmpl, OnText on_text, OnAction on_action) {
  size_t pos = 0;
  while (pos < tmpl.size()) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) break;
    on_text(tmpl.substr(pos, open - pos));
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      on_action(tmpl.substr(open), std::string_view(), false);
      return false;
    }
    on_action(tmpl.substr(open, close + 2 - open), tmpl.substr(open + 2, close - open - 2), true);
    pos = close + 2;
  }
  on_text(tmpl.substr(std::min(pos, tmpl.size())));
  return true;
}

std::string Render(const Action& a, double value,
                   const std::map<std::string, std::string>& labels) {
  if (a.is_label) {
    auto it = labels.find(a.label);
    return it == labels.end() ? std::string() : it->second;
  }
  switch (a.func) {
    case Func::kNone:
      return FormatGoFloat(value);
    case Func::kHumanize:
      return Humanize(value);
    case Func::kHumanizePercentage:
      return G4(value * 100, "%");
    case Func::kHumanizeDuration:
      return HumanizeDuration(value);
    case Func::kPrintf: {
      std::string error;
      const auto verb = ParseFormat(a.format, error);
      return verb ? GoSprintf(*verb, value) : a.format;
    }
  }
  return std::string();
}

}  // namespace

std::string FormatGoFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return ShortestG(value, false);
}

Status CheckTemplate(std::string_view tmpl) {
  Status status;
  const bool closed = Walk(
      tmpl, [](std::string_view) {},
      [&](std::string_view raw, std::string_view body, bool complete) {
        if (!status.ok()) return;
        if (!complete) {
          status = InvalidArgument("\"{{\" without \"}}\"");
          return;
        }
        std::string error;
        if (!ParseAction(body, error)) {
          status = InvalidArgument(std::string(raw) + ": " + error);
        }
      });
  if (!closed && status.ok()) return InvalidArgument("\"{{\" without \"}}\"");
  return status;
}

std::vector<std::string> TemplateLabels(std::string_view tmpl) {
  std::vector<std::string> out;
  Walk(
      tmpl, [](std::string_view) {},
      [&](std::string_view, std::string_view body, bool complete) {
        std::string error;
        if (!complete) return;
        const auto a = ParseAction(body, error);
        if (a && a->is_label && std::find(out.begin(), out.end(), a->label) == out.end()) {
          out.push_back(a->label);
        }
      });
  return out;
}

std::string RenameTemplateLabel(std::string_view tmpl, std::string_view from, std::string_view to) {
  std::string out;
  const std::string old_ref = "$labels." + std::string(from);
  const std::string new_ref = "$labels." + std::string(to);
  Walk(
      tmpl, [&](std::string_view text) { out += text; },
      [&](std::string_view raw, std::string_view, bool) {
        std::string action(raw);
        size_t at = action.find(old_ref);
        while (at != std::string::npos) {
          const size_t after = at + old_ref.size();
          const bool whole =
              after >= action.size() ||
              !(std::isalnum(static_cast<unsigned char>(action[after])) || action[after] == '_');
          if (whole) action.replace(at, old_ref.size(), new_ref);
          at = action.find(old_ref, at + (whole ? new_ref.size() : 1));
        }
        out += action;
      });
  return out;
}

std::string ExpandTemplate(std::string_view tmpl, double value,
                           const std::map<std::string, std::string>& labels) {
  std::string out;
  Walk(
      tmpl, [&](std::string_view text) { out += text; },
      [&](std::string_view raw, std::string_view body, bool complete) {
        std::string error;
        const auto a = complete ? ParseAction(body, error) : std::nullopt;
        out += a ? Render(*a, value, labels) : std::string(raw);
      });
  return out;
}

}  // namespace mw::alerting
