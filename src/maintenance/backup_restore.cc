#include "maintenance/backup_restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

#include "maintenance/backup_manifest.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

Status CopyRestoredFile(const fs::path& from, const fs::path& to) {
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

}  // namespace

Result<std::vector<std::string>> RestoreBackup(const fs::path& backup, const fs::path& data_dir,
                                               const std::string& aside_suffix) {
  auto manifest = VerifyBackup(backup);
  if (!manifest) {
    return Status(manifest.error().code(),
                  backup.string() + " does not verify: " + manifest.error().message());
  }
  std::vector<std::string> done = {"verified " + backup.string() + " (created " +
                                   manifest->created_at + ", schema version " +
                                   std::to_string(manifest->schema_version) + ", " +
                                   std::to_string(manifest->prediction_rows) + " prediction rows)"};
  auto failed = [&](const Status& s) {
    std::string moved;
    for (size_t i = 1; i < done.size(); ++i) moved += "; " + done[i];
    return Status(s.code(), s.message() + (moved.empty() ? "" : " (done before" + moved + ")"));
  };
  std::error_code ec;
  for (const std::string db : {"modelwatch.db", "alerts.db", "outbox.db"}) {
    if (!fs::exists(backup / db, ec)) continue;
    for (const char* ext : {"", "-wal", "-shm", "-ids", "-ids-wal", "-ids-shm"}) {
      const fs::path from = data_dir / (db + ext);
      if (!fs::exists(from, ec)) continue;
      const fs::path to = from.string() + aside_suffix;
      fs::rename(from, to, ec);
      if (ec)
        return failed(Unavailable("cannot move " + from.string() + " aside: " + ec.message()));
      done.push_back("moved " + from.string() + " -> " + to.string());
    }
    if (Status s = CopyRestoredFile(backup / db, data_dir / db); !s.ok()) return failed(s);
    done.push_back("restored " + (data_dir / db).string());
  }
  if (const int fd = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return failed(Unavailable("cannot sync " + data_dir.string()));
  }
  return done;
}

}  // namespace mw::maintenance
