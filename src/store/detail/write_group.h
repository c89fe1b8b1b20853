// The state of one group commit on the writer thread (internal to src/store): shared by the group
// loop (sqlite_store_write.cc) and the functions that apply each request (sqlite_store_apply.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "store/sqlite_store.h"

namespace mw::store {

// What one group transaction has done so far; published to the in-memory state only after
// COMMIT succeeded.
struct SqliteStore::Group {
  struct Written {
    int64_t seq;
    uint64_t content_hash;
    const std::string* id;  // points into the group's requests, alive until the group ends
  };
  std::unordered_multimap<uint64_t, Written> written;
  std::vector<IdEntry> new_ids;
  std::set<std::string, std::less<>> new_models;
  std::unordered_set<uint64_t> pending_added;   // hashes put in pending_filter_ by this group
  std::unordered_set<uint64_t> pending_erased;  // hashes no pending row has any more
  std::vector<int64_t> seqs;                    // scratch for lookups
  bool direct = false;  // new rows go to prediction_logs (large group) instead of the inbox
  // The answer to each request, by index in the group (the one matching its kind is set once
  // the request ran); sent only after COMMIT and the WAL sync.
  std::vector<std::optional<Result<PredictionBatchResult>>> predictions;
  std::vector<std::optional<Result<ActualBatchResult>>> actuals;
};

}  // namespace mw::store
