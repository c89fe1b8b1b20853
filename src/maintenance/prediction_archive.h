// The prediction archive's layout and row format, shared by the archive-predictions task
// (archive_task.h) and `modelwatch archive restore` (RestoreArchive below).
//
// Layout: <archive_dir>/<encoded model>/<YYYY-MM-DD>.ndjson.zst, one file per model and UTC day,
// and further parts <YYYY-MM-DD>.part2.ndjson.zst, .part3, ... when rows of an archived day turn
// up later (late arrivals, or rows whose actual arrived while they were being archived). Beside
// each part its manifest, <YYYY-MM-DD>[.partN].manifest.json (ArchiveManifest plus the model,
// the day and the part). Model names are percent-encoded for the path: every byte outside
// [A-Za-z0-9_.-], and a leading '.', becomes %XX (upper-case hex), so "fraud/v2 eu" is stored
// as "fraud%2Fv2%20eu" and no name can escape the directory or clash with another.
//
// A row is one JSON object per line, keys in this order: id, model, version ("" = none),
// segment, created_at, received_at (epoch ms), prediction, features (the stored JSON text, as a
// string, so it comes back byte for byte), actual, actual_at, latency_ms (null when absent).
// The store's seq is not archived: a restored row gets a new one.
//
// Thread-safety: plain functions; RestoreArchive is as thread-safe as the Store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/event.h"
#include "maintenance/archive_file.h"
#include "store/store.h"

namespace mw::maintenance {

// "fraud%2Fv2" for "fraud/v2" (see above); DecodeModelDir reverses it (nullopt-like error for a
// malformed escape).
std::string EncodeModelDir(std::string_view model);
Result<std::string> DecodeModelDir(std::string_view dir);

// "2026-09-01" for a UTC day start.
std::string DayName(int64_t day_start_ms);
// The file names of part `part` (1-based) of a day: "2026-09-01.ndjson.zst" /
// "2026-09-01.part2.ndjson.zst", and its manifest "2026-09-01.manifest.json" /
// "2026-09-01.part2.manifest.json".
std::string PartFileName(int64_t day_start_ms, int part);
std::string ManifestFileName(int64_t day_start_ms, int part);
// The manifest beside an archive file: "<dir>/X.ndjson.zst" -> "<dir>/X.manifest.json".
std::filesystem::path ManifestPathFor(const std::filesystem::path& archive);

// One archive line; ParseArchiveLine reverses it exactly (seq = 0). kInvalidArgument naming the
// problem for a line that is not such an object.
std::string ArchiveLine(const ingest::PredictionRecord& row);
Result<ingest::PredictionRecord> ParseArchiveLine(std::string_view line);

// The manifest file: written to a temporary file, fsynced, renamed, directory fsynced.
struct PartManifest {
  ArchiveManifest archive;
  std::string model;
  int64_t day_start_ms = 0;
  int part = 1;
  int64_t written_at_ms = 0;
};
Status WriteManifest(const std::filesystem::path& path, const PartManifest& manifest);
// kNotFound when there is none; kFailedPrecondition when it does not parse.
Result<PartManifest> ReadManifest(const std::filesystem::path& path);
// The manifest of an archive file whose manifest is missing (a crash between the two renames):
// computed from the file after ReadArchive's checks (complete zstd frame, its checksum).
Result<ArchiveManifest> ComputeManifest(const std::filesystem::path& archive);

struct RestoreOutcome {
  int64_t rows = 0;      // lines in the file
  int64_t restored = 0;  // stored again
  int64_t present = 0;   // ids stored already: skipped
};

// The order to restore files in: by directory and day, and within a day the highest part
// first. A row is in a later part only when it changed after an earlier part took it (its actual
// arrived), and RestorePredictions skips ids stored already, so the newest state wins.
std::vector<std::filesystem::path> RestoreOrder(std::vector<std::filesystem::path> files);

// Loads one archive file back: verified first against its manifest when there is one (else by
// the zstd frame checksum alone), every line parsed, then Store::RestorePredictions. A damaged
// file is refused (kFailedPrecondition with the reason) and nothing is restored.
Result<RestoreOutcome> RestoreArchive(store::Store& store, const std::filesystem::path& path);

}  // namespace mw::maintenance
