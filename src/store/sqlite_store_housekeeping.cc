// SqliteStore: retention of evaluation snapshots, vacuum and online backup (maintenance/).
//
// Everything that writes runs on the writer thread (RunRegistryOp) in short pieces, so ingest
// groups run between them: snapshot deletion in chunks of kSnapshotDeleteChunk rows, incremental
// vacuum in chunks of kVacuumChunkPages pages. Only the full VACUUM (once per database created
// before auto_vacuum=INCREMENTAL was set at creation, see OpenAll) holds the writer for the whole
// rebuild: writes queue meanwhile and, past max_queue_requests, are refused with
// kResourceExhausted; it needs about twice the database's size free on the disk (its temporary
// copy plus the WAL that receives every page) and refuses with kFailedPrecondition otherwise.
//
// The backup reads through a connection of its own (sqlite/maintenance.h): it never uses the
// writer. The id file (<path>-ids) is not part of a backup: it is derived data that Open rebuilds
// from prediction_logs when it is missing or belongs to another database (store/id_index.h), so
// a restored database needs only its main file.
#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "sqlite/maintenance.h"
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

constexpr int64_t kSnapshotDeleteChunk = 2000;
// Why 64 pages and a 10 ms pause: a writer turn of incremental vacuum moves pages from the end of
// the file into free slots and rewrites their parents, so its WAL volume is a few times its page
// count, and an ingest group queued behind it waits for that plus the turn's WAL sync. Measured on
// the dev VM (single-event appends, fsync ~8 ms): 2048-page turns took single appends from a p50
// of 8 ms to 89 ms (p99 509 ms); 128-page turns without a pause to 30 ms (p99 60 ms). Small turns
// with pauses keep most appends off the vacuum's path, at the price of a longer vacuum, which
// runs weekly.
constexpr int64_t kVacuumChunkPages = 64;
constexpr std::chrono::milliseconds kVacuumPause{10};

constexpr std::string_view kCountOldSnapshots =
    "SELECT count(*) FROM evaluation_snapshots WHERE evaluated_at < ?";
constexpr std::string_view kSelectOldSnapshotSeqs =
    "SELECT seq FROM evaluation_snapshots WHERE evaluated_at < ? AND seq > ? ORDER BY seq LIMIT ?";
// Checked again on the writer: a row is deleted only when it is still older than the cutoff.
constexpr std::string_view kDeleteSnapshot =
    "DELETE FROM evaluation_snapshots WHERE seq = ? AND evaluated_at < ?";

// Free bytes for unprivileged writers on the disk holding `path`, or -1 when unknown.
int64_t HousekeepingFreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace

Result<int64_t> SqliteStore::DeleteSnapshotsBefore(int64_t cutoff_ms, bool dry_run) {
  if (dry_run) {
    auto query = pool_->Prepare(std::string(kCountOldSnapshots));
    if (!query) return query.error();
    (*query)->BindInt(1, cutoff_ms);
    auto row = (*query)->Step();
    if (!row) return row.error();
    return *row ? (*query)->ColumnInt(0) : int64_t{0};
  }
  int64_t deleted = 0;
  int64_t after_seq = 0;
  while (true) {
    // The chunk's seqs come from a reader (a scan that does not hold the writer) ...
    std::vector<int64_t> seqs;
    {
      auto query = pool_->Prepare(std::string(kSelectOldSnapshotSeqs));
      if (!query) return query.error();
      (*query)->BindInt(1, cutoff_ms);
      (*query)->BindInt(2, after_seq);
      (*query)->BindInt(3, kSnapshotDeleteChunk);
      while (true) {
        auto row = (*query)->Step();
        if (!row) return row.error();
        if (!*row) break;
        seqs.push_back((*query)->ColumnInt(0));
      }
    }
    if (seqs.empty()) return deleted;
    after_seq = seqs.back();
    // ... and the writer deletes them by rowid in one short transaction.
    int64_t chunk_deleted = 0;
    Status s = RunRegistryOp([this, &seqs, cutoff_ms, &chunk_deleted]() -> Status {
      auto stmt = sqlite::Stmt::Prepare(writer_, kDeleteSnapshot, false);
      if (!stmt) return stmt.error();
      sqlite::Txn txn(writer_);
      if (Status b = txn.Begin(); !b.ok()) return b;
      for (int64_t seq : seqs) {
        stmt->BindInt(1, seq);
        stmt->BindInt(2, cutoff_ms);
        if (Status r = stmt->Run(); !r.ok()) return r;
        chunk_deleted += sqlite3_changes(writer_.get());
      }
      return txn.Commit();
    });
    if (!s.ok()) return s;
    deleted += chunk_deleted;
    if (static_cast<int64_t>(seqs.size()) < kSnapshotDeleteChunk) return deleted;
  }
}

Result<VacuumResult> SqliteStore::Vacuum() {
  VacuumResult result;
  result.bytes_before = sqlite::DatabaseFileBytes(options_.path);
  Result<sqlite::PageCounts> counts = sqlite::PageCounts{};
  Status s = RunRegistryOp([this, &counts] {
    counts = sqlite::ReadPageCounts(writer_);
    return counts.status();
  });
  if (!s.ok()) return s;
  result.incremental = counts->auto_vacuum == sqlite::kAutoVacuumIncremental;
  if (result.incremental) {
    // Chunks, so ingest groups run between them.
    int64_t free_pages = counts->free_pages;
    while (free_pages > 0) {
      s = RunRegistryOp([this, &free_pages]() -> Status {
        if (Status v = writer_.Exec("PRAGMA incremental_vacuum(" +
                                    std::to_string(kVacuumChunkPages) + ")");
            !v.ok()) {
          return v;
        }
        auto left = writer_.QueryInt("PRAGMA freelist_count");
        if (!left) return left.error();
        free_pages = left->value_or(0);
        return Status::Ok();
      });
      if (!s.ok()) return s;
      if (free_pages > 0) std::this_thread::sleep_for(kVacuumPause);
    }
  } else {
    const int64_t main_bytes = counts->pages * counts->page_size;
    const int64_t free_bytes = HousekeepingFreeBytes(options_.path);
    if (free_bytes >= 0 && free_bytes < 2 * main_bytes) {
      return FailedPrecondition("a full VACUUM of " + options_.path +
                                " (switching it to incremental auto-vacuum) needs " +
                                std::to_string(2 * main_bytes) + " bytes free on its disk; " +
                                std::to_string(free_bytes) + " are");
    }
    // The rebuild's temporary copy goes to a file: the writer keeps temp tables in memory, and a
    // copy of the whole database there could exhaust it.
    s = RunRegistryOp([this] {
      return writer_.Exec(
          "PRAGMA temp_store=FILE; PRAGMA auto_vacuum=INCREMENTAL; VACUUM;"
          " PRAGMA temp_store=MEMORY;");
    });
    if (!s.ok()) {
      (void)RunRegistryOp([this] { return writer_.Exec("PRAGMA temp_store=MEMORY"); });
      return s;
    }
  }
  // A bounded ANALYZE (approximate statistics from at most ~1000 rows per index), then a passive
  // checkpoint so the freed pages leave the file when no reader still needs them.
  s = RunRegistryOp([this]() -> Status {
    if (Status a = writer_.Exec("PRAGMA analysis_limit=1000; ANALYZE;"); !a.ok()) return a;
    (void)sqlite3_wal_checkpoint_v2(writer_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  result.bytes_after = sqlite::DatabaseFileBytes(options_.path);
  return result;
}

Status SqliteStore::BackupTo(const std::string& path) const {
  if (Status s = WriterFailure(); !s.ok()) return s;
  return sqlite::BackupFile(options_.path, path);
}

}  // namespace mw::store
