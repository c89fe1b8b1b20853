#include "alerting/rules/annotation_template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mw::alerting {
namespace {

const std::map<std::string, std::string> kLabels = {{"model", "churn"}, {"segment", "eu"}};

std::string Expand(std::string_view tmpl, double value) {
  EXPECT_TRUE(CheckTemplate(tmpl).ok()) << tmpl << ": " << CheckTemplate(tmpl).message();
  return ExpandTemplate(tmpl, value, kLabels);
}

std::string CheckError(std::string_view tmpl) {
  const Status s = CheckTemplate(tmpl);
  EXPECT_FALSE(s.ok()) << tmpl;
  return s.message();
}

TEST(AnnotationTemplateTest, ValueAndLabels) {
  EXPECT_EQ(Expand("MAE {{ $value }} on {{ $labels.model }}/{{$labels.segment}}", 0.25),
            "MAE 0.25 on churn/eu");
  EXPECT_EQ(Expand("{{ $labels.missing }}|", 1), "|");
  EXPECT_EQ(Expand("no actions at all }} {", 1), "no actions at all }} {");
}

TEST(AnnotationTemplateTest, GoFloatFormatting) {
  EXPECT_EQ(FormatGoFloat(0), "0");
  EXPECT_EQ(FormatGoFloat(-0.0), "-0");
  EXPECT_EQ(FormatGoFloat(1), "1");
  EXPECT_EQ(FormatGoFloat(0.1), "0.1");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(123456789), "1.23456789e+08");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(1.2345e-5), "1.2345e-05");
  EXPECT_EQ(FormatGoFloat(-93784.5), "-93784.5");
  EXPECT_EQ(FormatGoFloat(1e100), "1e+100");
  EXPECT_EQ(FormatGoFloat(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatGoFloat(INFINITY), "+Inf");
  EXPECT_EQ(FormatGoFloat(-INFINITY), "-Inf");
}

TEST(AnnotationTemplateTest, HumanizeFunctions) {
  EXPECT_EQ(Expand("{{ $value | humanize }}", 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ humanize $value }}", 0.0123), "12.3m");
  EXPECT_EQ(Expand("{{ $value | humanize }}", 0), "0");
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}", 0.0731), "7.31%");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 93784.5), "1d 2h 3m 4s");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 3.5), "3.5s");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 0.25), "250ms");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", -61), "-1m 1s");
  EXPECT_EQ(Expand("{{ $value | humanizeDuration }}", 0), "0s");
}

TEST(AnnotationTemplateTest, Printf) {
  EXPECT_EQ(Expand(R"({{ $value | printf "%.2f" }})", 3.14159), "3.14");
  EXPECT_EQ(Expand(R"({{ printf "%.1f%%" $value }})", 7.25), "7.2%");
  EXPECT_EQ(Expand(R"({{ printf "%e" $value }})", 1234.5), "1.234500e+03");
  EXPECT_EQ(Expand(R"({{ printf "%g" $value }})", 0.123456789), "0.123456789");
  EXPECT_EQ(Expand(R"({{ printf "%+8g|" $value }})", 1.5), "    +1.5|");
  EXPECT_EQ(Expand(R"({{ printf "%-6.1f|" $value }})", 2), "2.0   |");
  EXPECT_EQ(Expand(R"({{ printf "%06.2f" $value }})", -1.5), "-01.50");
  EXPECT_EQ(Expand(R"({{ printf "%.2f" $value }})", NAN), "NaN");
  EXPECT_EQ(Expand(R"({{ printf "%7.2f" $value }})", INFINITY), "   +Inf");
  EXPECT_EQ(Expand("{{ printf `%.3g` $value }}", 1234), "1.23e+03");
}

TEST(AnnotationTemplateTest, RejectsWhatItDoesNotSupport) {
  EXPECT_EQ(CheckError("{{ $value | round }}"), "{{ $value | round }}: unknown function \"round\"");
  EXPECT_EQ(CheckError("a {{ .Value }}"), "{{ .Value }}: unknown function \".Value\"");
  EXPECT_EQ(CheckError("{{ $externalLabels.x }}"),
            "{{ $externalLabels.x }}: unknown variable \"$externalLabels.x\" (use $value or "
            "$labels.NAME)");
  EXPECT_EQ(CheckError("{{ $value"), "\"{{\" without \"}}\"");
  EXPECT_EQ(CheckError("{{ }}"), "{{ }}: empty action");
  EXPECT_EQ(CheckError(R"({{ printf "%d" $value }})"),
            R"({{ printf "%d" $value }}: printf supports the verbs %f, %e, %E, %g, %G only)");
  EXPECT_EQ(
      CheckError(R"({{ printf "%f %f" $value }})"),
      R"({{ printf "%f %f" $value }}: printf takes one value: the format has more than one verb)");
  EXPECT_EQ(CheckError(R"({{ printf "value" $value }})"),
            R"({{ printf "value" $value }}: printf needs a verb for the value (%f, %e or %g))");
  EXPECT_EQ(CheckError("{{ printf $value }}"),
            "{{ printf $value }}: printf needs a quoted format, e.g. printf \"%.2f\"");
  EXPECT_EQ(CheckError("{{ $labels.model | humanize }}"),
            "{{ $labels.model | humanize }}: functions apply to $value only");
  EXPECT_EQ(CheckError("{{ $value | humanize | humanize }}"),
            "{{ $value | humanize | humanize }}: unsupported: \"|\" (one function per action)");
  EXPECT_EQ(CheckError("{{ humanize }}"), "{{ humanize }}: expected $value after the function");
  EXPECT_EQ(CheckError("{{ $value $value }}"), "{{ $value $value }}: unexpected \"$value\"");
}

TEST(AnnotationTemplateTest, UnsupportedActionsAreCopiedWhenExpanding) {
  EXPECT_EQ(ExpandTemplate("x {{ .Value }} {{ $value }}", 2, kLabels), "x {{ .Value }} 2");
  EXPECT_EQ(ExpandTemplate("x {{ $value", 2, kLabels), "x {{ $value");
}

TEST(AnnotationTemplateTest, TemplateLabelsAndRename) {
  const std::string t =
      "{{ $labels.segment }} {{$labels.model}} {{ $labels.segment_group }} {{ $labels.segment }}";
  EXPECT_EQ(TemplateLabels(t), (std::vector<std::string>{"segment", "model", "segment_group"}));
  EXPECT_EQ(RenameTemplateLabel(t, "segment", "restaurant_id"),
            "{{ $labels.restaurant_id }} {{$labels.model}} {{ $labels.segment_group }} "
            "{{ $labels.restaurant_id }}");
  // Text outside actions is never touched.
  EXPECT_EQ(RenameTemplateLabel("$labels.segment", "segment", "x"), "$labels.segment");
}

}  // namespace
}  // namespace mw::alerting
