// Scrape-time collectors for process and host metrics, read from /proc (and statvfs) on every
// Collect(), so each scrape sees fresh values.
//
// ProcessCollector exports the standard, unprefixed process_* families with the names and units
// the Go and Python Prometheus clients use:
//   process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
//   process_start_time_seconds, process_open_fds, process_max_fds.
// HostCollector exports <prefix>_system_*:
//   cpu_usage_ratio (busy share since the previous Collect(), or since construction),
//   memory_bytes{state="total|available|used"}, disk_read_bytes_total{device},
//   disk_written_bytes_total{device}, network_receive_bytes_total{interface},
//   network_transmit_bytes_total{interface}, disk_free_bytes{path}, disk_total_bytes{path}.
// A family whose source file is missing or unparsable is left out of that scrape (no zeros that
// would look like real readings).
//
// Thread-safety: Collect() may be called concurrently (HostCollector serialises the CPU delta
// under a mutex).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "telemetry/proc_parsers.h"

namespace mw::telemetry {

class ProcessCollector final : public prometheus::Collectable {
 public:
  // proc_root: "/proc" in production; a fixture directory in tests (it must hold self/stat,
  // self/status, self/limits, self/fd/ and stat for btime).
  explicit ProcessCollector(std::string proc_root = "/proc");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string proc_root_;
  long ticks_per_second_;
  long page_size_;
};

class HostCollector final : public prometheus::Collectable {
 public:
  // prefix: a validated metric-name prefix ("ml"). data_dir: the directory whose file system is
  // reported by disk_free_bytes/disk_total_bytes; empty = not reported. proc_root: as above
  // (stat, meminfo, diskstats, net/dev).
  HostCollector(std::string prefix, std::string data_dir, std::string proc_root = "/proc");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string prefix_;
  std::string data_dir_;
  std::string proc_root_;
  mutable std::mutex cpu_mutex_;
  mutable std::optional<CpuTimes> previous_cpu_;
};

}  // namespace mw::telemetry
