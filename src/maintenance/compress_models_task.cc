#include "maintenance/compress_models_task.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "registry/import.h"

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;

constexpr size_t kArtifactChunk = 1 << 20;
constexpr int64_t kLargeArtifactBytes = int64_t{1} << 20;

Status ArtifactIoError(const std::string& what, const fs::path& path) {
  return Unavailable(what + " " + path.string() + ": " + std::strerror(errno));
}

class ArtifactSha256 {
 public:
  ArtifactSha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string Digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    return std::string(reinterpret_cast<const char*>(digest), size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// A file descriptor closed on scope exit.
struct ArtifactFd {
  int fd = -1;
  explicit ArtifactFd(int f) : fd(f) {}
  ~ArtifactFd() {
    if (fd >= 0) ::close(fd);
  }
  ArtifactFd(const ArtifactFd&) = delete;
  ArtifactFd& operator=(const ArtifactFd&) = delete;
};

Status WriteArtifactBytes(int fd, const char* data, size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ArtifactIoError("cannot write", path);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncArtifactDir(const fs::path& dir) {
  ArtifactFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.fd < 0) return ArtifactIoError("cannot open directory", dir);
  return ::fsync(fd.fd) == 0 ? Status::Ok() : ArtifactIoError("cannot fsync directory", dir);
}

// Compresses `in` into `out` (-1: only counts), hashing the input.
Status CompressArtifactStream(int in, int out, int level, int64_t expected_bytes,
                              const fs::path& path, ArtifactSha256& hash, CompressedFile& sizes) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  // The size lets zstd size its window and tables to the file (level 19 on a small file would
  // otherwise set up for the largest input) and records it in the frame header.
  ZSTD_CCtx_setPledgedSrcSize(cctx.get(), static_cast<unsigned long long>(expected_bytes));
  std::string input(kArtifactChunk, '\0'), output(ZSTD_CStreamOutSize(), '\0');
  while (true) {
    const ssize_t n = ::read(in, input.data(), input.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ArtifactIoError("cannot read", path);
    hash.Update(input.data(), static_cast<size_t>(n));
    sizes.original_bytes += n;
    const bool end = n == 0;
    ZSTD_inBuffer ib{input.data(), static_cast<size_t>(n), 0};
    while (true) {
      ZSTD_outBuffer ob{output.data(), output.size(), 0};
      const size_t left =
          ZSTD_compressStream2(cctx.get(), &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left)) {
        // srcSize_wrong: the file grew or shrank while it was read.
        if (ZSTD_getErrorCode(left) == ZSTD_error_srcSize_wrong) {
          sizes.skipped = "it changed while it was compressed";
          return Status::Ok();
        }
        return Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      }
      sizes.compressed_bytes += static_cast<int64_t>(ob.pos);
      if (out >= 0) {
        if (Status s = WriteArtifactBytes(out, output.data(), ob.pos, path); !s.ok()) return s;
      }
      if (end ? left == 0 : ib.pos == ib.size) break;
    }
    if (end) return Status::Ok();
  }
}

// SHA-256 of what `zst` decompresses to (a truncated or damaged frame is an error).
Result<std::string> DecompressedSha256(const fs::path& zst) {
  std::ifstream file(zst, std::ios::binary);
  if (!file) return ArtifactIoError("cannot open", zst);
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  ArtifactSha256 hash;
  std::string input(ZSTD_DStreamInSize(), '\0'), output(ZSTD_DStreamOutSize(), '\0');
  size_t last = 0;
  while (file) {
    file.read(input.data(), static_cast<std::streamsize>(input.size()));
    ZSTD_inBuffer ib{input.data(), static_cast<size_t>(file.gcount()), 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{output.data(), output.size(), 0};
      last = ZSTD_decompressStream(dctx.get(), &ob, &ib);
      if (ZSTD_isError(last)) {
        return FailedPrecondition(zst.string() + ": " + ZSTD_getErrorName(last));
      }
      hash.Update(output.data(), ob.pos);
    }
  }
  if (last != 0) return FailedPrecondition(zst.string() + ": truncated zstd frame");
  return hash.Digest();
}

Result<std::string> PlainSha256(const fs::path& path) {
  ArtifactFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.fd < 0) return ArtifactIoError("cannot open", path);
  ArtifactSha256 hash;
  std::string buffer(kArtifactChunk, '\0');
  while (true) {
    const ssize_t n = ::read(fd.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ArtifactIoError("cannot read", path);
    if (n == 0) return hash.Digest();
    hash.Update(buffer.data(), static_cast<size_t>(n));
  }
}

// Removes `file` once `zst` is known to hold it.
Status RemoveOriginal(const fs::path& file) {
  if (::unlink(file.c_str()) != 0) return ArtifactIoError("cannot remove", file);
  return SyncArtifactDir(file.parent_path());
}

}  // namespace

Result<CompressedFile> CompressArtifact(const fs::path& file, bool dry_run) {
  struct stat before {};
  if (::lstat(file.c_str(), &before) != 0) return ArtifactIoError("cannot stat", file);
  if (!S_ISREG(before.st_mode)) return FailedPrecondition(file.string() + " is not a regular file");
  const fs::path zst = file.string() + ".zst";
  const fs::path tmp = file.string() + ".zst.tmp";
  std::error_code ec;
  if (!dry_run && fs::is_regular_file(fs::symlink_status(zst, ec))) {
    // An earlier run stopped after the rename: finish it when the copy is good.
    auto original = PlainSha256(file);
    auto copy = DecompressedSha256(zst);
    if (original.has_value() && copy.has_value() && *original == *copy) {
      CompressedFile done;
      done.compressed = true;
      done.original_bytes = before.st_size;
      done.compressed_bytes = static_cast<int64_t>(fs::file_size(zst, ec));
      if (Status s = RemoveOriginal(file); !s.ok()) return s;
      return done;
    }
    fs::remove(zst, ec);  // not a copy of FILE: made again below
  }
  ArtifactFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.fd < 0) return ArtifactIoError("cannot open", file);
  const int level = before.st_size > kLargeArtifactBytes ? 9 : 19;
  CompressedFile sizes;
  ArtifactSha256 hash;
  if (dry_run) {
    if (Status s = CompressArtifactStream(in.fd, -1, level, before.st_size, file, hash, sizes);
        !s.ok())
      return s;
    sizes.compressed = sizes.skipped.empty() && sizes.compressed_bytes < sizes.original_bytes;
    return sizes;
  }
  fs::remove(tmp, ec);  // left by a crash
  {
    ArtifactFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (out.fd < 0) return ArtifactIoError("cannot create", tmp);
    Status s = CompressArtifactStream(in.fd, out.fd, level, before.st_size, file, hash, sizes);
    if (s.ok() && ::fsync(out.fd) != 0) s = ArtifactIoError("cannot fsync", tmp);
    if (!s.ok() || !sizes.skipped.empty() || sizes.compressed_bytes >= sizes.original_bytes) {
      fs::remove(tmp, ec);
      if (!s.ok()) return s;
      return sizes;  // not smaller: FILE stays as it is
    }
  }
  struct stat after {};
  if (::lstat(file.c_str(), &after) != 0 || after.st_size != before.st_size ||
      after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    fs::remove(tmp, ec);
    sizes.skipped = "it changed while it was compressed";
    return sizes;
  }
  if (::rename(tmp.c_str(), zst.c_str()) != 0) {
    const Status s = ArtifactIoError("cannot rename to", zst);
    fs::remove(tmp, ec);
    return s;
  }
  if (Status s = SyncArtifactDir(file.parent_path()); !s.ok()) return s;
  auto copy = DecompressedSha256(zst);
  if (!copy.has_value() || *copy != hash.Digest()) {
    fs::remove(zst, ec);
    return Internal(zst.string() + " does not decompress to " + file.string() +
                    "; the original is kept");
  }
  if (Status s = RemoveOriginal(file); !s.ok()) return s;
  sizes.compressed = true;
  return sizes;
}

namespace {

bool HiddenEntry(const std::string& name) { return name.empty() || name[0] == '.'; }

bool RealDirectory(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(p, ec));
}

// The real subdirectories of `dir` (no symlinks, no dot-names), sorted.
std::vector<fs::path> RealSubdirectories(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!HiddenEntry(it->path().filename().string()) && RealDirectory(it->path())) {
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The version names of one (model, segment) directory that must stay untouched.
std::set<std::string> ProtectedVersions(const fs::path& group,
                                        const std::vector<fs::path>& versions,
                                        const std::string& store_latest) {
  std::set<std::string> keep = {"latest"};
  if (!store_latest.empty()) keep.insert(store_latest);
  const fs::path latest = group / "latest";
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(latest, ec);
  if (fs::is_symlink(status)) {
    const fs::path target = fs::canonical(latest, ec);
    if (!ec) keep.insert(target.filename().string());
  } else if (fs::is_directory(status)) {
    std::ifstream in(latest / "metadata.json");
    const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_object() && doc.contains("version")) {
      const auto& v = doc["version"];
      keep.insert(v.is_string() ? v.get<std::string>() : v.dump());
    }
  } else {
    std::string greatest;
    for (const fs::path& v : versions) {
      const std::string name = v.filename().string();
      if (greatest.empty() || registry::CompareVersionNames(name, greatest) > 0) greatest = name;
    }
    keep.insert(greatest);
  }
  return keep;
}

bool ArtifactToCompress(const fs::directory_entry& entry) {
  std::error_code ec;
  if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) return false;
  const std::string name = entry.path().filename().string();
  const auto ends = [&name](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name != "metadata.json" && !ends(".zst") && !ends(".zst.tmp");
}

// The artifact files under the version directories of `root` that are not protected.
Result<std::vector<fs::path>> ArtifactsToCompress(const fs::path& root, store::Store& store) {
  std::vector<fs::path> files;
  for (const fs::path& model_dir : RealSubdirectories(root)) {
    auto versions = store.ListModelVersions(model_dir.filename().string());
    if (!versions.has_value()) return versions.error();
    std::map<std::string, std::string> store_latest;  // segment -> version
    for (const auto& v : *versions) {
      if (v.is_latest) store_latest[v.segment] = v.version;
    }
    // Unsegmented when a directory right under the model holds a metadata.json (import.h).
    const std::vector<fs::path> children = RealSubdirectories(model_dir);
    bool segmented = true;
    for (const fs::path& c : children) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(c / "metadata.json", ec))) segmented = false;
    }
    std::vector<std::pair<fs::path, std::string>> groups;
    if (segmented) {
      for (const fs::path& c : children) groups.emplace_back(c, c.filename().string());
    } else {
      groups.emplace_back(model_dir, "");
    }
    for (const auto& [group, segment] : groups) {
      const std::vector<fs::path> version_dirs = RealSubdirectories(group);
      const auto keep = ProtectedVersions(group, version_dirs, store_latest[segment]);
      for (const fs::path& v : version_dirs) {
        if (keep.contains(v.filename().string())) continue;
        std::error_code ec;
        for (fs::recursive_directory_iterator it(v, ec), end; !ec && it != end; it.increment(ec)) {
          if (ArtifactToCompress(*it)) files.push_back(it->path());
        }
        if (ec) return Unavailable("cannot list " + v.string() + ": " + ec.message());
      }
    }
  }
  return files;
}

}  // namespace

Result<TaskOutcome> CompressModelsTask::Run(TaskContext& ctx) {
  TaskOutcome outcome;
  if (options_.models_dir.empty()) {
    outcome.message = "no models_dir configured: nothing to do";
    return outcome;
  }
  const fs::path root = options_.models_dir;
  if (!RealDirectory(root) && !fs::is_directory(root)) {
    return FailedPrecondition("maintenance.models_dir " + options_.models_dir +
                              " is not a directory");
  }
  auto files = ArtifactsToCompress(root, store_);
  if (!files.has_value()) return files.error();
  ctx.progress.SetTotal(static_cast<int64_t>(files->size()));
  int64_t done = 0, unchanged = 0;
  for (const fs::path& file : *files) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    ctx.progress.Update(done++, file.string());
    auto result = CompressArtifact(file, ctx.dry_run);
    if (!result.has_value()) return result.error();
    if (!result->skipped.empty()) {
      ctx.log.Warn("model artifact left as it is: " + result->skipped,
                   {{"file.path", file.string()}});
      ++unchanged;
      continue;
    }
    if (!result->compressed) {
      ++unchanged;
      continue;
    }
    const int64_t saved = result->original_bytes - result->compressed_bytes;
    ctx.log.Info(ctx.dry_run ? "would compress model artifact" : "compressed model artifact",
                 {{"file.path", file.string()},
                  {"file.size", result->original_bytes},
                  {"modelwatch.compressed_bytes", result->compressed_bytes}});
    ++outcome.items;
    outcome.bytes += saved;
  }
  ctx.progress.Update(done, "");
  outcome.message = std::string(ctx.dry_run ? "would compress " : "compressed ") +
                    std::to_string(outcome.items) + " model artifact file(s), saving " +
                    std::to_string(outcome.bytes) + " bytes";
  if (unchanged > 0) {
    outcome.message +=
        "; " + std::to_string(unchanged) + " left as they were (not smaller, or changed meanwhile)";
  }
  return outcome;
}

}  // namespace mw::maintenance
