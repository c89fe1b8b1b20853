// Parsers for the Linux /proc files behind the process_* and <prefix>_system_* metrics.
//
// Each parser takes the file's text (so tests feed fixtures) and is pure: no I/O, no clock. They
// tolerate extra fields, unknown lines and trailing garbage; a parser returns nullopt (or skips the
// line, for the per-device lists) when a value it needs is missing or not a number, never a
// half-filled value.
//
// Hand-written because prometheus-cpp 1.0 ships no process/host collectors (the Go and Python
// clients do); the formats are documented in proc(5).
//
// Thread-safety: free functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::telemetry {

// The aggregate "cpu" line of /proc/stat, in clock ticks (USER_HZ).
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;

  uint64_t Total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
  uint64_t Idle() const { return idle + iowait; }
};
// The first line starting "cpu " (fields after idle are optional on old kernels).
std::optional<CpuTimes> ParseProcStatCpu(std::string_view proc_stat);
// "btime" of /proc/stat: boot time in seconds since the epoch.
std::optional<int64_t> ParseProcStatBootTime(std::string_view proc_stat);
// Share of non-idle time between two samples, in [0, 1]; 0 when no tick elapsed or the counters
// went backwards.
double CpuBusyRatio(const CpuTimes& before, const CpuTimes& after);

// /proc/meminfo, in bytes. available falls back to MemFree + Buffers + Cached on kernels without
// MemAvailable (< 3.14).
struct MemInfo {
  int64_t total_bytes = 0;
  int64_t available_bytes = 0;
};
std::optional<MemInfo> ParseMemInfo(std::string_view meminfo);

// /proc/diskstats, whole disks only (partitions, loop* and ram* devices are skipped). Sectors are
// always 512 bytes in this file, whatever the device's sector size.
struct DiskIo {
  std::string device;
  uint64_t read_bytes = 0;
  uint64_t written_bytes = 0;
};
std::vector<DiskIo> ParseDiskStats(std::string_view diskstats);
// True for names of whole block devices: sda, vdb, nvme0n1, mmcblk0, dm-0, md0; false for
// partitions (sda1, nvme0n1p2, mmcblk0p1) and for loop/ram devices.
bool IsWholeDisk(std::string_view device);

// /proc/net/dev, every interface.
struct NetIo {
  std::string interface;
  uint64_t receive_bytes = 0;
  uint64_t transmit_bytes = 0;
};
std::vector<NetIo> ParseNetDev(std::string_view net_dev);

// /proc/self/stat (fields after the parenthesised comm, which may itself hold spaces and ')').
struct ProcSelfStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t starttime_ticks = 0;  // since boot
  uint64_t vsize_bytes = 0;
  int64_t rss_pages = 0;
};
std::optional<ProcSelfStat> ParseProcSelfStat(std::string_view stat);

// VmRSS and VmSize of /proc/self/status, in bytes.
struct ProcSelfStatus {
  int64_t vm_rss_bytes = 0;
  int64_t vm_size_bytes = 0;
};
std::optional<ProcSelfStatus> ParseProcSelfStatus(std::string_view status);

// Soft "Max open files" of /proc/self/limits; +infinity for "unlimited".
std::optional<double> ParseMaxOpenFiles(std::string_view limits);

// Reads a whole file (works for /proc files, whose stat size is 0). nullopt when unreadable.
std::optional<std::string> ReadSmallFile(const std::string& path);

}  // namespace mw::telemetry
