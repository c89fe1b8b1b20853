#include "telemetry/proc_parsers.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

namespace mw::telemetry {
namespace {

// Calls fn(line) for each '\n'-separated line (the last may lack the newline).
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    fn(text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename T>
std::optional<T> ParseInt(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "Key:   123 kB" lines (meminfo, status) -> bytes.
std::optional<int64_t> KeyKilobytes(std::string_view line, std::string_view key) {
  if (!StartsWith(line, key) || line.size() <= key.size() || line[key.size()] != ':') {
    return std::nullopt;
  }
  const auto fields = Fields(line.substr(key.size() + 1));
  if (fields.empty()) return std::nullopt;
  const auto v = ParseInt<int64_t>(fields[0]);
  if (!v || *v < 0) return std::nullopt;
  if (fields.size() >= 2 && fields[1] == "kB") return *v * 1024;
  return *v;
}

}  // namespace

std::optional<CpuTimes> ParseProcStatCpu(std::string_view proc_stat) {
  std::optional<CpuTimes> result;
  ForEachLine(proc_stat, [&](std::string_view line) {
    if (result || !StartsWith(line, "cpu ")) return;
    const auto f = Fields(line);
    if (f.size() < 5) return;  // "cpu" user nice system idle at least
    CpuTimes t;
    uint64_t* const out[] = {&t.user,   &t.nice, &t.system,  &t.idle,
                             &t.iowait, &t.irq,  &t.softirq, &t.steal};
    for (size_t i = 0; i < 8 && i + 1 < f.size(); ++i) {
      const auto v = ParseInt<uint64_t>(f[i + 1]);
      if (!v) return;
      *out[i] = *v;
    }
    result = t;
  });
  return result;
}

std::optional<int64_t> ParseProcStatBootTime(std::string_view proc_stat) {
  std::optional<int64_t> result;
  ForEachLine(proc_stat, [&](std::string_view line) {
    if (result || !StartsWith(line, "btime ")) return;
    const auto f = Fields(line);
    if (f.size() >= 2) result = ParseInt<int64_t>(f[1]);
  });
  return result;
}

double CpuBusyRatio(const CpuTimes& before, const CpuTimes& after) {
  const uint64_t total0 = before.Total(), total1 = after.Total();
  const uint64_t idle0 = before.Idle(), idle1 = after.Idle();
  if (total1 <= total0 || idle1 < idle0) return 0;
  const double total = static_cast<double>(total1 - total0);
  const double idle = static_cast<double>(idle1 - idle0);
  if (idle >= total) return 0;
  return (total - idle) / total;
}

std::optional<MemInfo> ParseMemInfo(std::string_view meminfo) {
  std::optional<int64_t> total, available, free, buffers, cached;
  ForEachLine(meminfo, [&](std::string_view line) {
    if (auto v = KeyKilobytes(line, "MemTotal")) total = v;
    if (auto v = KeyKilobytes(line, "MemAvailable")) available = v;
    if (auto v = KeyKilobytes(line, "MemFree")) free = v;
    if (auto v = KeyKilobytes(line, "Buffers")) buffers = v;
    if (auto v = KeyKilobytes(line, "Cached")) cached = v;
  });
  if (!total) return std::nullopt;
  if (!available) {
    if (!free) return std::nullopt;
    available = *free + buffers.value_or(0) + cached.value_or(0);
  }
  return MemInfo{*total, std::min(*available, *total)};
}

bool IsWholeDisk(std::string_view d) {
  if (d.empty() || StartsWith(d, "loop") || StartsWith(d, "ram")) return false;
  // nvme0n1p2, mmcblk0p1, nbd0p1, md0p1: 'p' + digits after a digit is a partition.
  size_t i = d.size();
  while (i > 0 && IsDigit(d[i - 1])) --i;
  if (i == d.size()) return true;  // no trailing digits: sda, vdb, xvda
  if (i >= 2 && d[i - 1] == 'p' && IsDigit(d[i - 2])) return false;
  // sda1, vdb2, hdc3, xvda1: letters + digits where the family numbers partitions.
  for (std::string_view family : {"sd", "vd", "hd", "xvd"}) {
    if (StartsWith(d, family)) {
      const std::string_view letters = d.substr(family.size(), i - family.size());
      if (!letters.empty()) {
        bool all_letters = true;
        for (char c : letters) all_letters = all_letters && c >= 'a' && c <= 'z';
        if (all_letters) return false;
      }
    }
  }
  return true;  // nvme0n1, mmcblk0, dm-0, md0, sr0, nbd0
}

std::vector<DiskIo> ParseDiskStats(std::string_view diskstats) {
  std::vector<DiskIo> out;
  ForEachLine(diskstats, [&](std::string_view line) {
    const auto f = Fields(line);
    // major minor name reads merged sectors_read ms writes merged sectors_written ...
    if (f.size() < 10 || !IsWholeDisk(f[2])) return;
    const auto read = ParseInt<uint64_t>(f[5]);
    const auto written = ParseInt<uint64_t>(f[9]);
    if (!read || !written) return;
    out.push_back({std::string(f[2]), *read * 512, *written * 512});
  });
  return out;
}

std::vector<NetIo> ParseNetDev(std::string_view net_dev) {
  std::vector<NetIo> out;
  ForEachLine(net_dev, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;  // the two header lines have '|', no ':'
    const auto name = Fields(line.substr(0, colon));
    const auto f = Fields(line.substr(colon + 1));
    // 8 receive columns (bytes first), then 8 transmit columns (bytes first).
    if (name.size() != 1 || f.size() < 16) return;
    const auto rx = ParseInt<uint64_t>(f[0]);
    const auto tx = ParseInt<uint64_t>(f[8]);
    if (!rx || !tx) return;
    out.push_back({std::string(name[0]), *rx, *tx});
  });
  return out;
}

std::optional<ProcSelfStat> ParseProcSelfStat(std::string_view stat) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto f = Fields(stat.substr(close + 1));
  // f[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24 (1-based).
  constexpr size_t kBase = 3;
  if (f.size() < 24 - kBase + 1) return std::nullopt;
  const auto utime = ParseInt<uint64_t>(f[14 - kBase]);
  const auto stime = ParseInt<uint64_t>(f[15 - kBase]);
  const auto start = ParseInt<uint64_t>(f[22 - kBase]);
  const auto vsize = ParseInt<uint64_t>(f[23 - kBase]);
  const auto rss = ParseInt<int64_t>(f[24 - kBase]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcSelfStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<ProcSelfStatus> ParseProcSelfStatus(std::string_view status) {
  std::optional<int64_t> rss, size;
  ForEachLine(status, [&](std::string_view line) {
    if (auto v = KeyKilobytes(line, "VmRSS")) rss = v;
    if (auto v = KeyKilobytes(line, "VmSize")) size = v;
  });
  if (!rss || !size) return std::nullopt;
  return ProcSelfStatus{*rss, *size};
}

std::optional<double> ParseMaxOpenFiles(std::string_view limits) {
  std::optional<double> result;
  ForEachLine(limits, [&](std::string_view line) {
    constexpr std::string_view kKey = "Max open files";
    if (result || !StartsWith(line, kKey)) return;
    const auto f = Fields(line.substr(kKey.size()));
    if (f.empty()) return;
    if (f[0] == "unlimited") {
      result = std::numeric_limits<double>::infinity();
    } else if (auto v = ParseInt<uint64_t>(f[0])) {
      result = static_cast<double>(*v);
    }
  });
  return result;
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(buf).str();
}

}  // namespace mw::telemetry
