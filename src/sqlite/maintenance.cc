#include "sqlite/maintenance.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

namespace mw::sqlite {
namespace {

namespace fs = std::filesystem;

// fsync of a file or a directory by path.
Status FsyncPathForBackup(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot sync " + path + ": " + std::strerror(err));
  return Status::Ok();
}

// The copy itself, into `tmp` (a fresh file).
Status CopyWithBackupApi(const std::string& source_path, const std::string& tmp,
                         const BackupOptions& options) {
  auto source = Db::Open(source_path, SQLITE_OPEN_READONLY);
  if (!source) return source.error();
  // One read transaction for the whole copy: every step reads the same snapshot, and commits on
  // other connections do not restart the backup.
  if (Status s = source->Exec("PRAGMA busy_timeout=10000; BEGIN;"
                              " SELECT count(*) FROM sqlite_master;");
      !s.ok()) {
    return s;
  }
  auto dest = Db::Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!dest) return dest.error();
  sqlite3_backup* backup = sqlite3_backup_init(dest->get(), "main", source->get(), "main");
  if (backup == nullptr) return SqliteError(sqlite3_errcode(dest->get()), dest->get(), "backup");
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, options.pages_per_step);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    if (options.pause.count() > 0) std::this_thread::sleep_for(options.pause);
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(rc, dest->get(), "backup of " + source_path);
  if (finish != SQLITE_OK) return SqliteError(finish, dest->get(), "backup of " + source_path);
  (void)source->Exec("COMMIT");
  // The copied header says WAL when the source is in WAL mode; a backup is one file.
  if (Status s = dest->Exec("PRAGMA journal_mode=DELETE"); !s.ok()) return s;
  dest->Close();
  return FsyncPathForBackup(tmp, false);
}

}  // namespace

int64_t DatabaseFileBytes(const std::string& path) {
  int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = fs::file_size(path + suffix, ec);
    if (!ec) total += static_cast<int64_t>(size);
  }
  return total;
}

Status BackupFile(const std::string& source_path, const std::string& dest_path,
                  const BackupOptions& options) {
  std::error_code ec;
  if (fs::exists(dest_path, ec)) return AlreadyExists(dest_path + " exists");
  if (!fs::exists(source_path, ec)) return Unavailable(source_path + " does not exist");
  const std::string tmp = dest_path + ".tmp";
  fs::remove(tmp, ec);
  Status s = CopyWithBackupApi(source_path, tmp, options);
  if (s.ok()) {
    fs::rename(tmp, dest_path, ec);
    if (ec) s = Unavailable("cannot rename " + tmp + ": " + ec.message());
  }
  if (!s.ok()) {
    fs::remove(tmp, ec);
    return s;
  }
  const std::string dir = fs::path(dest_path).parent_path().string();
  return FsyncPathForBackup(dir.empty() ? "." : dir, true);
}

Result<PageCounts> ReadPageCounts(const Db& db) {
  PageCounts counts;
  const std::pair<const char*, int64_t*> all[] = {{"PRAGMA page_count", &counts.pages},
                                                  {"PRAGMA freelist_count", &counts.free_pages},
                                                  {"PRAGMA page_size", &counts.page_size},
                                                  {"PRAGMA auto_vacuum", &counts.auto_vacuum}};
  for (const auto& [sql, out] : all) {
    auto value = db.QueryInt(sql);
    if (!value) return value.error();
    *out = value->value_or(0);
  }
  return counts;
}

Result<bool> VacuumDatabase(const Db& db) {
  auto counts = ReadPageCounts(db);
  if (!counts) return counts.error();
  const bool incremental = counts->auto_vacuum == kAutoVacuumIncremental;
  Status s = incremental
                 ? db.Exec("PRAGMA incremental_vacuum")
                 : db.Exec("PRAGMA temp_store=FILE; PRAGMA auto_vacuum=INCREMENTAL; VACUUM;");
  if (!s.ok()) return s;
  if (s = db.Exec("PRAGMA analysis_limit=1000; ANALYZE;"); !s.ok()) return s;
  (void)sqlite3_wal_checkpoint_v2(db.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return incremental;
}

}  // namespace mw::sqlite
