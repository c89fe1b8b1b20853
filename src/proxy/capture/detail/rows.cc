#include "proxy/capture/detail/rows.h"

#include "proxy/capture/detail/features.h"
#include "proxy/capture/extract.h"

namespace mw::proxy::detail {
namespace {

// The name of the one feature of a scalar row: the parameter or header it came from.
std::string_view ScalarFeatureName(const Source& source) {
  return source.kind == Source::Kind::kPath || source.kind == Source::Kind::kHeader
             ? std::string_view(source.value)
             : std::string_view("value");
}

std::string_view PredictionNumber(const JsonNode& node, double* out) {
  if (node.kind == JsonKind::kNonFinite) return kDropInvalid;
  if (node.kind != JsonKind::kNumber) return kDropPredictionNotScalar;
  *out = node.number;
  return {};
}

}  // namespace

std::string_view PredictionOf(const Value& value, std::optional<int> output_index, double* out) {
  if (value.missing) return kDropNoPrediction;
  const JsonNode* node = value.json();
  if (node == nullptr) return kDropPredictionNotScalar;  // text: a constant, parameter or header
  if (node->kind != JsonKind::kArray) return PredictionNumber(*node, out);
  if (!output_index || *output_index < 0 || static_cast<uint32_t>(*output_index) >= node->size) {
    return kDropPredictionNotScalar;
  }
  const std::optional<uint32_t> element =
      value.tree->Child(value.node, std::to_string(*output_index));
  return PredictionNumber(value.tree->node(*element), out);
}

std::string_view ExplicitRows(const CaptureSpec& spec, ExchangeReader& reader, Rows* rows) {
  if (!spec.prediction) return kDropNoPrediction;  // features alone: nothing to log
  const Resolved predictions = reader.Resolve(*spec.prediction);
  if (predictions.outcome == Resolved::Outcome::kInvalid) return kDropInvalid;
  if (predictions.outcome == Resolved::Outcome::kMissing) return kDropNoPrediction;
  Resolved features;
  if (spec.features) {
    features = reader.Resolve(*spec.features);
    if (features.outcome != Resolved::Outcome::kFound) return kDropInvalid;
    if (features.batch != predictions.batch ||
        features.values.size() != predictions.values.size()) {
      return kDropBatchMismatch;
    }
  }
  const size_t count = predictions.values.size();
  rows->batch = predictions.batch;
  rows->predictions.resize(count);
  rows->features.reserve(count);
  for (size_t row = 0; row < count; ++row) {
    const std::string_view reason =
        PredictionOf(predictions.values[row], spec.output_index, &rows->predictions[row]);
    if (!reason.empty()) return reason;
    FeatureWriter writer;
    if (spec.features && !writer.AddRow(features.values[row], ScalarFeatureName(*spec.features),
                                        spec.feature_names)) {
      return kDropInvalid;
    }
    std::optional<std::string> json = writer.Finish();
    if (!json) return kDropInvalid;
    rows->features.push_back(std::move(*json));
  }
  return {};
}

}  // namespace mw::proxy::detail
