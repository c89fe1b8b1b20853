#include "telemetry/system_collectors.h"

#include <gtest/gtest.h>

#include <map>

#include "prometheus/text_serializer.h"
#include "telemetry/test_util.h"

namespace mw::telemetry {
namespace {

using telemetry_test::Sample;
using telemetry_test::TempDir;
using telemetry_test::WriteFile;

std::string Text(const prometheus::Collectable& c) {
  return prometheus::TextSerializer().Serialize(c.Collect());
}

// A fake /proc with the files the collectors read.
void WriteProcFixture(const std::filesystem::path& root, const std::string& cpu_line) {
  WriteFile(root / "stat", cpu_line + "\nbtime 1700000000\n");
  WriteFile(root / "meminfo", "MemTotal: 1000 kB\nMemAvailable: 400 kB\n");
  WriteFile(root / "diskstats",
            "8 0 sda 1 0 10 0 1 0 20 0 0 0 0\n8 1 sda1 1 0 10 0 1 0 20 0 0 0 0\n");
  WriteFile(root / "net/dev", "h1\nh2\n  eth0: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0\n");
  WriteFile(root / "self/stat",
            "7 (mw) S 1 7 7 0 -1 0 0 0 0 0 300 100 0 0 20 0 1 0 500 4096 3 0\n");
  WriteFile(root / "self/status", "VmSize:\t 2000 kB\nVmRSS:\t 1000 kB\n");
  WriteFile(root / "self/limits", "Max open files            4096      8192      files\n");
  WriteFile(root / "self/fd/0", "");
  WriteFile(root / "self/fd/1", "");
}

TEST(HostCollectorTest, CpuRatioIsTheDeltaSinceThePreviousCollect) {
  TempDir dir;
  WriteProcFixture(dir.path(), "cpu 100 0 100 800 0 0 0 0");
  HostCollector host("ml", "", dir.path().string());                        // baseline taken here
  WriteFile(dir.path() / "stat", "cpu 200 0 200 1400 0 0 0 0\nbtime 1\n");  // +800, 200 busy
  EXPECT_EQ(Sample(Text(host), "ml_system_cpu_usage_ratio"), 0.25);
  WriteFile(dir.path() / "stat", "cpu 600 0 200 1400 0 0 0 0\nbtime 1\n");  // +400, all busy
  EXPECT_EQ(Sample(Text(host), "ml_system_cpu_usage_ratio"), 1.0);
}

TEST(HostCollectorTest, ExportsMemoryDiskAndNetworkFromProc) {
  TempDir dir;
  WriteProcFixture(dir.path(), "cpu 1 0 1 8 0 0 0 0");
  HostCollector host("iit", dir.path().string(), dir.path().string());
  const std::string text = Text(host);
  EXPECT_EQ(Sample(text, "iit_system_memory_bytes{state=\"total\"}"), 1024000.0);
  EXPECT_EQ(Sample(text, "iit_system_memory_bytes{state=\"available\"}"), 409600.0);
  EXPECT_EQ(Sample(text, "iit_system_memory_bytes{state=\"used\"}"), 614400.0);
  EXPECT_EQ(Sample(text, "iit_system_disk_read_bytes_total{device=\"sda\"}"), 5120.0);
  EXPECT_EQ(Sample(text, "iit_system_disk_written_bytes_total{device=\"sda\"}"), 10240.0);
  EXPECT_FALSE(Sample(text, "iit_system_disk_read_bytes_total{device=\"sda1\"}").has_value());
  EXPECT_EQ(Sample(text, "iit_system_network_receive_bytes_total{interface=\"eth0\"}"), 100.0);
  EXPECT_EQ(Sample(text, "iit_system_network_transmit_bytes_total{interface=\"eth0\"}"), 200.0);
  const auto free =
      Sample(text, "iit_system_disk_free_bytes{path=\"" + dir.path().string() + "\"}");
  const auto total =
      Sample(text, "iit_system_disk_total_bytes{path=\"" + dir.path().string() + "\"}");
  ASSERT_TRUE(free.has_value());
  ASSERT_TRUE(total.has_value());
  EXPECT_GT(*total, 0);
  EXPECT_LE(*free, *total);
}

TEST(HostCollectorTest, LeavesOutFamiliesWhoseSourceIsMissing) {
  TempDir dir;
  WriteFile(dir.path() / "meminfo", "MemTotal: 1000 kB\nMemAvailable: 400 kB\n");
  HostCollector host("ml", (dir.path() / "no-such-dir").string(), dir.path().string());
  const auto families = host.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "ml_system_memory_bytes");
}

TEST(ProcessCollectorTest, ReadsProcessMetricsFromProcFiles) {
  TempDir dir;
  WriteProcFixture(dir.path(), "cpu 1 0 1 8 0 0 0 0");
  ProcessCollector process(dir.path().string());
  const std::string text = Text(process);
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(*Sample(text, "process_cpu_seconds_total"), 400 / hz);
  EXPECT_EQ(Sample(text, "process_resident_memory_bytes"), 1024000.0);
  EXPECT_EQ(Sample(text, "process_virtual_memory_bytes"), 2048000.0);
  EXPECT_DOUBLE_EQ(*Sample(text, "process_start_time_seconds"), 1700000000 + 500 / hz);
  EXPECT_EQ(Sample(text, "process_open_fds"), 2.0);
  EXPECT_EQ(Sample(text, "process_max_fds"), 4096.0);
}

TEST(ProcessCollectorTest, FallsBackToStatForMemoryWithoutStatus) {
  TempDir dir;
  WriteProcFixture(dir.path(), "cpu 1 0 1 8 0 0 0 0");
  std::filesystem::remove(dir.path() / "self/status");
  const std::string text = Text(ProcessCollector(dir.path().string()));
  EXPECT_EQ(Sample(text, "process_virtual_memory_bytes"), 4096.0);
  EXPECT_EQ(Sample(text, "process_resident_memory_bytes"),
            3.0 * static_cast<double>(sysconf(_SC_PAGESIZE)));
}

TEST(ProcessCollectorTest, ExportsEveryStandardFamilyForThisProcess) {
  const auto families = ProcessCollector().Collect();
  std::map<std::string, prometheus::MetricType> types;
  for (const auto& f : families) types[f.name] = f.type;
  EXPECT_EQ(types["process_cpu_seconds_total"], prometheus::MetricType::Counter);
  for (const char* gauge : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                            "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    ASSERT_TRUE(types.count(gauge)) << gauge;
    EXPECT_EQ(types[gauge], prometheus::MetricType::Gauge) << gauge;
  }
}

}  // namespace
}  // namespace mw::telemetry
