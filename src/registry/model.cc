#include "registry/model.h"

namespace mw::registry {

std::string_view ModelTaskName(ModelTask task) {
  switch (task) {
    case ModelTask::kRegression:
      return "regression";
    case ModelTask::kBinaryClassification:
      return "binary_classification";
    case ModelTask::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<ModelTask> ParseModelTask(std::string_view name) {
  if (name == "regression") return ModelTask::kRegression;
  if (name == "binary_classification") return ModelTask::kBinaryClassification;
  return std::nullopt;
}

}  // namespace mw::registry
