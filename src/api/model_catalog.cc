#include "api/model_catalog.h"

#include <mutex>

namespace mw::api {

Status ModelCatalog::Load(const Store& store) {
  auto models = store.ListModels();
  if (!models) return models.error();
  std::unordered_map<std::string, ModelTask> tasks;
  for (const auto& m : *models) tasks[m.name] = m.task;
  std::unique_lock lock(mu_);
  tasks_ = std::move(tasks);
  return Status::Ok();
}

ModelTask ModelCatalog::TaskOf(std::string_view model) const {
  std::shared_lock lock(mu_);
  const auto it = tasks_.find(std::string(model));
  return it == tasks_.end() ? ModelTask::kUnknown : it->second;
}

void ModelCatalog::Set(const std::string& model, ModelTask task) {
  std::unique_lock lock(mu_);
  tasks_[model] = task;
}

size_t ModelCatalog::size() const {
  std::shared_lock lock(mu_);
  return tasks_.size();
}

}  // namespace mw::api
