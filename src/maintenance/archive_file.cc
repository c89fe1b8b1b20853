#include "maintenance/archive_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <system_error>

namespace mw::maintenance {
namespace {

Status IoError(const std::string& what, const std::filesystem::path& path) {
  return Unavailable(what + " " + path.string() + ": " + std::strerror(errno));
}

std::string Hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

// SHA-256 over a stream of chunks (OpenSSL's libcrypto, as the proxy's cache keys use).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    return Hex(digest, size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// An fd that is closed (and, unless released, its file removed) on scope exit.
class TempFile {
 public:
  explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  Status WriteAll(const char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot write", path_);
      data += n;
      size -= static_cast<size_t>(n);
    }
    return Status::Ok();
  }
  Status SyncAndClose() {
    if (::fsync(fd_) != 0) return IoError("cannot fsync", path_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return IoError("cannot close", path_);
    return Status::Ok();
  }
  void Release() { released_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool released_ = false;
};

Status SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : IoError("cannot fsync directory", dir);
}

// Compresses `input` as one chunk of the stream (end = the last one) into `file`, hashing and
// counting what is written.
Status CompressChunk(ZSTD_CCtx* cctx, std::string_view input, bool end, TempFile& file,
                     Sha256& hash, ArchiveManifest& m) {
  std::string out(ZSTD_CStreamOutSize(), '\0');
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  const ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
  while (true) {
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    const size_t remaining = ZSTD_compressStream2(cctx, &ob, &in, mode);
    if (ZSTD_isError(remaining))
      return Internal(std::string("zstd: ") + ZSTD_getErrorName(remaining));
    if (ob.pos > 0) {
      if (Status s = file.WriteAll(out.data(), ob.pos); !s.ok()) return s;
      hash.Update(out.data(), ob.pos);
      m.compressed_bytes += static_cast<int64_t>(ob.pos);
    }
    if (end ? remaining == 0 : in.pos == in.size) return Status::Ok();
  }
}

// The decompressed text of <path> and the SHA-256 / size of the file as stored.
struct FileContents {
  std::string text;
  std::string sha256;
  int64_t compressed_bytes = 0;
};

Result<FileContents> Decompress(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("cannot open " + path.string());
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  FileContents out;
  Sha256 hash;
  std::string in(ZSTD_DStreamInSize(), '\0');
  std::string buffer(ZSTD_DStreamOutSize(), '\0');
  size_t last = 0;  // ZSTD_decompressStream's hint: 0 once a frame is complete
  bool any = false;
  while (file) {
    file.read(in.data(), static_cast<std::streamsize>(in.size()));
    const size_t got = static_cast<size_t>(file.gcount());
    if (got == 0) break;
    any = true;
    hash.Update(in.data(), got);
    out.compressed_bytes += static_cast<int64_t>(got);
    ZSTD_inBuffer ib{in.data(), got, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{buffer.data(), buffer.size(), 0};
      last = ZSTD_decompressStream(dctx.get(), &ob, &ib);
      if (ZSTD_isError(last)) {
        return FailedPrecondition(path.string() + ": not a valid zstd archive (" +
                                  ZSTD_getErrorName(last) + ")");
      }
      out.text.append(buffer.data(), ob.pos);
    }
  }
  if (!any || last != 0) {
    return FailedPrecondition(path.string() + ": the zstd archive is truncated");
  }
  out.sha256 = hash.HexDigest();
  return out;
}

// Splits NDJSON text into lines; every line must end in '\n'.
Result<std::vector<std::string>> Lines(const std::string& text, const std::filesystem::path& path) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      return FailedPrecondition(path.string() + ": the last line has no newline");
    }
    lines.emplace_back(text, start, nl - start);
    start = nl + 1;
  }
  return lines;
}

}  // namespace

Result<ArchiveManifest> WriteArchive(const std::filesystem::path& path,
                                     std::span<const std::string> lines, int level) {
  if (level < 1 || level > 19) return InvalidArgument("zstd level must be 1..19");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_of("\r\n") != std::string::npos) {
      return InvalidArgument("line " + std::to_string(i) + " holds a line break");
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return AlreadyExists(path.string() + " already exists");
  TempFile file(path.string() + ".tmp");
  if (file.fd() < 0) return IoError("cannot create", path.string() + ".tmp");
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);  // zstd's own frame checksum too
  ArchiveManifest m;
  Sha256 hash;
  std::string chunk;
  for (const std::string& line : lines) {
    chunk += line;
    chunk += '\n';
    if (chunk.size() >= (1u << 20)) {
      m.uncompressed_bytes += static_cast<int64_t>(chunk.size());
      if (Status s = CompressChunk(cctx.get(), chunk, false, file, hash, m); !s.ok()) return s;
      chunk.clear();
    }
  }
  m.uncompressed_bytes += static_cast<int64_t>(chunk.size());
  if (Status s = CompressChunk(cctx.get(), chunk, true, file, hash, m); !s.ok()) return s;
  if (Status s = file.SyncAndClose(); !s.ok()) return s;
  if (::rename((path.string() + ".tmp").c_str(), path.c_str()) != 0) {
    return IoError("cannot rename to", path);
  }
  file.Release();
  if (Status s = SyncDirectory(path.parent_path()); !s.ok()) return s;
  m.rows = static_cast<int64_t>(lines.size());
  m.sha256 = hash.HexDigest();
  return m;
}

Status VerifyArchive(const std::filesystem::path& path, const ArchiveManifest& manifest) {
  Result<FileContents> contents = Decompress(path);
  if (!contents.has_value()) return contents.error();
  if (contents->sha256 != manifest.sha256 ||
      contents->compressed_bytes != manifest.compressed_bytes) {
    return FailedPrecondition(path.string() + ": SHA-256 " + contents->sha256 + " (" +
                              std::to_string(contents->compressed_bytes) +
                              " bytes) differs from the manifest's " + manifest.sha256 + " (" +
                              std::to_string(manifest.compressed_bytes) + " bytes)");
  }
  Result<std::vector<std::string>> lines = Lines(contents->text, path);
  if (!lines.has_value()) return lines.error();
  if (static_cast<int64_t>(lines->size()) != manifest.rows) {
    return FailedPrecondition(path.string() + ": " + std::to_string(lines->size()) +
                              " rows, the manifest says " + std::to_string(manifest.rows));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadArchive(const std::filesystem::path& path) {
  Result<FileContents> contents = Decompress(path);
  if (!contents.has_value()) return contents.error();
  return Lines(contents->text, path);
}

}  // namespace mw::maintenance
