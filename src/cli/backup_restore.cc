// modelwatch backup restore DIR [--config FILE] [--data-dir DIR]: puts a backup written by the
// backup task (maintenance/backup_task.h) back into the data directory.
//
// Refuses while a process holds the data directory (an exclusive flock on
// <data_dir>/modelwatch.lock, which `serve` takes) and holds that lock itself meanwhile. Verifies
// the backup first (maintenance::VerifyBackup: manifest sizes and SHA-256, integrity_check),
// then moves each current database file (modelwatch.db, its -wal, -shm and -ids files; alerts.db*
// and outbox.db* when the backup has them) aside to <name>.before-restore-<UTC time>, copies the
// backup's databases in (to a .tmp name, fsynced, renamed; directory fsynced), and prints each
// step. The store's id file is rebuilt at the next start. The model registry copy (models/) is
// not moved anywhere: the command prints where it is.
// Exit: 0 restored; 1 refused or failed (nothing changed unless it says so); 2 bad usage.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/clock.h"
#include "maintenance/backup_manifest.h"
#include "maintenance/backup_task.h"

namespace mw::cli {
namespace {

namespace fs = std::filesystem;

// Holds <data_dir>/modelwatch.lock exclusively until destroyed. TEMPORARY: the shared helper is
// cli/data_dir_lock.h (another change); this takes the same lock the same way.
class RestoreLock {
 public:
  ~RestoreLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  // kFailedPrecondition when another process holds it.
  Status Take(const fs::path& data_dir) {
    const fs::path path = data_dir / "modelwatch.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Unavailable("cannot open " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return FailedPrecondition("a modelwatch process (serve?) is using " + data_dir.string() +
                                  " (it holds " + path.string() + "); stop it first");
      }
      return Unavailable("cannot lock " + path.string() + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
};

Status CopyInto(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.string() + ".tmp";
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Unavailable("cannot copy " + from.string() + ": " + ec.message());
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return Unavailable("cannot sync " + tmp.string());
  fs::rename(tmp, to, ec);
  if (ec) return Unavailable("cannot rename " + tmp.string() + ": " + ec.message());
  return Status::Ok();
}

// Moves <db> and its companion files aside; prints each move.
Status MoveAside(const fs::path& data_dir, const std::string& db, const std::string& suffix) {
  for (const char* ext : {"", "-wal", "-shm", "-ids", "-ids-wal", "-ids-shm"}) {
    const fs::path from = data_dir / (db + ext);
    std::error_code ec;
    if (!fs::exists(from, ec)) continue;
    const fs::path to = from.string() + suffix;
    fs::rename(from, to, ec);
    if (ec) return Unavailable("cannot move " + from.string() + " aside: " + ec.message());
    std::cout << "moved " << from.string() << " -> " << to.string() << "\n";
  }
  return Status::Ok();
}

int Restore(const fs::path& backup, const fs::path& data_dir) {
  RestoreLock lock;
  if (Status s = lock.Take(data_dir); !s.ok()) {
    std::cerr << "modelwatch: backup restore refused: " << s.message() << "\n";
    return 1;
  }
  auto manifest = maintenance::VerifyBackup(backup);
  if (!manifest) {
    std::cerr << "modelwatch: backup restore refused: " << backup.string()
              << " does not verify: " << manifest.error().message() << "\n";
    return 1;
  }
  std::cout << "verified " << backup.string() << " (created " << manifest->created_at
            << ", schema version " << manifest->schema_version << ", " << manifest->prediction_rows
            << " prediction rows)\n";
  SystemClock clock;
  const std::string suffix =
      ".before-restore-" + maintenance::BackupDirName(clock.NowMillis()).substr(11);
  for (const std::string db : {"modelwatch.db", "alerts.db", "outbox.db"}) {
    std::error_code ec;
    if (!fs::exists(backup / db, ec)) continue;
    if (Status s = MoveAside(data_dir, db, suffix); !s.ok()) {
      std::cerr << "modelwatch: backup restore failed: " << s.message() << "\n";
      return 1;
    }
    if (Status s = CopyInto(backup / db, data_dir / db); !s.ok()) {
      std::cerr << "modelwatch: backup restore failed (the files moved aside above are intact): "
                << s.message() << "\n";
      return 1;
    }
    std::cout << "restored " << (data_dir / db).string() << "\n";
  }
  if (const int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  if (fs::is_directory(backup / "models", ec)) {
    std::cout << "the model registry copy is in " << (backup / "models").string()
              << "; copy it to maintenance.models_dir if that needs restoring too\n";
  }
  std::cout << "done; start modelwatch serve (the id index is rebuilt at start)\n";
  return 0;
}

}  // namespace

BackupCommand AddBackupCommand(CLI::App& app) {
  BackupCommand c;
  c.options = std::make_shared<BackupRestoreOptions>();
  auto* backup = app.add_subcommand("backup", "Backup commands");
  backup->require_subcommand(1);
  c.restore = backup->add_subcommand(
      "restore", "Restore a backup directory into the data directory (the server must be stopped)");
  c.restore->add_option("DIR", c.options->dir, "A backup: <backup_dir>/modelwatch-<time>")
      ->required()
      ->check(CLI::ExistingDirectory);
  c.restore->add_option("--config", c.options->common.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  c.restore->add_option("--data-dir", c.options->common.data_dir, "The data directory");
  c.restore->add_option("--set", c.options->common.overrides, "Override a configuration key");
  return c;
}

int RunBackupRestore(const BackupCommand& command) {
  auto config = LoadConfigOrReport(command.options->common);
  if (!config) return 2;
  std::error_code ec;
  fs::create_directories(config->storage.data_dir, ec);
  return Restore(command.options->dir, config->storage.data_dir);
}

}  // namespace mw::cli
