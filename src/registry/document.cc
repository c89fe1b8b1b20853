#include "registry/document.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

#include "common/json_limits.h"
#include "common/names.h"
#include "common/time_format.h"

namespace mw::registry {
namespace {

using nlohmann::json;

std::string Pointer(std::string_view key) {
  return (json::json_pointer() / std::string(key)).to_string();
}

std::string Pointer(std::string_view key, std::string_view sub) {
  return (json::json_pointer() / std::string(key) / std::string(sub)).to_string();
}

// Parses `body` (a leading UTF-8 BOM skipped; nesting checked before anything recursive runs);
// on failure records a malformed-body error and returns nullopt.
template <typename T>
std::optional<json> ParseBody(std::string_view body, ParsedDocument<T>& out) {
  body = StripUtf8Bom(body);
  if (Status depth = CheckJsonDepth(body); !depth.ok()) {
    out.errors.push_back({"", depth.message()});
    out.malformed = true;
    return std::nullopt;
  }
  try {
    json doc = json::parse(body);
    if (!doc.is_object()) {
      out.errors.push_back({"", "must be a JSON object"});
      return std::nullopt;
    }
    return doc;
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400: converted here
    std::string detail = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
    if (auto close = detail.find("] "); close != std::string::npos) detail.erase(0, close + 2);
    out.errors.push_back({"", "not valid JSON: " + detail});
    out.malformed = true;
    return std::nullopt;
  }
}

// The first non-null field among `names` (a canonical name and its aliases); an error for each
// further one present.
const json* Pick(const json& doc, std::initializer_list<const char*> names, std::string* used,
                 std::vector<FieldError>& errors) {
  const json* found = nullptr;
  for (const char* name : names) {
    auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) continue;
    if (found != nullptr) {
      errors.push_back({Pointer(name), "duplicates " + Pointer(*used) + " (an alias); send one"});
      continue;
    }
    found = &*it;
    *used = name;
  }
  return found;
}

void ReadNumberMap(const json& value, const std::string& key, std::map<std::string, double>& out,
                   std::vector<FieldError>& errors) {
  if (!value.is_object()) {
    errors.push_back({Pointer(key), "must be an object of numbers"});
    return;
  }
  for (const auto& [name, v] : value.items()) {
    if (auto problem = NameProblem(name, kMaxFieldNameBytes)) {
      errors.push_back({Pointer(key, name), "the name " + *problem});
    } else if (v.is_number()) {
      out[name] = v.get<double>();
    } else {
      errors.push_back({Pointer(key, name), "must be a number"});
    }
  }
}

std::optional<int64_t> NonNegativeInteger(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<int64_t>();
    return i >= 0 ? std::optional<int64_t>(i) : std::nullopt;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything below it and integral fits int64_t.
    if (d >= 0 && d < 9223372036854775808.0 && std::trunc(d) == d) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

json TimeOrNull(int64_t ms) { return ms == 0 ? json(nullptr) : json(FormatRfc3339Millis(ms)); }

}  // namespace

std::vector<FieldError> ReadModelVersionFields(const json& doc, ModelVersionInfo& out) {
  std::vector<FieldError> errors;
  std::string used;
  if (const json* v = Pick(doc, {"metrics", "training_metrics"}, &used, errors)) {
    ReadNumberMap(*v, used, out.training_metrics, errors);
  }
  if (const json* v =
          Pick(doc, {"training_duration_seconds", "training_time_seconds"}, &used, errors)) {
    if (v->is_number() && v->get<double>() >= 0) {
      out.training_duration_seconds = v->get<double>();
    } else {
      errors.push_back({Pointer(used), "must be a number >= 0"});
    }
  }
  if (const json* v = Pick(doc, {"model_size_bytes", "model_size", "size_bytes"}, &used, errors)) {
    if (auto bytes = NonNegativeInteger(*v)) {
      out.model_size_bytes = *bytes;
    } else {
      errors.push_back({Pointer(used), "must be an integer >= 0"});
    }
  }
  if (const json* v = Pick(doc, {"feature_importance"}, &used, errors)) {
    ReadNumberMap(*v, used, out.feature_importance, errors);
  }
  if (const json* v = Pick(doc, {"segment"}, &used, errors)) {
    if (!v->is_string()) {
      errors.push_back({"/segment", "must be a string"});
    } else if (auto problem =
                   v->get_ref<const std::string&>().empty()
                       ? std::nullopt
                       : NameProblem(v->get_ref<const std::string&>(), kMaxSegmentNameBytes)) {
      errors.push_back({"/segment", *problem});
    } else {
      out.segment = v->get<std::string>();
    }
  }
  out.is_latest = true;
  if (const json* v = Pick(doc, {"latest"}, &used, errors)) {
    if (v->is_boolean()) {
      out.is_latest = v->get<bool>();
    } else {
      errors.push_back({"/latest", "must be true or false"});
    }
  }
  out.metadata_json = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  return errors;
}

ParsedDocument<ModelInfo> ParseModelDocument(std::string_view name, std::string_view body) {
  ParsedDocument<ModelInfo> result;
  auto doc = ParseBody(body, result);
  if (!doc) return result;
  ModelInfo model;
  model.name = std::string(name);
  if (auto problem = NameProblem(model.name, kMaxModelNameBytes)) {
    result.errors.push_back({"", "the model name " + *problem});
  }
  bool has_task = false;
  for (const auto& [key, v] : doc->items()) {
    if (key == "task") {
      has_task = true;
      auto task = v.is_string() ? ParseModelTask(v.get<std::string>()) : std::nullopt;
      if (task) {
        model.task = *task;
      } else {
        result.errors.push_back({"/task", "must be \"regression\" or \"binary_classification\""});
      }
    } else if (key == "description") {
      if (v.is_string()) {
        model.description = v.get<std::string>();
      } else if (!v.is_null()) {
        result.errors.push_back({"/description", "must be a string"});
      }
    } else {
      result.errors.push_back({Pointer(key), "unknown field (expected task, description)"});
    }
  }
  if (!has_task) {
    result.errors.push_back({"/task", "is required: \"regression\" or \"binary_classification\""});
  }
  if (result.errors.empty()) result.value = std::move(model);
  return result;
}

ParsedDocument<ModelVersionInfo> ParseModelVersionDocument(std::string_view model,
                                                           std::string_view version,
                                                           std::string_view body) {
  ParsedDocument<ModelVersionInfo> result;
  auto doc = ParseBody(body, result);
  if (!doc) return result;
  ModelVersionInfo info;
  info.model = std::string(model);
  info.version = std::string(version);
  if (auto problem = NameProblem(info.model, kMaxModelNameBytes)) {
    result.errors.push_back({"", "the model name " + *problem});
  }
  if (auto problem = NameProblem(info.version, kMaxVersionNameBytes)) {
    result.errors.push_back({"", "the version " + *problem});
  }
  if (auto it = doc->find("version"); it != doc->end() && !it->is_null()) {
    std::optional<std::string> given;
    if (it->is_string()) given = it->get<std::string>();
    if (it->is_number_integer()) given = it->dump();
    if (!given) {
      result.errors.push_back({"/version", "must be a string"});
    } else if (*given != info.version) {
      result.errors.push_back(
          {"/version",
           "\"" + *given + "\" does not match the URL's version \"" + info.version + "\""});
    }
  }
  auto field_errors = ReadModelVersionFields(*doc, info);
  result.errors.insert(result.errors.end(), field_errors.begin(), field_errors.end());
  if (result.errors.empty()) result.value = std::move(info);
  return result;
}

json ModelToJson(const ModelInfo& model) {
  return json{{"name", model.name},
              {"task", std::string(ModelTaskName(model.task))},
              {"description", model.description},
              {"created_at", TimeOrNull(model.created_at_ms)},
              {"updated_at", TimeOrNull(model.updated_at_ms)}};
}

json ModelVersionToJson(const ModelVersionInfo& v) {
  // Stored by an older version without the depth limit, a deep document would overflow the
  // stack when the answer is serialised: treat it as unreadable.
  json metadata = CheckJsonDepth(v.metadata_json).ok()
                      ? json::parse(v.metadata_json, nullptr, /*allow_exceptions=*/false)
                      : json::object();
  if (!metadata.is_object()) metadata = json::object();
  return json{
      {"model", v.model},
      {"version", v.version},
      {"segment", v.segment.empty() ? json(nullptr) : json(v.segment)},
      {"latest", v.is_latest},
      {"metrics", v.training_metrics},
      {"training_duration_seconds",
       v.training_duration_seconds ? json(*v.training_duration_seconds) : json(nullptr)},
      {"model_size_bytes", v.model_size_bytes ? json(*v.model_size_bytes) : json(nullptr)},
      {"feature_importance", v.feature_importance},
      {"created_at", TimeOrNull(v.created_at_ms)},
      {"metadata", std::move(metadata)},
  };
}

}  // namespace mw::registry
