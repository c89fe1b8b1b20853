#include "maintenance/health_check_task.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "telemetry/proc_parsers.h"

namespace mw::maintenance {
namespace {

std::string ReadHealthFile(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int DefaultPort(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "smtp") return 25;
  if (scheme == "smtps") return 465;
  if (scheme == "redis" || scheme == "rediss") return 6379;
  return -1;
}

Status ConnectUnix(const std::string& path, int64_t timeout_ms) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return Unavailable("socket path too long");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::strerror(errno));
  (void)timeout_ms;  // a local connect does not wait on the network
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Unavailable("cannot connect to " + path + ": " + std::strerror(err));
  return Status::Ok();
}

// One address: a non-blocking connect, then poll until it completes or the time is up.
Status ConnectOne(const addrinfo* ai, int64_t timeout_ms) {
  const int fd =
      ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return Unavailable(std::strerror(errno));
  int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
  int err = rc == 0 ? 0 : errno;
  if (rc != 0 && err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout_ms));
    if (rc == 0) {
      err = ETIMEDOUT;
    } else if (rc < 0) {
      err = errno;
    } else {
      socklen_t len = sizeof(err);
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
  }
  ::close(fd);
  if (err != 0) return Unavailable(std::strerror(err));
  return Status::Ok();
}

}  // namespace

std::optional<HostPort> UrlHostPort(const std::string& url) {
  const size_t colon = url.find("://");
  if (colon == std::string::npos) return std::nullopt;
  const std::string scheme = url.substr(0, colon);
  std::string rest = url.substr(colon + 3);
  if (scheme == "unix") return rest.empty() ? std::nullopt : std::optional<HostPort>({rest, 0});
  const int default_port = DefaultPort(scheme);
  if (default_port < 0) return std::nullopt;
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  HostPort out{rest, default_port};
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port_text = rest.substr(close + 2);
  } else if (const size_t c = rest.rfind(':'); c != std::string::npos) {
    out.host = rest.substr(0, c);
    port_text = rest.substr(c + 1);
  }
  if (!port_text.empty()) {
    int port = 0;
    for (char ch : port_text) {
      if (ch < '0' || ch > '9' || port > 65535) return std::nullopt;
      port = port * 10 + (ch - '0');
    }
    if (port < 1 || port > 65535) return std::nullopt;
    out.port = port;
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

Status TryConnect(const HostPort& target, int64_t timeout_ms) {
  if (target.port == 0) return ConnectUnix(target.host, timeout_ms);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc =
      ::getaddrinfo(target.host.c_str(), std::to_string(target.port).c_str(), &hints, &found);
  if (rc != 0) return Unavailable("cannot resolve " + target.host + ": " + gai_strerror(rc));
  Status last = Unavailable("no address");
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    last = ConnectOne(ai, timeout_ms);
    if (last.ok()) break;
  }
  ::freeaddrinfo(found);
  if (!last.ok()) {
    return Unavailable(target.host + ":" + std::to_string(target.port) + ": " + last.message());
  }
  return last;
}

HealthCheckTask::HealthCheckTask(store::Store& store, prometheus::Registry& registry,
                                 HealthCheckOptions options)
    : store_(store), options_(std::move(options)) {
  status_ = &prometheus::BuildGauge()
                 .Name("modelwatch_health_check_status")
                 .Help("Result of each check of the last health-check run: 1 ok, 0 failing.")
                 .Register(registry);
  last_run_ = &prometheus::BuildGauge()
                   .Name("modelwatch_health_check_last_run_timestamp_seconds")
                   .Help("When the last health-check run ended (Unix seconds).")
                   .Register(registry)
                   .Add({});
  disk_free_ = &prometheus::BuildGauge()
                    .Name("modelwatch_health_check_disk_free_bytes")
                    .Help("Free bytes on the data directory's disk at the last health-check run.")
                    .Register(registry)
                    .Add({});
  rss_ = &prometheus::BuildGauge()
              .Name("modelwatch_health_check_memory_rss_bytes")
              .Help("Resident memory of this process at the last health-check run.")
              .Register(registry)
              .Add({});
}

Result<TaskOutcome> HealthCheckTask::Run(TaskContext& ctx) {
  std::vector<std::string> failing;
  TaskOutcome outcome;
  auto record = [&](const std::string& check, const Status& s) {
    status_->Add({{"check", check}}).Set(s.ok() ? 1 : 0);
    ++outcome.items;
    if (!s.ok()) {
      failing.push_back(check + " (" + s.message() + ")");
      ctx.log.Warn("health check failing",
                   {{"modelwatch.check", check}, {"error.message", s.message()}});
    }
  };
  // disk
  struct statvfs vfs {};
  if (::statvfs(options_.data_dir.c_str(), &vfs) == 0) {
    const int64_t free_bytes = static_cast<int64_t>(vfs.f_bavail) * vfs.f_frsize;
    disk_free_->Set(static_cast<double>(free_bytes));
    record("disk", free_bytes >= options_.min_free_bytes
                       ? Status::Ok()
                       : Unavailable(std::to_string(free_bytes) + " bytes free, under " +
                                     std::to_string(options_.min_free_bytes)));
  } else {
    record("disk", Unavailable("cannot stat " + options_.data_dir + ": " + std::strerror(errno)));
  }
  // memory
  const auto self = telemetry::ParseProcSelfStatus(ReadHealthFile("/proc/self/status"));
  const auto host = telemetry::ParseMemInfo(ReadHealthFile("/proc/meminfo"));
  Status memory = Status::Ok();
  if (!self || !host) {
    memory = Unavailable("cannot read /proc");
  } else {
    rss_->Set(static_cast<double>(self->vm_rss_bytes));
    if (options_.max_rss_bytes > 0 && self->vm_rss_bytes > options_.max_rss_bytes) {
      memory = Unavailable("RSS " + std::to_string(self->vm_rss_bytes) + " bytes over " +
                           std::to_string(options_.max_rss_bytes));
    } else if (host->available_bytes * 20 < host->total_bytes) {
      memory = Unavailable("the host has " + std::to_string(host->available_bytes) +
                           " bytes available, under 5 % of its memory");
    }
  }
  record("memory", memory);
  // store
  Status store = store_.Ping();
  if (store.ok()) store = store_.WriteHealth();
  record("store", store);
  // endpoints
  for (const HealthEndpoint& e : options_.endpoints) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    const auto target = UrlHostPort(e.url);
    record(e.check, target ? TryConnect(*target, options_.connect_timeout_ms)
                           : Unavailable("cannot parse its URL"));
  }
  last_run_->Set(static_cast<double>(ctx.clock.NowMillis()) / 1000.0);
  if (!failing.empty()) {
    std::string list;
    for (const std::string& f : failing) list += (list.empty() ? "" : "; ") + f;
    return Unavailable(std::to_string(failing.size()) + " of " + std::to_string(outcome.items) +
                       " checks failing: " + list);
  }
  outcome.message = "all " + std::to_string(outcome.items) + " checks ok";
  return outcome;
}

}  // namespace mw::maintenance
