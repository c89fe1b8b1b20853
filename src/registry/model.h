// Model registry records. A model has a task; a version belongs to a model and optionally to a
// segment (per-segment models: one trained version per restaurant, each with its own training
// metrics). Plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mw::registry {

enum class ModelTask { kUnknown, kRegression, kBinaryClassification };

std::string_view ModelTaskName(
    ModelTask task);  // "unknown" | "regression" | "binary_classification"
std::optional<ModelTask> ParseModelTask(std::string_view name);  // rejects "unknown"

struct ModelInfo {
  std::string name;
  ModelTask task = ModelTask::kUnknown;  // kUnknown: seen in traffic but never registered
  std::string description;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct ModelVersionInfo {
  std::string model;
  std::string version;
  std::string segment;                             // empty = the model-wide version
  std::map<std::string, double> training_metrics;  // mae, rmse, auc, ...
  std::optional<double> training_duration_seconds;
  std::optional<int64_t> model_size_bytes;
  std::map<std::string, double> feature_importance;
  std::string metadata_json;  // the full document as uploaded/imported, compact JSON object
  int64_t created_at_ms = 0;  // first registration time
  // The version that events without a "version" resolve to for this (model, segment). Exactly one
  // version per (model, segment) is latest; registering with is_latest=true moves the mark.
  bool is_latest = true;
};

}  // namespace mw::registry
