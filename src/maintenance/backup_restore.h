// Puts a backup directory (backup_task.h, backup_manifest.h) back into a data directory: the core
// of `modelwatch backup restore`, which first takes the data directory's lock (no server may run
// meanwhile; the caller's duty).
//
// Steps: VerifyBackup (nothing is touched when it fails); then for each database the backup holds
// (modelwatch.db, alerts.db, outbox.db): every current file of that database in data_dir (the
// file, its -wal and -shm, and for the store its id file -ids with its -wal and -shm) is renamed
// to <name><aside_suffix>, and the backup's copy is copied in (to <name>.tmp, fsynced, renamed);
// finally the directory is fsynced. The store rebuilds its id file at the next open. The model
// registry copy (models/) is left where it is.
//
// Thread-safety: a free function; one restore of a data directory at a time (the lock).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace mw::maintenance {

// One line per action taken ("moved A -> B", "restored C"), in order. On failure after the first
// move, the error's message lists what was moved aside already (nothing is deleted, so the
// earlier state can be put back by hand).
Result<std::vector<std::string>> RestoreBackup(const std::filesystem::path& backup,
                                               const std::filesystem::path& data_dir,
                                               const std::string& aside_suffix);

}  // namespace mw::maintenance
