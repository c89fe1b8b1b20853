// A backup directory (<backup_dir>/modelwatch-YYYYMMDDTHHMMSSZ/, written by the backup task) and
// its manifest.json:
//   {"format": 1, "created_at": "2026-12-08T01:02:03.000Z", "schema_version": 4,
//    "prediction_rows": 1204,
//    "files": [{"path": "modelwatch.db", "size": 81920, "sha256": "..."}, ...]}
// The paths are relative to the directory: modelwatch.db (the store), alerts.db, outbox.db (when
// the process had them), models/... (the on-disk model registry, when configured).
//
// Verification (VerifyBackup) recomputes every file's size and SHA-256, and opens every *.db
// read-only for PRAGMA integrity_check; the backup task runs it before it publishes a backup, and
// `modelwatch backup restore` before it touches the data directory.
//
// Thread-safety: free functions on paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace mw::maintenance {

struct BackupFileEntry {
  std::string path;  // relative, '/'-separated
  int64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct BackupManifest {
  int64_t format = 1;
  std::string created_at;  // RFC 3339 UTC
  int64_t schema_version = 0;
  int64_t prediction_rows = 0;
  std::vector<BackupFileEntry> files;
};

// Lower-case hex SHA-256 of a file's contents.
Result<std::string> FileSha256(const std::filesystem::path& path);

// Lists every regular file under `dir` (recursively, sorted) except manifest.json, with size and
// SHA-256.
Result<std::vector<BackupFileEntry>> DescribeBackupFiles(const std::filesystem::path& dir);

// Writes dir/manifest.json (fsynced).
Status WriteBackupManifest(const std::filesystem::path& dir, const BackupManifest& manifest);
// kNotFound without a manifest; kInternal when it is not a valid manifest.
Result<BackupManifest> ReadBackupManifest(const std::filesystem::path& dir);

// The manifest, once every listed file has its size and SHA-256, no listed file is missing, and
// every *.db passes PRAGMA integrity_check ("ok"); prediction_rows is then recounted from the
// copy of the store. kInternal naming the first file that differs; kNotFound without a manifest.
Result<BackupManifest> VerifyBackup(const std::filesystem::path& dir);

// Rows of prediction_logs plus prediction_inbox, and the highest schema_migrations version, of a
// copied store, opened read-only.
Status CountBackupStore(const std::filesystem::path& db, int64_t* rows, int64_t* schema_version);

}  // namespace mw::maintenance
