#include "maintenance/backup_manifest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "sqlite/handle.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kManifestName = "manifest.json";

// A backup that is not what its manifest says.
Status Damaged(std::string m) { return Internal(std::move(m)); }

Result<std::string> IntegrityCheckOf(const fs::path& db_path) {
  auto db = sqlite::Db::Open(db_path.string(), SQLITE_OPEN_READONLY);
  if (!db) return db.error();
  auto stmt = sqlite::Stmt::Prepare(*db, "PRAGMA integrity_check", false);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  return *row ? stmt->ColumnText(0) : std::string("no answer");
}

}  // namespace

Result<std::string> FileSha256(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("cannot open " + path.string() + ": " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Unavailable("cannot read " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

Result<std::vector<BackupFileEntry>> DescribeBackupFiles(const fs::path& dir) {
  std::vector<BackupFileEntry> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    if (rel == kManifestName) continue;
    BackupFileEntry entry;
    entry.path = rel;
    entry.size = static_cast<int64_t>(it->file_size(ec));
    auto sha = FileSha256(it->path());
    if (!sha) return sha.error();
    entry.sha256 = *sha;
    out.push_back(std::move(entry));
  }
  if (ec) return Unavailable("cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const BackupFileEntry& a, const BackupFileEntry& b) { return a.path < b.path; });
  return out;
}

Status WriteBackupManifest(const fs::path& dir, const BackupManifest& manifest) {
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const BackupFileEntry& f : manifest.files) {
    files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  }
  const nlohmann::ordered_json j = {{"format", manifest.format},
                                    {"created_at", manifest.created_at},
                                    {"schema_version", manifest.schema_version},
                                    {"prediction_rows", manifest.prediction_rows},
                                    {"files", files}};
  const std::string text = j.dump(2) + "\n";
  const fs::path path = dir / kManifestName;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return Unavailable("cannot write " + path.string() + ": " + std::strerror(err));
  return Status::Ok();
}

Result<BackupManifest> ReadBackupManifest(const fs::path& dir) {
  const fs::path path = dir / kManifestName;
  std::ifstream in(path);
  if (!in) return NotFound("no " + path.string());
  auto j = nlohmann::json::parse(in, nullptr, false);
  BackupManifest m;
  try {
    if (!j.is_object() || !j.at("files").is_array()) throw std::runtime_error("not an object");
    m.format = j.at("format").get<int64_t>();
    m.created_at = j.at("created_at").get<std::string>();
    m.schema_version = j.at("schema_version").get<int64_t>();
    m.prediction_rows = j.at("prediction_rows").get<int64_t>();
    for (const auto& f : j.at("files")) {
      m.files.push_back({f.at("path").get<std::string>(), f.at("size").get<int64_t>(),
                         f.at("sha256").get<std::string>()});
    }
  } catch (const std::exception& e) {
    return Damaged(path.string() + " is not a valid backup manifest: " + e.what());
  }
  return m;
}

Status CountBackupStore(const fs::path& db_path, int64_t* rows, int64_t* schema_version) {
  auto db = sqlite::Db::Open(db_path.string(), SQLITE_OPEN_READONLY);
  if (!db) return db.error();
  *rows = 0;
  for (const char* table : {"prediction_logs", "prediction_inbox"}) {
    auto n = db->QueryInt(std::string("SELECT count(*) FROM ") + table);
    if (!n) return n.error();
    *rows += n->value_or(0);
  }
  auto version = db->QueryInt("SELECT max(version) FROM schema_migrations");
  if (!version) return version.error();
  *schema_version = version->value_or(0);
  return Status::Ok();
}

Result<BackupManifest> VerifyBackup(const fs::path& dir) {
  auto manifest = ReadBackupManifest(dir);
  if (!manifest) return manifest.error();
  bool has_store = false;
  for (const BackupFileEntry& f : manifest->files) {
    const fs::path path = dir / f.path;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return Damaged(f.path + " of the backup is missing: " + ec.message());
    if (static_cast<int64_t>(size) != f.size) {
      return Damaged(f.path + " has " + std::to_string(size) + " bytes; the manifest says " +
                     std::to_string(f.size));
    }
    auto sha = FileSha256(path);
    if (!sha) return sha.error();
    if (*sha != f.sha256) return Damaged(f.path + " does not match its SHA-256 in the manifest");
    if (path.extension() == ".db") {
      auto check = IntegrityCheckOf(path);
      if (!check) return Damaged(f.path + ": " + check.error().message());
      if (*check != "ok") return Damaged(f.path + " fails PRAGMA integrity_check: " + *check);
    }
    has_store = has_store || f.path == "modelwatch.db";
  }
  if (!has_store) return Damaged(dir.string() + " holds no modelwatch.db");
  if (Status s = CountBackupStore(dir / "modelwatch.db", &manifest->prediction_rows,
                                  &manifest->schema_version);
      !s.ok()) {
    return Damaged("modelwatch.db: " + s.message());
  }
  return manifest;
}

}  // namespace mw::maintenance
