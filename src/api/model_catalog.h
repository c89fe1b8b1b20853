// In-memory view of each model's task, so ingest validation (probability range for classifiers)
// costs no query per event. Loaded from the store at start-up and updated by the registry API.
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "registry/model.h"
#include "store/store.h"

namespace mw::api {

class ModelCatalog {
 public:
  // Replaces the contents with the store's models.
  Status Load(const Store& store);
  ModelTask TaskOf(std::string_view model) const;  // kUnknown when not registered
  void Set(const std::string& model, ModelTask task);
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ModelTask> tasks_;
};

}  // namespace mw::api
