#include "simulate/payloads.h"

#include "common/time_format.h"
#include "simulate/detail/json_writer.h"

namespace mw::simulate {

using nlohmann::ordered_json;

ordered_json PredictionJson(const Prediction& p) {
  ordered_json j;
  j["id"] = p.id;
  j["model"] = p.model;
  j["version"] = p.version;
  if (!p.segment.empty()) j["segment"] = p.segment;
  j["timestamp"] = FormatRfc3339Millis(p.timestamp_ms);
  j["features"] = FeaturesJson(*p.feature_specs, p.features);
  j["prediction"] = p.prediction;
  j["latency_ms"] = p.latency_ms;
  return j;
}

ordered_json ActualJson(const Actual& a) {
  return ordered_json{
      {"id", a.id}, {"actual", a.value}, {"timestamp", FormatRfc3339Millis(a.timestamp_ms)}};
}

std::string PredictionsBody(std::span<const Prediction> predictions) {
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < predictions.size(); ++i) {
    const Prediction& p = predictions[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    AppendJsonString(&out, p.id);
    out += ",\"model\":";
    AppendJsonString(&out, p.model);
    out += ",\"version\":";
    AppendJsonString(&out, p.version);
    if (!p.segment.empty()) {
      out += ",\"segment\":";
      AppendJsonString(&out, p.segment);
    }
    out += ",\"timestamp\":";
    AppendJsonString(&out, FormatRfc3339Millis(p.timestamp_ms));
    out += ",\"features\":{";
    detail::AppendFeatureMembers(out, *p.feature_specs, p.features);
    out += "},\"prediction\":";
    detail::AppendJsonNumber(out, p.prediction);
    out += ",\"latency_ms\":";
    detail::AppendJsonNumber(out, p.latency_ms);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string ActualsBody(std::span<const Actual> actuals) {
  std::string out = "{\"actuals\":[";
  for (size_t i = 0; i < actuals.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"id\":";
    AppendJsonString(&out, actuals[i].id);
    out += ",\"actual\":";
    detail::AppendJsonNumber(out, actuals[i].value);
    out += ",\"timestamp\":";
    AppendJsonString(&out, FormatRfc3339Millis(actuals[i].timestamp_ms));
    out += '}';
  }
  out += "]}";
  return out;
}

std::string ModelDocument(const ModelSetup& model) {
  return ordered_json{{"task", model.task}, {"description", model.description}}.dump();
}

std::string VersionDocument(const VersionSetup& version, uint64_t seed) {
  ordered_json j;
  j["metrics"] = version.metrics;
  if (!version.feature_importance.empty()) j["feature_importance"] = version.feature_importance;
  if (!version.segment.empty()) j["segment"] = version.segment;
  j["latest"] = true;
  j["training_rows"] = version.training.size();
  j["source"] = "modelwatch simulate";
  j["seed"] = seed;
  return j.dump();
}

std::string ReferenceNdjson(const ModelSetup& model, const VersionSetup& version) {
  std::string out;
  for (const auto& row : version.training) {
    out += '{';
    detail::AppendFeatureMembers(out, model.features, row.features);
    out += ",\"prediction\":";
    detail::AppendJsonNumber(out, row.prediction);
    out += ",\"actual\":";
    detail::AppendJsonNumber(out, row.actual);
    out += "}\n";
  }
  return out;
}

std::string EncodePathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string ModelPath(std::string_view model) { return "/v1/models/" + EncodePathSegment(model); }

std::string VersionPath(std::string_view model, std::string_view version) {
  return ModelPath(model) + "/versions/" + EncodePathSegment(version);
}

std::string ReferencePath(std::string_view model, std::string_view version,
                          std::string_view segment) {
  std::string path = VersionPath(model, version) + "/reference";
  if (!segment.empty()) path += "?segment=" + EncodePathSegment(segment);
  return path;
}

}  // namespace mw::simulate
