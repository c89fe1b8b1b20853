#include "telemetry/system_collectors.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "prometheus/client_metric.h"
#include "prometheus/metric_type.h"

namespace mw::telemetry {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddSample(MetricFamily& family, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  family.metric.push_back(std::move(m));
}

void PushSingle(std::vector<MetricFamily>& out, std::string name, std::string help, MetricType type,
                double value) {
  auto f = Family(std::move(name), std::move(help), type);
  AddSample(f, value);
  out.push_back(std::move(f));
}

std::optional<int64_t> CountOpenFds(const std::string& fd_dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(fd_dir, ec);
  if (ec) return std::nullopt;
  int64_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  return n;
}

}  // namespace

ProcessCollector::ProcessCollector(std::string proc_root)
    : proc_root_(std::move(proc_root)),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {}

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  const auto stat_text = ReadSmallFile(proc_root_ + "/self/stat");
  const auto stat = stat_text ? ParseProcSelfStat(*stat_text) : std::nullopt;
  const double hz = ticks_per_second_ > 0 ? static_cast<double>(ticks_per_second_) : 100.0;
  if (stat) {
    PushSingle(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               MetricType::Counter,
               static_cast<double>(stat->utime_ticks + stat->stime_ticks) / hz);
  }
  const auto status_text = ReadSmallFile(proc_root_ + "/self/status");
  const auto status = status_text ? ParseProcSelfStatus(*status_text) : std::nullopt;
  if (status) {
    PushSingle(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
               MetricType::Gauge, static_cast<double>(status->vm_rss_bytes));
    PushSingle(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
               MetricType::Gauge, static_cast<double>(status->vm_size_bytes));
  } else if (stat) {  // kernel threads and some sandboxes lack VmRSS; stat always has them
    PushSingle(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
               MetricType::Gauge, static_cast<double>(stat->rss_pages) * page_size_);
    PushSingle(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
               MetricType::Gauge, static_cast<double>(stat->vsize_bytes));
  }
  const auto proc_stat = ReadSmallFile(proc_root_ + "/stat");
  const auto boot = proc_stat ? ParseProcStatBootTime(*proc_stat) : std::nullopt;
  if (stat && boot) {
    PushSingle(out, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
               static_cast<double>(*boot) + static_cast<double>(stat->starttime_ticks) / hz);
  }
  if (const auto fds = CountOpenFds(proc_root_ + "/self/fd")) {
    PushSingle(out, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
               static_cast<double>(*fds));
  }
  const auto limits = ReadSmallFile(proc_root_ + "/self/limits");
  if (const auto max = limits ? ParseMaxOpenFiles(*limits) : std::nullopt) {
    PushSingle(out, "process_max_fds", "Maximum number of open file descriptors.",
               MetricType::Gauge, *max);
  }
  return out;
}

HostCollector::HostCollector(std::string prefix, std::string data_dir, std::string proc_root)
    : prefix_(std::move(prefix)), data_dir_(std::move(data_dir)), proc_root_(std::move(proc_root)) {
  if (const auto text = ReadSmallFile(proc_root_ + "/stat"))
    previous_cpu_ = ParseProcStatCpu(*text);
}

std::vector<MetricFamily> HostCollector::Collect() const {
  std::vector<MetricFamily> out;
  const std::string p = prefix_ + "_system_";

  if (const auto text = ReadSmallFile(proc_root_ + "/stat")) {
    if (const auto now = ParseProcStatCpu(*text)) {
      std::lock_guard<std::mutex> lock(cpu_mutex_);
      const double ratio = previous_cpu_ ? CpuBusyRatio(*previous_cpu_, *now) : 0.0;
      previous_cpu_ = now;
      PushSingle(out, p + "cpu_usage_ratio",
                 "Share of host CPU time spent busy (0-1) since the previous scrape.",
                 MetricType::Gauge, ratio);
    }
  }

  if (const auto text = ReadSmallFile(proc_root_ + "/meminfo")) {
    if (const auto mem = ParseMemInfo(*text)) {
      auto f = Family(p + "memory_bytes", "Host memory in bytes by state (total, available, used).",
                      MetricType::Gauge);
      AddSample(f, static_cast<double>(mem->total_bytes), {{"state", "total"}});
      AddSample(f, static_cast<double>(mem->available_bytes), {{"state", "available"}});
      AddSample(f, static_cast<double>(mem->total_bytes - mem->available_bytes),
                {{"state", "used"}});
      out.push_back(std::move(f));
    }
  }

  if (const auto text = ReadSmallFile(proc_root_ + "/diskstats")) {
    const auto disks = ParseDiskStats(*text);
    if (!disks.empty()) {
      auto r = Family(p + "disk_read_bytes_total", "Bytes read from each whole disk.",
                      MetricType::Counter);
      auto w = Family(p + "disk_written_bytes_total", "Bytes written to each whole disk.",
                      MetricType::Counter);
      for (const auto& d : disks) {
        AddSample(r, static_cast<double>(d.read_bytes), {{"device", d.device}});
        AddSample(w, static_cast<double>(d.written_bytes), {{"device", d.device}});
      }
      out.push_back(std::move(r));
      out.push_back(std::move(w));
    }
  }

  if (const auto text = ReadSmallFile(proc_root_ + "/net/dev")) {
    const auto nets = ParseNetDev(*text);
    if (!nets.empty()) {
      auto rx = Family(p + "network_receive_bytes_total",
                       "Bytes received on each network interface.", MetricType::Counter);
      auto tx = Family(p + "network_transmit_bytes_total",
                       "Bytes transmitted on each network interface.", MetricType::Counter);
      for (const auto& n : nets) {
        AddSample(rx, static_cast<double>(n.receive_bytes), {{"interface", n.interface}});
        AddSample(tx, static_cast<double>(n.transmit_bytes), {{"interface", n.interface}});
      }
      out.push_back(std::move(rx));
      out.push_back(std::move(tx));
    }
  }

  struct statvfs fs {};
  if (!data_dir_.empty() && statvfs(data_dir_.c_str(), &fs) == 0) {
    const double unit = static_cast<double>(fs.f_frsize);
    auto free = Family(p + "disk_free_bytes",
                       "Bytes available to unprivileged users on the data directory's file system.",
                       MetricType::Gauge);
    AddSample(free, static_cast<double>(fs.f_bavail) * unit, {{"path", data_dir_}});
    auto total = Family(p + "disk_total_bytes",
                        "Size in bytes of the data directory's file system.", MetricType::Gauge);
    AddSample(total, static_cast<double>(fs.f_blocks) * unit, {{"path", data_dir_}});
    out.push_back(std::move(free));
    out.push_back(std::move(total));
  }
  return out;
}

}  // namespace mw::telemetry
