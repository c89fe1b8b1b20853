#include "maintenance/vacuum_task.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "sqlite/handle.h"
#include "sqlite/maintenance.h"

namespace mw::maintenance {
namespace {

// alerts.db and outbox.db, when they exist, as (label, path).
std::vector<std::pair<std::string, std::string>> SideDatabases(const VacuumOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  for (const auto& [label, path] :
       {std::pair<std::string, std::string>{"alerts.db", options.alerts_db_path},
        {"outbox.db", options.outbox_db_path}}) {
    if (!path.empty() && std::filesystem::exists(path, ec)) out.emplace_back(label, path);
  }
  return out;
}

}  // namespace

Result<TaskOutcome> VacuumTask::DryRun(TaskContext& ctx) {
  TaskOutcome outcome;
  std::string parts;
  auto all = SideDatabases(options_);
  if (!options_.store_db_path.empty()) all.insert(all.begin(), {"store", options_.store_db_path});
  for (const auto& [label, path] : all) {
    auto db = sqlite::Db::Open(path, SQLITE_OPEN_READONLY);
    if (!db) return Status(db.error().code(), label + ": " + db.error().message());
    auto counts = sqlite::ReadPageCounts(*db);
    if (!counts) return Status(counts.error().code(), label + ": " + counts.error().message());
    const int64_t size = sqlite::DatabaseFileBytes(path);
    const int64_t free_bytes = counts->free_pages * counts->page_size;
    const bool incremental = counts->auto_vacuum == sqlite::kAutoVacuumIncremental;
    ctx.log.Info("would vacuum", {{"file.path", path},
                                  {"file.size", size},
                                  {"modelwatch.free_pages", counts->free_pages},
                                  {"modelwatch.incremental", incremental}});
    ++outcome.items;
    outcome.bytes += free_bytes;
    parts += (parts.empty() ? "" : ", ") + label + " " + std::to_string(size) + " bytes with " +
             std::to_string(counts->free_pages) + " free pages" +
             (incremental ? "" : " (full rebuild: not yet incremental)");
  }
  outcome.message = "would vacuum " + parts;
  return outcome;
}

Result<TaskOutcome> VacuumTask::Run(TaskContext& ctx) {
  if (ctx.dry_run) return DryRun(ctx);
  TaskOutcome outcome;
  const auto side = SideDatabases(options_);
  ctx.progress.SetTotal(1 + static_cast<int64_t>(side.size()));
  auto store = store_.Vacuum();
  if (!store) return Status(store.error().code(), "store: " + store.error().message());
  const int64_t store_reclaimed = std::max<int64_t>(0, store->bytes_before - store->bytes_after);
  ctx.log.Info("vacuumed", {{"modelwatch.database", "store"},
                            {"modelwatch.bytes_before", store->bytes_before},
                            {"modelwatch.bytes_after", store->bytes_after},
                            {"modelwatch.incremental", store->incremental}});
  outcome.items = 1;
  outcome.bytes = store_reclaimed;
  std::string parts = std::string("store ") + std::to_string(store->bytes_before) + " -> " +
                      std::to_string(store->bytes_after) + " bytes" +
                      (store->incremental ? "" : " (full rebuild, now incremental)");
  ctx.progress.Update(1, "store");
  for (const auto& [label, path] : side) {
    if (ctx.cancelled()) return Unavailable("cancelled after " + parts);
    const int64_t before = sqlite::DatabaseFileBytes(path);
    auto db = sqlite::Db::Open(path, SQLITE_OPEN_READWRITE);
    if (!db) return Status(db.error().code(), label + ": " + db.error().message());
    if (Status s = db->Exec("PRAGMA busy_timeout=10000"); !s.ok()) return s;
    auto incremental = sqlite::VacuumDatabase(*db);
    if (!incremental) {
      return Status(incremental.error().code(),
                    label + ": " + incremental.error().message() + " (after " + parts + ")");
    }
    db->Close();
    const int64_t after = sqlite::DatabaseFileBytes(path);
    ctx.log.Info("vacuumed", {{"modelwatch.database", label},
                              {"modelwatch.bytes_before", before},
                              {"modelwatch.bytes_after", after},
                              {"modelwatch.incremental", *incremental}});
    ++outcome.items;
    outcome.bytes += std::max<int64_t>(0, before - after);
    parts +=
        ", " + label + " " + std::to_string(before) + " -> " + std::to_string(after) + " bytes";
    ctx.progress.Update(outcome.items, label);
  }
  if (side.empty()) parts += "; alerts.db and outbox.db: none";
  outcome.message = "vacuumed " + parts + "; " + std::to_string(outcome.bytes) + " bytes reclaimed";
  return outcome;
}

}  // namespace mw::maintenance
