// backup: a consistent online copy of the data directory's databases and of the on-disk model
// registry, verified and rotated.
//
// Each run writes <backup_dir>/modelwatch-YYYYMMDDTHHMMSSZ/ (UTC, from ctx.clock) holding
//   modelwatch.db   the store (Store::BackupTo: SQLite's backup API, ingest goes on meanwhile)
//   alerts.db       the rule engine's state, when the file exists (sqlite::BackupFile)
//   outbox.db       queued notifications, when the file exists
//   models/...      a copy of models_dir, when set
//   manifest.json   every file's size and SHA-256, created_at, schema version, prediction rows
// It is written under the name <name>.partial, verified (backup_manifest.h: sizes, SHA-256,
// integrity_check, rows counted from the copy) and only then renamed to its final name, so a
// directory named modelwatch-* is always complete. The store's id file is not copied: the store
// rebuilds it from the database (store/id_index.h).
//
// Then rotation keeps the newest `keep` backups (by name, i.e. by time) and removes the older
// ones, and any *.partial left by an interrupted run; each removal is logged.
//
// Preconditions (else refused, nothing written): backup_dir can be created and written, and its
// disk has room for the estimate (the databases' and models_dir's current sizes) plus
// min_free_bytes. With dry_run: the preconditions are checked and the estimate and the
// rotation's removals reported; nothing is written or removed.
//
// Thread-safety: Run is called by one thread at a time (the Runner's lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "maintenance/task.h"
#include "store/store.h"

namespace mw::maintenance {

struct BackupTaskOptions {
  std::string backup_dir;      // created when missing
  int64_t keep = 7;            // >= 1
  std::string alerts_db_path;  // "" or missing = not backed up
  std::string outbox_db_path;  // "" or missing = not backed up
  std::string models_dir;      // "" = no model registry copy
  int64_t min_free_bytes = 0;  // left free on backup_dir's disk after the estimate
};

// "modelwatch-20261208T010203Z" for a time in epoch ms. Pure.
std::string BackupDirName(int64_t epoch_ms);

// The backups (modelwatch-* directories, not *.partial) beyond the newest `keep`, oldest first,
// given every entry name of backup_dir. Pure.
std::vector<std::string> BackupsToRotate(const std::vector<std::string>& names, int64_t keep);

class BackupTask final : public Task {
 public:
  BackupTask(store::Store& store, BackupTaskOptions options)
      : store_(store), options_(std::move(options)) {}
  std::string_view name() const override { return "backup"; }
  bool destructive() const override { return true; }  // rotation removes old backups
  // items: files in the new backup; bytes: their total size.
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  Result<int64_t> EstimateBytes() const;
  Status CheckPreconditions(int64_t estimate) const;
  Status Copy(const std::filesystem::path& partial, TaskContext& ctx) const;
  Result<int64_t> Rotate(TaskContext& ctx) const;

  store::Store& store_;
  const BackupTaskOptions options_;
};

}  // namespace mw::maintenance
