// Registry request documents (PUT /v1/models/{model}, PUT /v1/models/{model}/versions/{version})
// and the JSON the registry routes answer with. Pure: no I/O, no clock.
//
// Model document: {"task": "regression" | "binary_classification" (required),
//                  "description": string (optional)}; any other field is an error.
//
// Model version document (deliberately liberal: teams upload their metadata.json as is):
//   "metrics"                    {name: number}   aliases: "training_metrics"
//   "training_duration_seconds"  number >= 0      aliases: "training_time_seconds"
//   "model_size_bytes"           integer >= 0     aliases: "model_size", "size_bytes"
//                                (a float with an integral value such as 2048.0 is accepted)
//   "feature_importance"         {feature: number}
//   "segment"                    string ("" = the model-wide version)
//   "latest"                     bool, default true
//   "version"                    when present (string or integer) must equal the URL's version
// Every other key ("description", "trained_at", "framework", "task", ...) is accepted and kept:
// metadata_json is the whole document, compact. A null value counts as absent. Giving a field and
// its alias together is an error.
//
// Names follow common/names.h (valid UTF-8, no control characters, not empty): the model and the
// version from the URL (128 bytes each; errors at ""), "segment" (256 bytes; "" is allowed and
// means model-wide), and the keys of "metrics" and "feature_importance" (256 bytes; errors at
// "/metrics/<name>").
//
// Errors carry RFC 6901 pointers into the body ("/metrics/mae", "/model_size_bytes", "" for the
// body itself). Both documents may start with a UTF-8 byte order mark; a body nested deeper than
// kMaxJsonDepth (common/json_limits.h) is malformed, with a detail naming the limit.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "common/field_error.h"
#include "registry/model.h"

namespace mw::registry {

template <typename T>
struct ParsedDocument {
  std::optional<T> value;          // set exactly when `errors` is empty
  std::vector<FieldError> errors;  // every problem found, in document order
  bool malformed = false;          // the body is not JSON (HTTP 400); else errors mean 422
};

// `name` is the model name from the URL. created_at_ms/updated_at_ms are left 0 (the store sets
// them).
ParsedDocument<ModelInfo> ParseModelDocument(std::string_view name, std::string_view body);

// `model` and `version` come from the URL. created_at_ms is left 0 (the caller stamps it).
ParsedDocument<ModelVersionInfo> ParseModelVersionDocument(std::string_view model,
                                                           std::string_view version,
                                                           std::string_view body);

// The field rules above applied to an already-parsed object (shared with the on-disk import):
// fills training_metrics, training_duration_seconds, model_size_bytes, feature_importance,
// segment, is_latest and metadata_json of `out`; does not check "version"; leaves model, version
// and created_at_ms alone. Returns the problems (empty = success). `doc` must be an object.
std::vector<FieldError> ReadModelVersionFields(const nlohmann::json& doc, ModelVersionInfo& out);

// {"name", "task", "description", "created_at", "updated_at"}; times are RFC 3339 with
// milliseconds, null when 0 (unknown).
nlohmann::json ModelToJson(const ModelInfo& model);

// {"model", "version", "segment" (null when model-wide), "latest", "metrics",
//  "training_duration_seconds" (null when absent), "model_size_bytes" (null when absent),
//  "feature_importance", "created_at" (RFC 3339 or null), "metadata" (the stored document as an
//  object; {} when empty or unreadable, or nested deeper than kMaxJsonDepth)}.
nlohmann::json ModelVersionToJson(const ModelVersionInfo& version);

}  // namespace mw::registry
