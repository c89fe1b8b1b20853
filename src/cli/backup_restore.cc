// modelwatch backup restore DIR [--config FILE] [--data-dir DIR]: puts a backup written by the
// backup task (maintenance/backup_task.h) back into the data directory.
//
// Refuses while a process holds the data directory (an exclusive flock on
// <data_dir>/modelwatch.lock, which `serve` takes) and holds that lock itself meanwhile. Verifies
// the backup first (maintenance::VerifyBackup: manifest sizes and SHA-256, integrity_check),
// then moves each current database file aside to <name>.before-restore-<UTC time> and copies the
// backup's databases in (maintenance/backup_restore.h), printing each step. The model registry
// copy (models/) is not moved anywhere: the command prints where it is.
// Exit: 0 restored; 1 refused or failed (nothing changed unless it says so); 2 bad usage.
#include "maintenance/backup_restore.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "common/clock.h"
#include "maintenance/backup_task.h"

namespace mw::cli {
namespace {

namespace fs = std::filesystem;

int Restore(const fs::path& backup, const fs::path& data_dir) {
  auto lock = DataDirLock::Acquire(data_dir.string(), "");
  if (!lock) {
    std::cerr << "modelwatch: backup restore refused: " << lock.error().message()
              << "; stop the server first\n";
    return 1;
  }
  SystemClock clock;
  // "modelwatch-20261208T010203Z" -> ".before-restore-20261208T010203Z"
  const std::string suffix =
      ".before-restore-" + maintenance::BackupDirName(clock.NowMillis()).substr(11);
  auto done = maintenance::RestoreBackup(backup, data_dir, suffix);
  if (!done) {
    std::cerr << "modelwatch: backup restore failed: " << done.error().message() << "\n";
    return 1;
  }
  for (const std::string& line : *done) std::cout << line << "\n";
  std::error_code ec;
  if (fs::is_directory(backup / "models", ec)) {
    std::cout << "the model registry copy is in " << (backup / "models").string()
              << "; copy it to maintenance.models_dir if that needs restoring too\n";
  }
  std::cout << "done; start modelwatch serve (the store rebuilds its id index at start)\n";
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
