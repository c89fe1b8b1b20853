// cleanup-model-versions: keeps the newest keep_versions versions of every (model, segment) and
// never the latest one, in the registry (Store::DeleteModelVersion, which also drops the
// version's reference profiles) and, when models_dir is set, on disk.
//
// Which versions stay (SelectVersionsToRemove, pure): per (model, segment), versions ordered
// newest first by created_at, then by name (registry::CompareVersionNames: v10 after v9); the
// first keep_versions stay, and so does the latest version wherever it falls (it is what events
// without a version resolve to). keep_versions 0 keeps the latest only.
//
// On disk (registry import layout: DIR/{model}/{version} or DIR/{model}/{segment}/{version}), a
// removed version's directory is deleted only when it is a real directory (not a symlink), named
// exactly as the version (so never `latest`), not the target of the group's `latest` symlink,
// and its parent resolves inside models_dir (a symlinked model directory pointing elsewhere is
// left alone); nothing under it is followed out of it (symlinks inside are removed, not their
// targets). Names that are not a single path component ("..", "a/b") are never looked up on disk.
// The store row goes first: the store refuses the latest version, so a version that became
// latest meanwhile keeps its files. A directory that cannot be deleted fails the run (the store
// row is gone; the directory is named in the message to be removed by hand).
//
// dry_run: nothing changes; each version that would go is logged, counted with its bytes.
// Outcome items = versions removed, bytes = bytes of their directories on disk.
//
// Thread-safety: the Runner never runs one task concurrently with itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "maintenance/task.h"
#include "registry/model.h"
#include "store/store.h"

namespace mw::maintenance {

struct ModelVersionsOptions {
  int64_t keep_versions = 10;
  std::string models_dir;  // "" = the registry only
};

// The versions to remove from `versions` (any models and segments), each group's by age.
std::vector<registry::ModelVersionInfo> SelectVersionsToRemove(
    const std::vector<registry::ModelVersionInfo>& versions, int64_t keep_versions);

// The directory of a version under `models_dir`, or nullopt when it must not be touched (see the
// file comment). Exposed for tests.
std::optional<std::filesystem::path> RemovableVersionDirectory(
    const std::filesystem::path& models_dir, const registry::ModelVersionInfo& version);

class CleanupModelVersionsTask final : public Task {
 public:
  CleanupModelVersionsTask(store::Store& store, ModelVersionsOptions options)
      : store_(store), options_(std::move(options)) {}
  std::string_view name() const override { return "cleanup-model-versions"; }
  bool destructive() const override { return true; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  const ModelVersionsOptions options_;
};

}  // namespace mw::maintenance
