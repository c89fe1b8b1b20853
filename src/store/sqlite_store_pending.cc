// TEMPORARY while issue 21 is built by several hands: each block below is removed by the change
// that implements it in its own file. This file must not exist when issue 21 is resolved.
#include "store/sqlite_store.h"

namespace mw::store {

// ---- archive: sqlite_store_archive.cc ----
Result<std::vector<PredictionDay>> SqliteStore::ListPredictionDaysBefore(int64_t) const {
  return Internal("not implemented");
}
Result<int64_t> SqliteStore::DeleteArchivedPredictions(std::span<const ingest::PredictionRecord>) {
  return Internal("not implemented");
}
Result<std::pair<int64_t, int64_t>> SqliteStore::RestorePredictions(
    std::span<const ingest::PredictionRecord>) {
  return Internal("not implemented");
}
// ---- end archive ----

}  // namespace mw::store
