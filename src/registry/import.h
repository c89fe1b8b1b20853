// Reading the on-disk model layout ML teams keep, for `modelwatch registry import DIR`.
// Pure filesystem reading: no store calls (the CLI writes the result into the Store).
//
// Layouts, detected per model directory:
//   segmented:    DIR/{model}/{segment}/{version}/metadata.json  (+ DIR/{model}/{segment}/latest)
//   unsegmented:  DIR/{model}/{version}/metadata.json            (+ DIR/{model}/latest)
// A model is unsegmented when any directory directly under it holds an entry named metadata.json.
// Entries whose names start with '.' and plain files (README, ...) are skipped.
//
// Versions and "latest", per (model, segment):
//   - the version name is the directory name, and the segment the segment directory's name
//     (both win over "version"/"segment" keys inside metadata.json);
//   - `latest` as a symlink to a sibling version directory marks that version latest and is not
//     a version of its own; other symlinks to sibling directories are aliases and are skipped;
//   - `latest` as a real directory is a version named by its metadata.json "version" key (string
//     or integer), else "latest"; when a sibling directory already has that name, the sibling is
//     marked latest and the copy is not imported twice;
//   - without `latest`, the greatest version name by CompareVersionNames is latest;
//   - when `latest` cannot be used (dangling, points outside the group, or its metadata.json is
//     invalid) the problem is reported and no version of that (model, segment) is marked latest.
// Names: model, segment and version names (directory names, or a real `latest` directory's
// "version") follow common/names.h (valid UTF-8, no control characters, 128/256/128 bytes); a
// directory with a bad name is reported as an ImportError and skipped with everything under it.
// metadata.json follows ReadModelVersionFields (registry/document.h); its "latest" key is ignored.
// A leading UTF-8 byte order mark is skipped.
//
// Reading metadata.json files (each refusal is an ImportError naming the file and the reason; the
// rest of the tree is still imported):
//   - it must resolve (symlinks followed) to a path inside DIR: a metadata.json, or a version
//     directory, symlinked to anywhere outside DIR is not read;
//   - it must be a regular file: a FIFO, socket or device is not opened for reading, so the
//     import never blocks on one;
//   - at most kMaxMetadataFileBytes (1 MiB), and nested at most kMaxJsonDepth
//     (common/json_limits.h) levels of arrays/objects.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "registry/model.h"

namespace mw::registry {

// The largest metadata.json read (bytes).
inline constexpr size_t kMaxMetadataFileBytes = 1024 * 1024;

struct ImportError {
  std::filesystem::path path;  // the file or directory at fault
  std::string reason;
};

struct ImportResult {
  // One per model with at least one imported version, sorted by name. The task comes from a
  // metadata "task" (or "model_type") value naming regression or binary_classification, the
  // latest version's first; kUnknown when none does (callers should then not overwrite a task
  // registered by other means).
  std::vector<ModelInfo> models;
  // Every imported version (created_at_ms left 0). All is_latest=false versions come first, then
  // the latest ones, each part sorted by (model, segment, version), so writing them in order
  // leaves the right version marked latest.
  std::vector<ModelVersionInfo> versions;
  // Problems with single files or directories; the rest of the tree is still imported.
  std::vector<ImportError> errors;
};

ImportResult ScanModelDirectory(const std::filesystem::path& dir);

// Orders version names: runs of digits compare as numbers, everything else byte-wise, so
// v2 < v10 and 2024-01-05 < 2024-01-12. Returns <0, 0 or >0.
int CompareVersionNames(std::string_view a, std::string_view b);

}  // namespace mw::registry
