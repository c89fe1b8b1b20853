// The request bodies and paths the simulator sends, in the shapes docs/api.md defines:
// POST /v1/predictions {"events":[...]}, POST /v1/actuals {"actuals":[...]},
// PUT /v1/models/{model}, PUT /v1/models/{model}/versions/{version}, and the NDJSON reference
// upload POST /v1/models/{model}/versions/{version}/reference[?segment=S].
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "simulate/generator.h"

namespace mw::simulate {

// {"id","model","version","segment" (only when set),"timestamp" (RFC 3339, ms),"features",
//  "prediction"}.
nlohmann::ordered_json PredictionJson(const Prediction& p);
// {"id","actual","timestamp"}.
nlohmann::ordered_json ActualJson(const Actual& a);

std::string PredictionsBody(std::span<const Prediction> predictions);  // {"events":[...]}
std::string ActualsBody(std::span<const Actual> actuals);              // {"actuals":[...]}

// {"task","description"}.
std::string ModelDocument(const ModelSetup& model);
// {"metrics","feature_importance" (when any),"segment" (when set),"latest":true,
//  "training_rows","source":"modelwatch simulate","seed"}.
std::string VersionDocument(const VersionSetup& version, uint64_t seed);
// One line per training row: the features, then "prediction" and "actual"; '\n' after each.
std::string ReferenceNdjson(const ModelSetup& model, const VersionSetup& version);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string EncodePathSegment(std::string_view text);
std::string ModelPath(std::string_view model);  // /v1/models/{model}
std::string VersionPath(std::string_view model, std::string_view version);
// /v1/models/{model}/versions/{version}/reference, plus ?segment=S when the segment is set.
std::string ReferencePath(std::string_view model, std::string_view version,
                          std::string_view segment);

}  // namespace mw::simulate
