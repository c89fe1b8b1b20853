// TEMPORARY while issue 21 is built by several hands: each block below is removed by the change
// that implements it in its own file. This file must not exist when issue 21 is resolved.
#include "store/sqlite_store.h"

namespace mw::store {

// ---- runs: sqlite_store_runs.cc ----
Result<int64_t> SqliteStore::BeginMaintenanceRun(const MaintenanceRun&) {
  return Internal("not implemented");
}
Status SqliteStore::FinishMaintenanceRun(const MaintenanceRun&) {
  return Internal("not implemented");
}
Result<std::vector<MaintenanceRun>> SqliteStore::ListMaintenanceRuns(
    const MaintenanceRunQuery&) const {
  return Internal("not implemented");
}
// ---- end runs ----

}  // namespace mw::store
