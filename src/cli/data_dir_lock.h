// One process owns a data directory: `serve` (and `modelwatch maintain` running without a server)
// holds an exclusive flock(2) on <data_dir>/modelwatch.lock for its whole life, and writes into
// the file who it is: "pid 123 http://127.0.0.1:8000" (the address its API answers on; a local
// `maintain` writes "pid 123 -"). The kernel releases the lock when the process exits, even after
// kill -9, so a stale file never blocks anyone; only its text stays behind.
//
// Other commands ask QueryDataDirLock: when a server holds the lock they talk to it over HTTP
// (its address is in the file), else they take the lock themselves.
//
// Thread-safety: a DataDirLock is owned by one thread; QueryDataDirLock may be called anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::cli {

struct LockHolder {
  int64_t pid = 0;
  std::string address;  // "http://127.0.0.1:8000", or "" when the holder serves no API
};

class DataDirLock {
 public:
  // Creates the directory and the lock file when missing and takes the lock. kFailedPrecondition
  // "data directory DIR is in use by pid N (ADDRESS)" when another process holds it;
  // kUnavailable when the file cannot be opened.
  static Result<DataDirLock> Acquire(const std::string& data_dir, std::string_view address);
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock (the file stays)

  // Rewrites the file's text with the address (once the server knows its port).
  Status SetAddress(std::string_view address);

 private:
  DataDirLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// The process holding the data directory's lock, or nullopt when nobody holds it (or there is no
// lock file yet).
std::optional<LockHolder> QueryDataDirLock(const std::string& data_dir);

// The URL a client on this host uses for a server listening on host:port ("0.0.0.0" and "" become
// 127.0.0.1, "::" becomes [::1], other IPv6 literals get brackets).
std::string LocalServerUrl(std::string_view host, uint16_t port);

}  // namespace mw::cli
