// health-check: looks at what modelwatch needs to keep working and exports the answers as
// metrics, so an alert rule or a dashboard sees a problem before it bites:
//   disk     free bytes on the data directory's disk >= min_free_bytes (storage.min_free_bytes)
//   memory   this process's RSS (/proc/self/status) <= max_rss_bytes (0 = no limit), and the
//            host's available memory >= 5 % of its total
//   store    Store::Ping (a read) and Store::WriteHealth (writes succeed)
//   <name>   each endpoint: a TCP connection to the URL's host and port opens within
//            connect_timeout_ms (alert channels, SMTP servers, Redis); nothing is sent
// Metrics (on the registry given; modelwatch's own, fixed prefix):
//   modelwatch_health_check_status{check}                 1 ok, 0 failing
//   modelwatch_health_check_last_run_timestamp_seconds    end of the last run
//   modelwatch_health_check_disk_free_bytes               data directory's disk
//   modelwatch_health_check_memory_rss_bytes              this process
// The run fails (status failed, the message lists the failing checks) when any check fails.
//
// Thread-safety: Run is called by one thread at a time (the Runner's lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "maintenance/task.h"
#include "store/store.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace mw::maintenance {

struct HealthEndpoint {
  std::string check;  // the label value: "channel:ops", "smtp:mail", "redis"
  std::string url;    // http(s)://, smtp(s)://, redis(s)://host[:port]..., or unix:///path
};

struct HealthCheckOptions {
  std::string data_dir;
  int64_t min_free_bytes = 0;
  int64_t max_rss_bytes = 0;  // 0 = no limit
  std::vector<HealthEndpoint> endpoints;
  int64_t connect_timeout_ms = 2000;
};

// host and port of a URL (default ports: http 80, https 443, smtp 25, smtps 465, redis and
// rediss 6379); for unix:///path the path in host and port 0. nullopt when unparsable. Pure.
struct HostPort {
  std::string host;
  int port = 0;
};
std::optional<HostPort> UrlHostPort(const std::string& url);

// OK when a TCP (or, for port 0, a unix-socket) connection to `target` opens within timeout_ms;
// else kUnavailable with the reason. Closes it at once.
Status TryConnect(const HostPort& target, int64_t timeout_ms);

class HealthCheckTask final : public Task {
 public:
  // Registers the metric families on `registry` (which must outlive the task).
  HealthCheckTask(store::Store& store, prometheus::Registry& registry, HealthCheckOptions options);
  std::string_view name() const override { return "health-check"; }
  bool destructive() const override { return false; }
  // items: checks run; fails (kUnavailable) naming the failing checks.
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  const HealthCheckOptions options_;
  prometheus::Family<prometheus::Gauge>* status_;
  prometheus::Gauge* last_run_;
  prometheus::Gauge* disk_free_;
  prometheus::Gauge* rss_;
};

}  // namespace mw::maintenance
