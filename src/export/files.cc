#include "export/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace mw::exporting {

namespace fs = std::filesystem;

namespace {

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

// Creates `path` with `mode` (minus the umask) from the start, so a secret is never readable by
// others, not even for a moment.
Status WriteNewFile(const fs::path& path, std::string_view content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Unavailable("cannot create '" + path.string() + "': " + std::strerror(errno));
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return Unavailable("cannot write '" + path.string() + "': " + reason);
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  if (::close(fd) != 0) {
    return Unavailable("cannot write '" + path.string() + "': " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFiles(std::string_view dir, const std::vector<GeneratedFile>& files) {
  for (const GeneratedFile& file : files) {
    if (!IsSafeRelativePath(file.path)) {
      return InvalidArgument("generated file path '" + file.path +
                             "' must be relative without '..'");
    }
  }
  for (const GeneratedFile& file : files) {
    const fs::path target = fs::path(dir) / file.path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Unavailable("cannot create directory '" + target.parent_path().string() +
                         "': " + ec.message());
    }
    const fs::path temp = target.string() + ".tmp-" + std::to_string(::getpid());
    if (Status s = WriteNewFile(temp, file.content, file.secret ? 0600 : 0666); !s.ok()) {
      fs::remove(temp, ec);
      return s;
    }
    fs::rename(temp, target, ec);
    if (ec) {
      const std::string reason = ec.message();
      fs::remove(temp, ec);
      return Unavailable("cannot replace '" + target.string() + "': " + reason);
    }
  }
  return Status::Ok();
}

bool IsPrometheusName(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name.front())) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace mw::exporting
