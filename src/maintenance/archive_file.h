// Archive files of the archive-predictions task: rows as NDJSON (one JSON object per line),
// zstd-compressed, written so that a crash never leaves a partial file under the final name, and
// verified by reading them back before the rows they hold may be deleted from the store.
//
// Contract of WriteArchive: the data goes to "<path>.tmp" in the same directory, which is fsynced,
// renamed to <path> and the directory fsynced; on any error the temporary file is removed and
// <path> does not exist. An existing <path> is never overwritten (an archive is immutable once
// written; a rerun after a crash verifies it instead).
//
// Thread-safety: the functions are independent; two calls must not write the same path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace mw::maintenance {

struct ArchiveManifest {
  int64_t rows = 0;  // lines in the file
  int64_t compressed_bytes = 0;
  int64_t uncompressed_bytes = 0;  // the NDJSON text, newlines included
  std::string sha256;              // lower-case hex SHA-256 of the compressed file as stored
};

// Writes `lines` (each one JSON text without a newline; a line holding '\n' or '\r' is refused
// with kInvalidArgument naming its index) as zstd-compressed NDJSON at `level` (1..19).
// kAlreadyExists when <path> exists; kUnavailable for I/O errors (naming the path and errno's
// text).
Result<ArchiveManifest> WriteArchive(const std::filesystem::path& path,
                                     std::span<const std::string> lines, int level = 3);

// Reads <path> back in full: the file's SHA-256 and size must equal the manifest's, it must
// decompress completely (a truncated frame is an error) and hold exactly manifest.rows lines,
// each terminated by '\n'. kDataLoss-like failures are kFailedPrecondition naming what differs.
Status VerifyArchive(const std::filesystem::path& path, const ArchiveManifest& manifest);

// The lines of an archive (for `modelwatch archive restore`), after the same decompression checks
// as VerifyArchive (no manifest needed).
Result<std::vector<std::string>> ReadArchive(const std::filesystem::path& path);

}  // namespace mw::maintenance
