// compress-models: zstd-compresses the artifact files of model versions that are not latest, in
// the on-disk registry (maintenance.models_dir, the registry import layout).
//
// What is compressed: every regular file under a version directory (DIR/{model}/{version} or
// DIR/{model}/{segment}/{version}) except metadata.json (the registry import reads it) and files
// already ending in .zst; symlinks are neither followed nor compressed. Versions that stay
// untouched: `latest` (symlink or directory) and the directory it points to; without `latest`,
// the greatest version name (registry::CompareVersionNames), as the import marks latest; and the
// store's latest version of the (model, segment).
//
// Per file: FILE is compressed to FILE.zst.tmp (level 19 up to 1 MiB, 9 above: level 19 runs at a
// few MB/s), fsynced, renamed to FILE.zst, the directory fsynced; FILE.zst is then read back and
// decompressed, and only when its SHA-256 equals that of FILE (read in the same pass as the
// compression, and FILE's size and mtime unchanged since) is FILE removed and the directory
// fsynced (a file that changes meanwhile is left for the next run). A crash at any point leaves
// FILE, or FILE and a verified FILE.zst (the next run verifies it and removes FILE), never neither.
// A file that does not get smaller is left as it is. Restoring a file: `zstd -d FILE.zst`.
//
// Without models_dir the task succeeds doing nothing ("no models_dir configured: nothing to do"),
// so the default weekly set can list it. A models_dir that is not a directory is refused.
// dry_run: compresses in memory to count, writes nothing, logs "would compress".
// Outcome items = files compressed, bytes = bytes saved (original minus compressed sizes).
//
// Thread-safety: the Runner never runs one task concurrently with itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "maintenance/task.h"
#include "store/store.h"

namespace mw::maintenance {

struct CompressModelsOptions {
  std::string models_dir;  // "" = nothing to do
};

// One file's compression (exposed for tests). With `dry_run` nothing is written and the sizes
// say what compression would give. kInternal when FILE.zst does not decompress to FILE (FILE is
// kept, FILE.zst removed); kUnavailable for I/O errors.
struct CompressedFile {
  bool compressed = false;  // false: not smaller, or skipped; left as it is
  std::string skipped;      // why FILE was left alone ("it changed while it was compressed")
  int64_t original_bytes = 0;
  int64_t compressed_bytes = 0;
};
Result<CompressedFile> CompressArtifact(const std::filesystem::path& file, bool dry_run);

class CompressModelsTask final : public Task {
 public:
  CompressModelsTask(store::Store& store, CompressModelsOptions options)
      : store_(store), options_(std::move(options)) {}
  std::string_view name() const override { return "compress-models"; }
  bool destructive() const override { return true; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  const CompressModelsOptions options_;
};

}  // namespace mw::maintenance
