#include "api/model_catalog.h"

#include <mutex>
#include <set>

namespace mw::api {
namespace {

// Whether the registry knows `model` beyond a row created by traffic: a task, or a version.
Result<bool> IsRegisteredInStore(const store::Store& store, const registry::ModelInfo& model) {
  if (model.task != registry::ModelTask::kUnknown) return true;
  auto versions = store.ListModelVersions(model.name);
  if (!versions) return versions.error();
  return !versions->empty();
}

}  // namespace

Status ModelCatalog::Load(const store::Store& store) {
  auto models = store.ListModels();
  if (!models) return models.error();
  std::unordered_map<std::string, Entry> loaded;
  for (const auto& m : *models) {
    auto registered = IsRegisteredInStore(store, m);
    if (!registered) return registered.error();
    loaded[m.name] = Entry{m.task, *registered, /*stored=*/true, /*holders=*/0};
  }
  std::unique_lock lock(mu_);
  models_ = std::move(loaded);
  return Status::Ok();
}

Result<bool> ModelCatalog::LoadOne(const store::Store& store, const std::string& model) {
  auto info = store.GetModel(model);
  if (!info) {
    if (info.error().code() == StatusCode::kNotFound) return false;
    return info.error();
  }
  auto registered = IsRegisteredInStore(store, *info);
  if (!registered) return registered.error();
  std::unique_lock lock(mu_);
  Entry& e = models_[model];
  if (info->task != registry::ModelTask::kUnknown) e.task = info->task;
  e.registered = e.registered || *registered;
  e.stored = true;
  return true;
}

registry::ModelTask ModelCatalog::TaskOf(std::string_view model) const {
  std::shared_lock lock(mu_);
  const auto it = models_.find(std::string(model));
  return it == models_.end() ? registry::ModelTask::kUnknown : it->second.task;
}

void ModelCatalog::Set(const std::string& model, registry::ModelTask task) {
  std::unique_lock lock(mu_);
  Entry& e = models_[model];
  e.task = task;
  e.registered = true;
  e.stored = true;
}

void ModelCatalog::MarkRegistered(const std::string& model) {
  std::unique_lock lock(mu_);
  Entry& e = models_[model];
  e.registered = true;
  e.stored = true;
}

bool ModelCatalog::IsRegistered(std::string_view model) const {
  std::shared_lock lock(mu_);
  const auto it = models_.find(std::string(model));
  return it != models_.end() && it->second.registered;
}

size_t ModelCatalog::size() const {
  std::shared_lock lock(mu_);
  return models_.size();
}

ModelCatalog::AdmitResult ModelCatalog::Admit(const std::vector<std::string_view>& models,
                                              const AdmissionPolicy& policy) {
  // Distinct names in first-seen order (a batch usually names one or a few models).
  std::vector<std::string> names;
  {
    std::set<std::string_view> seen;
    for (std::string_view m : models) {
      if (!names.empty() && names.back() == m) continue;  // runs of one model: the common case
      if (seen.insert(m).second) names.emplace_back(m);
    }
  }
  const auto settled = [&](const Entry& e) {
    return e.stored && (!policy.require_registered || e.registered);
  };
  {
    std::shared_lock lock(mu_);
    bool all_settled = true;
    for (const std::string& name : names) {
      const auto it = models_.find(name);
      if (it == models_.end() || !settled(it->second)) {
        all_settled = false;
        break;
      }
    }
    if (all_settled) return {std::make_shared<Admission>(nullptr, std::vector<std::string>{}), {}};
  }

  AdmitResult result;
  std::unique_lock lock(mu_);
  size_t known = models_.size();
  std::vector<std::string> fresh;  // admitted names not known yet
  for (const std::string& name : names) {
    const auto it = models_.find(name);
    if (policy.require_registered) {
      if (it == models_.end() || !it->second.registered) {
        result.refused.push_back({Refusal::Reason::kUnregistered, name});
      }
      continue;
    }
    if (it != models_.end()) continue;
    if (known >= policy.max_models) {
      result.refused.push_back({Refusal::Reason::kOverCap, name});
    } else {
      ++known;
      fresh.push_back(name);
    }
  }
  if (!result.refused.empty()) return result;
  // Hold every name of the request that is not stored yet (new ones, and those another request
  // admitted and is still writing), so none is forgotten while this request may store it.
  std::vector<std::string> held;
  for (const std::string& name : fresh) models_.try_emplace(name);
  for (const std::string& name : names) {
    Entry& e = models_[name];
    if (e.stored) continue;
    ++e.holders;
    held.push_back(name);
  }
  result.admission = std::make_shared<Admission>(this, std::move(held));
  return result;
}

void ModelCatalog::Release(const std::vector<std::string>& held, bool stored) {
  std::unique_lock lock(mu_);
  for (const std::string& name : held) {
    const auto it = models_.find(name);
    if (it == models_.end()) continue;
    Entry& e = it->second;
    --e.holders;
    if (stored) e.stored = true;
    if (!e.stored && !e.registered && e.holders == 0) models_.erase(it);
  }
}

ModelCatalog::Admission::~Admission() {
  if (!committed_ && catalog_ != nullptr && !held_.empty()) catalog_->Release(held_, false);
}

void ModelCatalog::Admission::Commit() {
  if (committed_) return;
  committed_ = true;
  if (catalog_ != nullptr && !held_.empty()) catalog_->Release(held_, true);
}

}  // namespace mw::api
