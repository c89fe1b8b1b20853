// Annotation templates (alerting/rules/annotation_template.h): the `annotations` of a rule, checked
// when rules load and expanded for every notification. The whole input is the template; it is
// checked, its labels listed and renamed, and expanded for a few values (the first 8 input bytes,
// read as a double, are one of them).
//
// Checked besides memory safety: FormatGoFloat's promise that its digits read back exactly.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <string>

#include "alerting/rules/annotation_template.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view tmpl = mw::fuzz::AsText(data, size);
  const bool valid = mw::alerting::CheckTemplate(tmpl).ok();
  if (valid) (void)mw::alerting::TemplateLabels(tmpl);
  (void)mw::alerting::RenameTemplateLabel(tmpl, "segment", "shop");

  double from_bytes = 0;
  if (size >= sizeof from_bytes) std::memcpy(&from_bytes, data, sizeof from_bytes);
  const std::map<std::string, std::string> labels = {{"alertname", "HighErrorRate"},
                                                     {"model", "churn"},
                                                     {"segment", "eu"},
                                                     {"severity", "warning"}};
  for (const double value : {0.0, -0.0, 0.0731, 93784.0, 1234567.0, -1e300, 5e-324,
                             std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(), from_bytes}) {
    (void)mw::alerting::ExpandTemplate(tmpl, value, labels);
  }

  const std::string go = mw::alerting::FormatGoFloat(from_bytes);
  if (std::isfinite(from_bytes)) {
    FUZZ_CHECK(std::strtod(go.c_str(), nullptr) == from_bytes);
  } else {
    FUZZ_CHECK(go == "NaN" || go == "+Inf" || go == "-Inf");
  }
  return 0;
}
