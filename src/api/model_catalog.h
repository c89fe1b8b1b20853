// In-memory view of the models the server knows, so ingest validation (probability range for
// classifiers) and model admission cost no query per event. Loaded from the store at start-up and
// updated by the registry API and by ingest.
//
// Known models: every model in the store (the registry's and those first seen in traffic, which
// the store records with task "unknown") plus those admitted by ingest requests still being
// written. Registered models: those with a task (PUT /v1/models/{model}) or at least one version
// (PUT /v1/models/{model}/versions/{version}, `registry import`).
//
// Admission (ingest.max_models, ingest.require_registered_models): an ingest request names some
// models; Admit either admits all of them or refuses the request, naming each refused model:
//   - with require_registered, a model that is not registered is refused (kUnregistered);
//   - otherwise a model that is not known is admitted while the number of known models is below
//     max_models, and refused (kOverCap) beyond; an admitted new model counts at once, while the
//     request is written, so concurrent requests cannot push the count past max_models: ingest
//     never makes the number of known models exceed max_models (exactly, whatever the
//     concurrency). Registrations (Set, MarkRegistered) are admin actions and are never refused:
//     they count as known models, so they may take the count past max_models, after which ingest
//     admits no new model.
// The Admission object holds the request's new models: Commit() once the request is stored
// makes them permanent; dropping it uncommitted (the store refused the request) forgets those no
// other request holds or stored, so a failed request uses up no slot.
//
// Thread-safety: all methods are safe to call concurrently. The common case (every model known
// and stored) takes a shared lock only.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "registry/model.h"
#include "store/store.h"

namespace mw::api {

struct AdmissionPolicy {
  size_t max_models = 1000;
  bool require_registered = false;
};

class ModelCatalog {
 public:
  // Replaces the contents with the store's models (every one known and stored; registered as
  // defined above, which reads the versions of each model whose task is unknown).
  Status Load(const store::Store& store);
  // Adds one model from the store if it is there (e.g. written by `registry import` while the
  // server runs). True when the store has it; kept as is when already known.
  Result<bool> LoadOne(const store::Store& store, const std::string& model);

  registry::ModelTask TaskOf(
      std::string_view model) const;  // kUnknown when not registered with a task
  // PUT /v1/models/{model}: known, stored and registered with `task`.
  void Set(const std::string& model, registry::ModelTask task);
  // PUT /v1/models/{model}/versions/{version}: known, stored and registered (task unchanged).
  void MarkRegistered(const std::string& model);
  bool IsRegistered(std::string_view model) const;
  size_t size() const;  // known models

  class Admission;
  struct Refusal {
    enum class Reason { kOverCap, kUnregistered };
    Reason reason;
    std::string model;
  };
  struct AdmitResult {
    std::shared_ptr<Admission> admission;  // set exactly when `refused` is empty
    std::vector<Refusal> refused;          // in the order of `models`; each model once
  };
  // `models` may repeat names. See the class comment.
  AdmitResult Admit(const std::vector<std::string_view>& models, const AdmissionPolicy& policy);

  // The new models of one admitted request (possibly none). Not copyable; share it.
  class Admission {
   public:
    Admission(ModelCatalog* catalog, std::vector<std::string> held)
        : catalog_(catalog), held_(std::move(held)) {}
    ~Admission();
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    void Commit();  // the request is stored: its new models are known for good

   private:
    ModelCatalog* catalog_;
    std::vector<std::string> held_;
    bool committed_ = false;
  };

 private:
  struct Entry {
    registry::ModelTask task = registry::ModelTask::kUnknown;
    bool registered = false;
    bool stored = false;  // in the store (false while only admitted requests hold it)
    int holders = 0;      // admitted requests being written that hold it
  };
  void Release(const std::vector<std::string>& held, bool stored);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> models_;
};

}  // namespace mw::api
