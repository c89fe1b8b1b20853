// The rows of an exchange: each row's features object and prediction, from the spec's features
// and prediction sources (ExplicitRows) or from a detected body shape (DetectedRows). The rules
// are extract.h's; each function returns "" or the kDrop… reason, and fills `rows` on "".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/capture/detail/exchange_reader.h"
#include "proxy/capture/spec.h"

namespace mw::proxy::detail {

struct Rows {
  std::vector<std::string> features;   // per row: the "features" object's JSON text
  std::vector<double> predictions;     // per row: finite
  bool batch = false;                  // the rows come from an array axis: ids get "-<row>"
  std::optional<std::string_view> id;  // Open Inference v2's request "id": the base of the ids
};

// Rows from spec.features / spec.prediction (at least one of them set).
std::string_view ExplicitRows(const CaptureSpec& spec, ExchangeReader& reader, Rows* rows);

// Rows from an Open Inference v2 or KServe V1 exchange (neither source set).
std::string_view DetectedRows(const CaptureSpec& spec, ExchangeReader& reader, Rows* rows);

// The prediction `value` holds: a finite number; of an array, its `output_index`-th element.
// "" (with *out set), or no_prediction (missing), invalid (non-finite) or prediction_not_scalar.
std::string_view PredictionOf(const Value& value, std::optional<int> output_index, double* out);

}  // namespace mw::proxy::detail
