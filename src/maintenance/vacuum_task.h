// vacuum: gives the space of deleted rows back to the disk and refreshes the query planner's
// statistics, for the store (Store::Vacuum: incremental where the database allows it, in short
// steps on its writer) and for alerts.db and outbox.db (small files: vacuumed in one go through a
// connection of the task's own, sqlite/maintenance.h; SQLite's locking orders it with the rule
// engine's and the outbox's own writes, which wait at most their busy timeout).
//
// With dry_run nothing is changed: it reports each database's size and free pages (the bytes a
// vacuum would give back, as items and bytes).
//
// Thread-safety: Run is called by one thread at a time (the Runner's lock).
#pragma once

#include <string>

#include "maintenance/task.h"
#include "store/store.h"

namespace mw::maintenance {

struct VacuumOptions {
  std::string store_db_path;   // the store's file, read (read-only) for the dry run's report
  std::string alerts_db_path;  // "" or a missing file = skipped
  std::string outbox_db_path;  // "" or a missing file = skipped
};

class VacuumTask final : public Task {
 public:
  VacuumTask(store::Store& store, VacuumOptions options)
      : store_(store), options_(std::move(options)) {}
  std::string_view name() const override { return "vacuum"; }
  bool destructive() const override { return true; }
  // items: databases vacuumed; bytes: bytes given back (files before minus after, each >= 0).
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  Result<TaskOutcome> DryRun(TaskContext& ctx);

  store::Store& store_;
  const VacuumOptions options_;
};

}  // namespace mw::maintenance
