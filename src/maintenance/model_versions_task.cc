#include "maintenance/model_versions_task.h"

#include <algorithm>
#include <map>

#include "maintenance/model_checks.h"
#include "registry/import.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

// A name that is one path component of its own.
bool SinglePathComponent(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

bool PathInside(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

int64_t VersionDirectoryBytes(const fs::path& dir) {
  int64_t bytes = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec) && !it->is_symlink(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) bytes += static_cast<int64_t>(size);
    }
  }
  return bytes;
}

}  // namespace

std::vector<registry::ModelVersionInfo> SelectVersionsToRemove(
    const std::vector<registry::ModelVersionInfo>& versions, int64_t keep_versions) {
  std::map<std::pair<std::string, std::string>, std::vector<const registry::ModelVersionInfo*>>
      groups;
  for (const registry::ModelVersionInfo& v : versions) groups[{v.model, v.segment}].push_back(&v);
  std::vector<registry::ModelVersionInfo> remove;
  for (auto& [key, group] : groups) {
    std::sort(group.begin(), group.end(), [](const auto* a, const auto* b) {
      if (a->created_at_ms != b->created_at_ms) return a->created_at_ms > b->created_at_ms;
      return registry::CompareVersionNames(a->version, b->version) > 0;
    });
    for (size_t i = 0; i < group.size(); ++i) {
      if (static_cast<int64_t>(i) < keep_versions || group[i]->is_latest) continue;
      remove.push_back(*group[i]);
    }
  }
  return remove;
}

std::optional<fs::path> RemovableVersionDirectory(const fs::path& models_dir,
                                                  const registry::ModelVersionInfo& version) {
  if (!SinglePathComponent(version.model) || !SinglePathComponent(version.version)) {
    return std::nullopt;
  }
  if (!version.segment.empty() && !SinglePathComponent(version.segment)) return std::nullopt;
  if (version.version == "latest") return std::nullopt;
  std::error_code ec;
  const fs::path root = fs::canonical(models_dir, ec);
  if (ec) return std::nullopt;
  fs::path parent = models_dir / version.model;
  if (!version.segment.empty()) parent /= version.segment;
  const fs::path real_parent = fs::canonical(parent, ec);
  if (ec || !PathInside(real_parent, root)) return std::nullopt;
  const fs::path dir = parent / version.version;
  const fs::file_status status = fs::symlink_status(dir, ec);
  if (ec || !fs::is_directory(status)) return std::nullopt;  // missing, a symlink or a file
  // Never what `latest` points to (the store's latest and the disk's may disagree).
  const fs::path latest = parent / "latest";
  if (fs::is_symlink(fs::symlink_status(latest, ec))) {
    const fs::path target = fs::canonical(latest, ec);
    if (!ec && target == real_parent / version.version) return std::nullopt;
  }
  return dir;
}

Result<TaskOutcome> CleanupModelVersionsTask::Run(TaskContext& ctx) {
  std::error_code ec;
  if (!options_.models_dir.empty() && !fs::is_directory(options_.models_dir, ec)) {
    return FailedPrecondition("maintenance.models_dir " + options_.models_dir +
                              " is not a directory");
  }
  auto models = store_.ListModels();
  if (!models.has_value()) return models.error();
  std::vector<registry::ModelVersionInfo> all;
  for (const registry::ModelInfo& m : *models) {
    auto versions = store_.ListModelVersions(m.name);
    if (!versions.has_value()) return versions.error();
    all.insert(all.end(), versions->begin(), versions->end());
  }
  const auto remove = SelectVersionsToRemove(all, options_.keep_versions);
  ctx.progress.SetTotal(static_cast<int64_t>(remove.size()));
  TaskOutcome outcome;
  int64_t skipped = 0;
  for (const registry::ModelVersionInfo& v : remove) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    const std::string what = SegmentName(v.model, v.segment) + " " + v.version;
    ctx.progress.Update(outcome.items + skipped, what);
    std::optional<fs::path> dir;
    if (!options_.models_dir.empty()) dir = RemovableVersionDirectory(options_.models_dir, v);
    const int64_t bytes = dir ? VersionDirectoryBytes(*dir) : 0;
    nlohmann::ordered_json fields = {{"modelwatch.model", v.model},
                                     {"modelwatch.segment", v.segment},
                                     {"modelwatch.version", v.version},
                                     {"file.path", dir ? dir->string() : ""},
                                     {"file.size", bytes}};
    if (ctx.dry_run) {
      ctx.log.Info("would delete model version", fields);
    } else {
      Status s = store_.DeleteModelVersion(v.model, v.segment, v.version);
      if (s.code() == StatusCode::kFailedPrecondition || s.code() == StatusCode::kNotFound) {
        ctx.log.Info("model version kept: " + s.message(), fields);  // became latest, or gone
        ++skipped;
        continue;
      }
      if (!s.ok()) return s;
      if (dir) {
        fs::remove_all(*dir, ec);
        if (ec) {
          return Unavailable("deleted " + what + " from the registry but not its directory " +
                             dir->string() + ": " + ec.message() + " (remove it by hand)");
        }
      }
      ctx.log.Info("deleted model version", fields);
    }
    ++outcome.items;
    outcome.bytes += bytes;
  }
  outcome.message =
      std::string(ctx.dry_run ? "would delete " : "deleted ") + std::to_string(outcome.items) +
      " model version(s) of " + std::to_string(all.size()) + " (keeping " +
      std::to_string(options_.keep_versions) + " per model and segment and the latest)";
  if (skipped > 0) outcome.message += ", " + std::to_string(skipped) + " kept (changed meanwhile)";
  return outcome;
}

}  // namespace mw::maintenance
