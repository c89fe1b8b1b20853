// Routine care of a SQLite database file: its size on disk, an online backup into a new file, and
// vacuuming. Used by the store (for its own database, on its writer thread) and by the maintenance
// tasks (for alerts.db and outbox.db, through connections of their own).
//
// Thread-safety: free functions; each opens its own connections or uses the one it is given on
// the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "sqlite/handle.h"

namespace mw::sqlite {

// Bytes of the database file plus its -wal file (0 for a missing file). The -shm file is only an
// index of the WAL and is not counted.
int64_t DatabaseFileBytes(const std::string& path);

struct BackupOptions {
  // Pages copied per sqlite3_backup_step, and the pause between steps: the copy shares the disk
  // with the live writer, whose commits wait on the same device; short pauses keep its fsyncs
  // from queueing behind a long sequential read and write.
  int pages_per_step = 1024;
  std::chrono::milliseconds pause{1};
};

// Copies the database at `source_path` (which must exist) into the new file `dest_path`, online:
// through a read-only connection of its own that holds one read transaction for the whole copy,
// so the copy is the database as of one commit, and writers on other connections go on (in WAL
// mode readers never block them; the WAL cannot restart behind the snapshot until the copy ends,
// so it may grow meanwhile). The copy is written to dest_path + ".tmp" (a stale one is replaced),
// switched to journal_mode=DELETE (one self-contained file), fsynced, renamed to dest_path, and
// the directory fsynced. kAlreadyExists when dest_path exists; kUnavailable when a file cannot be
// read or written (the .tmp file is removed then).
Status BackupFile(const std::string& source_path, const std::string& dest_path,
                  const BackupOptions& options = {});

// What PRAGMA auto_vacuum reports: 0 none, 1 full, 2 incremental.
inline constexpr int64_t kAutoVacuumIncremental = 2;

// Pages and free pages of the main database of `db` (PRAGMA page_count, freelist_count).
struct PageCounts {
  int64_t pages = 0;
  int64_t free_pages = 0;
  int64_t page_size = 0;
  int64_t auto_vacuum = 0;
};
Result<PageCounts> ReadPageCounts(const Db& db);

// Vacuums the database of `db`, a read-write connection no other statement of which is running:
// with auto_vacuum=INCREMENTAL, PRAGMA incremental_vacuum (frees every free page); otherwise sets
// auto_vacuum=INCREMENTAL and runs a full VACUUM (which switches the mode, so later calls are
// incremental; it rebuilds the whole file, with its temporary copy on disk, not in memory, and
// holds the write lock meanwhile). Then a bounded ANALYZE (analysis_limit) and a passive
// checkpoint, so the file shrinks when no reader holds old pages. Returns whether it was
// incremental. Meant for small databases (alerts.db, outbox.db); the store runs its own chunked
// version on its writer.
Result<bool> VacuumDatabase(const Db& db);

}  // namespace mw::sqlite
