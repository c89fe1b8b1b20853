#include "maintenance/backup_task.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "common/time_format.h"
#include "maintenance/backup_manifest.h"
#include "sqlite/maintenance.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kBackupPrefix = "modelwatch-";
constexpr std::string_view kPartialSuffix = ".partial";

int64_t TreeBytes(const fs::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

Status SyncBackupDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + dir.string() + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot sync " + dir.string() + ": " + std::strerror(err));
  return Status::Ok();
}

bool ExistingFile(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_regular_file(path, ec);
}

}  // namespace

std::string BackupDirName(int64_t epoch_ms) {
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(kBackupPrefix) + buf;
}

std::vector<std::string> BackupsToRotate(const std::vector<std::string>& names, int64_t keep) {
  std::vector<std::string> backups;
  for (const std::string& n : names) {
    const bool partial =
        n.size() >= kPartialSuffix.size() &&
        n.compare(n.size() - kPartialSuffix.size(), std::string::npos, kPartialSuffix) == 0;
    if (n.rfind(kBackupPrefix, 0) == 0 && !partial) backups.push_back(n);
  }
  std::sort(backups.begin(), backups.end());
  const auto excess = static_cast<int64_t>(backups.size()) - std::max<int64_t>(keep, 1);
  if (excess <= 0) return {};
  backups.resize(static_cast<size_t>(excess));
  return backups;
}

Result<int64_t> BackupTask::EstimateBytes() const {
  auto stats = store_.Stats();
  if (!stats) return stats.error();
  int64_t estimate = stats->size_bytes;
  for (const std::string& path : {options_.alerts_db_path, options_.outbox_db_path}) {
    if (ExistingFile(path)) estimate += sqlite::DatabaseFileBytes(path);
  }
  if (!options_.models_dir.empty()) estimate += TreeBytes(options_.models_dir);
  return estimate;
}

Status BackupTask::CheckPreconditions(int64_t estimate) const {
  std::error_code ec;
  fs::create_directories(options_.backup_dir, ec);
  if (ec) return FailedPrecondition("cannot create " + options_.backup_dir + ": " + ec.message());
  if (::access(options_.backup_dir.c_str(), W_OK) != 0) {
    return FailedPrecondition("backup directory " + options_.backup_dir + " is not writable");
  }
  if (!options_.models_dir.empty() && !fs::is_directory(options_.models_dir, ec)) {
    return FailedPrecondition("maintenance.models_dir " + options_.models_dir +
                              " is not a directory");
  }
  struct statvfs vfs {};
  if (::statvfs(options_.backup_dir.c_str(), &vfs) == 0) {
    const int64_t free_bytes = static_cast<int64_t>(vfs.f_bavail) * vfs.f_frsize;
    if (free_bytes - estimate < options_.min_free_bytes) {
      return FailedPrecondition("not enough free space in " + options_.backup_dir +
                                ": a backup needs about " + std::to_string(estimate) +
                                " bytes and " + std::to_string(options_.min_free_bytes) +
                                " must stay free; " + std::to_string(free_bytes) + " are free");
    }
  }
  return Status::Ok();
}

Status BackupTask::Copy(const fs::path& partial, TaskContext& ctx) const {
  if (Status s = store_.BackupTo((partial / "modelwatch.db").string()); !s.ok()) return s;
  ctx.progress.Update(1, "modelwatch.db");
  int64_t done = 1;
  for (const auto& [name, path] :
       {std::pair<std::string, std::string>{"alerts.db", options_.alerts_db_path},
        {"outbox.db", options_.outbox_db_path}}) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    if (!ExistingFile(path)) continue;
    if (Status s = sqlite::BackupFile(path, (partial / name).string()); !s.ok()) return s;
    ctx.progress.Update(++done, name);
  }
  if (!options_.models_dir.empty()) {
    std::error_code ec;
    fs::copy(options_.models_dir, partial / "models",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) return Unavailable("cannot copy " + options_.models_dir + ": " + ec.message());
    ctx.progress.Update(++done, "models");
  }
  return Status::Ok();
}

Result<int64_t> BackupTask::Rotate(TaskContext& ctx) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(options_.backup_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory(ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return Unavailable("cannot list " + options_.backup_dir + ": " + ec.message());
  std::vector<std::string> doomed = BackupsToRotate(names, options_.keep);
  for (const std::string& n : names) {
    if (n.rfind(kBackupPrefix, 0) == 0 && n.ends_with(kPartialSuffix)) doomed.push_back(n);
  }
  for (const std::string& n : doomed) {
    const fs::path path = fs::path(options_.backup_dir) / n;
    if (ctx.dry_run) {
      ctx.log.Info("would remove backup", {{"file.path", path.string()}});
      continue;
    }
    fs::remove_all(path, ec);
    if (ec) return Unavailable("cannot remove old backup " + path.string() + ": " + ec.message());
    ctx.log.Info("removed backup", {{"file.path", path.string()}});
  }
  return static_cast<int64_t>(doomed.size());
}

Result<TaskOutcome> BackupTask::Run(TaskContext& ctx) {
  auto estimate = EstimateBytes();
  if (!estimate) return estimate.error();
  if (Status s = CheckPreconditions(*estimate); !s.ok()) return s;
  const std::string name = BackupDirName(ctx.clock.NowMillis());
  const fs::path final_dir = fs::path(options_.backup_dir) / name;
  TaskOutcome outcome;
  if (ctx.dry_run) {
    auto rotated = Rotate(ctx);
    if (!rotated) return rotated.error();
    outcome.bytes = *estimate;
    outcome.message = "would write " + final_dir.string() + " (about " + std::to_string(*estimate) +
                      " bytes) and remove " + std::to_string(*rotated) + " old backups";
    return outcome;
  }
  std::error_code ec;
  if (fs::exists(final_dir, ec)) return AlreadyExists(final_dir.string() + " exists");
  const fs::path partial = final_dir.string() + std::string(kPartialSuffix);
  fs::remove_all(partial, ec);
  if (!fs::create_directory(partial, ec)) {
    return Unavailable("cannot create " + partial.string() + ": " + ec.message());
  }
  ctx.progress.SetTotal(4);
  auto fail = [&](const Status& s) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);  // a failed backup leaves nothing behind
    return s;
  };
  if (Status s = Copy(partial, ctx); !s.ok()) return fail(s);
  BackupManifest manifest;
  manifest.created_at = FormatRfc3339Millis(ctx.clock.NowMillis());
  if (Status s = CountBackupStore(partial / "modelwatch.db", &manifest.prediction_rows,
                                  &manifest.schema_version);
      !s.ok()) {
    return fail(s);
  }
  auto files = DescribeBackupFiles(partial);
  if (!files) return fail(files.error());
  manifest.files = std::move(*files);
  if (Status s = WriteBackupManifest(partial, manifest); !s.ok()) return fail(s);
  auto verified = VerifyBackup(partial);
  if (!verified)
    return fail(Status(verified.error().code(),
                       "verification of the new backup failed: " + verified.error().message()));
  fs::rename(partial, final_dir, ec);
  if (ec) return fail(Unavailable("cannot rename " + partial.string() + ": " + ec.message()));
  if (Status s = SyncBackupDir(options_.backup_dir); !s.ok()) return s;
  for (const BackupFileEntry& f : manifest.files) {
    outcome.items += 1;
    outcome.bytes += f.size;
  }
  ctx.log.Info("backup written", {{"file.path", final_dir.string()},
                                  {"modelwatch.files", outcome.items},
                                  {"modelwatch.bytes", outcome.bytes},
                                  {"modelwatch.prediction_rows", verified->prediction_rows}});
  auto rotated = Rotate(ctx);
  if (!rotated) return rotated.error();
  outcome.message = "wrote " + final_dir.string() + ": " + std::to_string(outcome.items) +
                    " files, " + std::to_string(outcome.bytes) + " bytes, " +
                    std::to_string(verified->prediction_rows) +
                    " prediction rows, verified; removed " + std::to_string(*rotated) +
                    " old backups (keeping " + std::to_string(options_.keep) + ")";
  return outcome;
}

}  // namespace mw::maintenance
