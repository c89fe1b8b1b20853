// Annotation templates: the subset of Prometheus' alert templates (Go text/template) that
// modelwatch expands itself, written so the same text means the same in Prometheus after export.
//
// Supported actions (spaces inside the braces are optional):
//   {{ $value }}                      the alert's value, printed as Go prints a float64 (%v)
//   {{ $labels.NAME }}                a label of the alert ("" when it has none)
//   {{ $value | humanize }}           1234567 -> 1.235M, 0.0123 -> 12.3m      (Prometheus')
//   {{ $value | humanizePercentage }} 0.0731 -> 7.31%
//   {{ $value | humanizeDuration }}   93784 -> 1d 2h 3m 4s, 0.25 -> 250ms
//   {{ $value | printf "%.2f" }}      one verb f, e, g (or E, G) with optional flags (- + space
//                                     0), width and precision; %% for a percent sign
// and the call forms {{ humanize $value }}, {{ printf "%.2f" $value }} (likewise for the other
// functions). Anything else between {{ and }} is an error at load time.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::alerting {

// OK, or kInvalidArgument naming the first bad action: `{{ $value | round }}: unknown function
// "round"`.
Status CheckTemplate(std::string_view tmpl);

// The label names the template refers to ($labels.NAME), in order, repeats removed. Only
// meaningful for a template that passes CheckTemplate.
std::vector<std::string> TemplateLabels(std::string_view tmpl);

// The template with every $labels.`from` reference renamed to $labels.`to`; the rest unchanged.
std::string RenameTemplateLabel(std::string_view tmpl, std::string_view from, std::string_view to);

// Expands `tmpl` for one alert. Actions CheckTemplate would reject are copied unchanged.
std::string ExpandTemplate(std::string_view tmpl, double value,
                           const std::map<std::string, std::string>& labels);

// A float64 as Go's fmt prints it with %v (and Prometheus prints {{ $value }}): the shortest
// digits that read back exactly, in exponent form when the decimal exponent is below -4 or at
// least 6: 100000, 1e+06, 1.23456789e+08, 0.0001, 1e-05; NaN, +Inf, -Inf.
std::string FormatGoFloat(double value);

}  // namespace mw::alerting
