#include "cli/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace mw::cli {
namespace {

std::string LockFilePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "modelwatch.lock").string();
}

std::string ReadLockText(int fd) {
  std::string text;
  char buffer[256];
  off_t offset = 0;
  while (text.size() < 4096) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

// "pid 123 http://127.0.0.1:8000" -> {123, "http://..."}; "-" or nothing -> "".
LockHolder ParseLockHolder(const std::string& text) {
  LockHolder h;
  if (text.rfind("pid ", 0) != 0) return h;
  size_t pos = 4;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    h.pid = h.pid * 10 + (text[pos] - '0');
    ++pos;
  }
  while (pos < text.size() && text[pos] == ' ') ++pos;
  size_t end = pos;
  while (end < text.size() && text[end] != '\n' && text[end] != ' ') ++end;
  h.address = text.substr(pos, end - pos);
  if (h.address == "-") h.address.clear();
  return h;
}

std::string DescribeLockHolder(const std::string& data_dir, const LockHolder& h) {
  std::string m = "data directory " + data_dir + " is in use by ";
  m += h.pid > 0 ? "pid " + std::to_string(h.pid) : std::string("another process");
  if (!h.address.empty()) m += " (" + h.address + ")";
  return m;
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::string& data_dir, std::string_view address) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Unavailable("cannot create data directory " + data_dir + ": " + ec.message());
  const std::string path = LockFilePath(data_dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const LockHolder holder = ParseLockHolder(ReadLockText(fd));
    ::close(fd);
    if (err == EWOULDBLOCK) return FailedPrecondition(DescribeLockHolder(data_dir, holder));
    return Unavailable("cannot lock " + path + ": " + std::strerror(err));
  }
  DataDirLock lock(fd, path);
  if (Status s = lock.SetAddress(address); !s.ok()) return s;
  return lock;
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

Status DataDirLock::SetAddress(std::string_view address) {
  const std::string text = "pid " + std::to_string(::getpid()) + " " +
                           (address.empty() ? std::string("-") : std::string(address)) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return Unavailable("cannot write " + path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::optional<LockHolder> QueryDataDirLock(const std::string& data_dir) {
  const std::string path = LockFilePath(data_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<LockHolder> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) holder = ParseLockHolder(ReadLockText(fd));
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return holder;
}

std::string LocalServerUrl(std::string_view host, uint16_t port) {
  std::string h(host);
  if (h.empty() || h == "0.0.0.0") h = "127.0.0.1";
  if (h == "::") h = "::1";
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port);
}

}  // namespace mw::cli
