// DetectedRows (rows.h): the Open Inference Protocol v2 and KServe V1 body shapes, for routes
// whose capture names no features and no prediction.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "proxy/capture/detail/features.h"
#include "proxy/capture/detail/rows.h"
#include "proxy/capture/extract.h"

namespace mw::proxy::detail {
namespace {

// One v2 tensor: its values in row-major order, `rows` of `per_row` each.
struct V2Tensor {
  std::string_view name;
  uint64_t rows = 0;
  uint64_t per_row = 0;
  std::vector<uint32_t> data;  // node indices of the scalar values
};

// Appends the scalars of `index` (nested arrays unrolled in order); false for an object inside.
// Bounded by the tree's depth.
bool FlattenTensorData(const JsonTree& tree, uint32_t index, std::vector<uint32_t>* out) {
  const JsonNode& node = tree.node(index);
  if (node.kind == JsonKind::kObject) return false;
  if (node.kind != JsonKind::kArray) {
    out->push_back(index);
    return true;
  }
  for (uint32_t child = tree.first_child(index); child != 0; child = tree.node(child).next) {
    if (!FlattenTensorData(tree, child, out)) return false;
  }
  return true;
}

// Reads {"name","shape","datatype","data"}: the first dimension of `shape` is the batch (a
// rank-0 tensor is one row), the product of the others the values per row. False when the
// tensor is malformed: no string name, a shape that is not non-negative integers, a zero
// dimension after the first (rows without values), or data whose count is not the shape's
// product. "datatype" is not read: the values speak for themselves (BYTES are strings, BOOL
// booleans, the rest numbers).
bool ReadV2Tensor(const JsonTree& tree, uint32_t index, V2Tensor* tensor) {
  const std::optional<uint32_t> name = tree.Child(index, "name");
  const std::optional<uint32_t> shape = tree.Child(index, "shape");
  const std::optional<uint32_t> data = tree.Child(index, "data");
  if (!name || !shape || !data || tree.node(*name).kind != JsonKind::kString ||
      tree.node(*shape).kind != JsonKind::kArray ||
      !FlattenTensorData(tree, *data, &tensor->data)) {
    return false;
  }
  tensor->name = tree.node(*name).text;
  // Doubles are exact for every count that can equal data.size(); a larger product is unequal.
  double rows = 1;
  double per_row = 1;
  bool first = true;
  for (uint32_t dim = tree.first_child(*shape); dim != 0; dim = tree.node(dim).next) {
    const JsonNode& node = tree.node(dim);
    if (node.kind != JsonKind::kNumber || node.number < 0 ||
        std::floor(node.number) != node.number) {
      return false;
    }
    (first ? rows : per_row) *= node.number;
    first = false;
  }
  if (per_row < 1 || rows * per_row != static_cast<double>(tensor->data.size())) return false;
  tensor->rows = static_cast<uint64_t>(rows);
  tensor->per_row = static_cast<uint64_t>(per_row);
  return true;
}

// True when `inputs` looks like v2 tensors: an array whose first element is an object with
// "name" and "data" (V1's "inputs" holds rows instead).
bool LooksLikeV2(const JsonTree& tree, std::optional<uint32_t> inputs) {
  if (!inputs || tree.node(*inputs).kind != JsonKind::kArray) return false;
  const uint32_t first = tree.first_child(*inputs);
  return first != 0 && tree.node(first).kind == JsonKind::kObject && tree.Child(first, "name") &&
         tree.Child(first, "data");
}

// The output tensor named `wanted`, or the first one when `wanted` is empty.
std::optional<uint32_t> PickV2Output(const JsonTree& tree, uint32_t outputs,
                                     std::string_view wanted) {
  for (uint32_t out = tree.first_child(outputs); out != 0; out = tree.node(out).next) {
    if (wanted.empty()) return out;
    const std::optional<uint32_t> name = tree.Child(out, "name");
    if (name && tree.node(*name).kind == JsonKind::kString && tree.node(*name).text == wanted) {
      return out;
    }
  }
  return std::nullopt;
}

std::string_view V2RowFeatures(const JsonTree& tree, const std::vector<V2Tensor>& inputs,
                               uint64_t row, std::string* json) {
  FeatureWriter writer;
  std::string name;
  for (const V2Tensor& input : inputs) {
    for (uint64_t k = 0; k < input.per_row; ++k) {
      name.assign(input.name);
      if (input.per_row > 1) name.append("_").append(std::to_string(k));
      if (!writer.Add(name, Value{&tree, input.data[row * input.per_row + k], {}})) {
        return kDropInvalid;
      }
    }
  }
  std::optional<std::string> features = writer.Finish();
  if (!features) return kDropInvalid;
  *json = std::move(*features);
  return {};
}

std::string_view V2Rows(const CaptureSpec& spec, const JsonTree& request, uint32_t inputs,
                        const JsonTree& response, uint32_t outputs, Rows* rows) {
  std::vector<V2Tensor> tensors;
  for (uint32_t in = request.first_child(inputs); in != 0; in = request.node(in).next) {
    tensors.emplace_back();
    if (!ReadV2Tensor(request, in, &tensors.back())) return kDropInvalid;
    if (tensors.back().rows != tensors.front().rows) return kDropInvalid;
  }
  const std::optional<uint32_t> picked = PickV2Output(response, outputs, spec.output);
  if (!picked) return kDropNoPrediction;
  V2Tensor output;
  if (!ReadV2Tensor(response, *picked, &output)) return kDropInvalid;
  if (output.rows != tensors.front().rows) return kDropBatchMismatch;
  rows->batch = true;
  if (const std::optional<uint32_t> id = request.Child(request.root(), "id");
      id && request.node(*id).kind == JsonKind::kString && !request.node(*id).text.empty()) {
    rows->id = request.node(*id).text;
  }
  rows->predictions.resize(output.rows);
  rows->features.resize(output.rows);
  for (uint64_t row = 0; row < output.rows; ++row) {
    uint64_t offset = 0;
    if (output.per_row > 1) {
      if (!spec.output_index || *spec.output_index < 0 ||
          static_cast<uint64_t>(*spec.output_index) >= output.per_row) {
        return kDropPredictionNotScalar;
      }
      offset = static_cast<uint64_t>(*spec.output_index);
    }
    const Value value{&response, output.data[row * output.per_row + offset], {}};
    std::string_view reason = PredictionOf(value, std::nullopt, &rows->predictions[row]);
    if (reason.empty()) reason = V2RowFeatures(request, tensors, row, &rows->features[row]);
    if (!reason.empty()) return reason;
  }
  return {};
}

}  // namespace

std::string_view DetectedRows(const CaptureSpec& spec, ExchangeReader& reader, Rows* rows) {
  bool request_too_deep = false;
  bool response_too_deep = false;
  const JsonTree* request = reader.request(&request_too_deep);
  const JsonTree* response = reader.response(&response_too_deep);
  if (request_too_deep || response_too_deep) return kDropInvalid;
  if (request == nullptr || response == nullptr) return kDropNoPrediction;
  const std::optional<uint32_t> inputs = request->Child(request->root(), "inputs");
  if (LooksLikeV2(*request, inputs)) {  // v2 tensors are never V1 rows
    const std::optional<uint32_t> outputs = response->Child(response->root(), "outputs");
    if (!outputs || response->node(*outputs).kind != JsonKind::kArray) return kDropNoPrediction;
    return V2Rows(spec, *request, *inputs, *response, *outputs, rows);
  }
  // KServe V1: the same as the sources /instances/* (or /inputs/*) and /predictions/*.
  const std::optional<uint32_t> instances = request->Child(request->root(), "instances");
  const bool has_instances = instances && request->node(*instances).kind == JsonKind::kArray;
  const bool has_inputs = inputs && request->node(*inputs).kind == JsonKind::kArray;
  const std::optional<uint32_t> predictions = response->Child(response->root(), "predictions");
  if ((!has_instances && !has_inputs) || !predictions ||
      response->node(*predictions).kind != JsonKind::kArray) {
    return kDropNoPrediction;
  }
  CaptureSpec v1 = spec;
  v1.features = Source{Source::Kind::kRequest, has_instances ? "/instances/*" : "/inputs/*"};
  v1.prediction = Source{Source::Kind::kResponse, "/predictions/*"};
  return ExplicitRows(v1, reader, rows);
}

}  // namespace mw::proxy::detail
