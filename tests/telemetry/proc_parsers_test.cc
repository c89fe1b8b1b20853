#include "telemetry/proc_parsers.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mw::telemetry {
namespace {

constexpr char kProcStat[] =
    "cpu  100 5 200 1000 50 10 20 15 0 0\n"
    "cpu0 50 2 100 500 25 5 10 7 0 0\n"
    "intr 123456 0 0\n"
    "ctxt 999\n"
    "btime 1700000000\n"
    "processes 4242\n";

TEST(ProcStatTest, ParsesTheAggregateCpuLine) {
  const auto t = ParseProcStatCpu(kProcStat);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->user, 100u);
  EXPECT_EQ(t->nice, 5u);
  EXPECT_EQ(t->system, 200u);
  EXPECT_EQ(t->idle, 1000u);
  EXPECT_EQ(t->iowait, 50u);
  EXPECT_EQ(t->steal, 15u);
  EXPECT_EQ(t->Total(), 1400u);
  EXPECT_EQ(t->Idle(), 1050u);
}

TEST(ProcStatTest, AcceptsOldKernelsWithFourCpuFields) {
  const auto t = ParseProcStatCpu("cpu 1 2 3 4\n");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->Total(), 10u);
  EXPECT_EQ(t->iowait, 0u);
}

TEST(ProcStatTest, RejectsMissingOrNonNumericCpuLine) {
  EXPECT_FALSE(ParseProcStatCpu("cpu0 1 2 3 4\nbtime 5\n").has_value());
  EXPECT_FALSE(ParseProcStatCpu("cpu 1 2 x 4\n").has_value());
  EXPECT_FALSE(ParseProcStatCpu("cpu 1 2\n").has_value());
  EXPECT_FALSE(ParseProcStatCpu("").has_value());
}

TEST(ProcStatTest, ParsesBootTime) {
  EXPECT_EQ(ParseProcStatBootTime(kProcStat), 1700000000);
  EXPECT_FALSE(ParseProcStatBootTime("cpu 1 2 3 4\n").has_value());
  EXPECT_FALSE(ParseProcStatBootTime("btime soon\n").has_value());
}

TEST(CpuBusyRatioTest, IsTheNonIdleShareOfElapsedTicks) {
  CpuTimes a{100, 0, 100, 800, 0, 0, 0, 0};
  CpuTimes b{200, 0, 200, 1300, 100, 0, 0, 0};  // +800 ticks, +600 idle (incl. iowait)
  EXPECT_DOUBLE_EQ(CpuBusyRatio(a, b), 0.25);
}

TEST(CpuBusyRatioTest, IsZeroWhenNoTimeElapsedOrCountersWentBack) {
  CpuTimes a{100, 0, 100, 800, 0, 0, 0, 0};
  EXPECT_EQ(CpuBusyRatio(a, a), 0.0);
  CpuTimes earlier{10, 0, 10, 80, 0, 0, 0, 0};
  EXPECT_EQ(CpuBusyRatio(a, earlier), 0.0);
}

TEST(MemInfoTest, ParsesTotalAndAvailableInBytes) {
  const auto m = ParseMemInfo(
      "MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:    8192000 kB\n"
      "Buffers:          100000 kB\nCached:          2000000 kB\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->total_bytes, 16384000LL * 1024);
  EXPECT_EQ(m->available_bytes, 8192000LL * 1024);
}

TEST(MemInfoTest, FallsBackToFreePlusBuffersPlusCachedWithoutMemAvailable) {
  const auto m = ParseMemInfo(
      "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 30 kB\nSwapCached: 7 kB\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->available_bytes, 150 * 1024);
}

TEST(MemInfoTest, RejectsTextWithoutTotal) {
  EXPECT_FALSE(ParseMemInfo("MemFree: 100 kB\n").has_value());
  EXPECT_FALSE(ParseMemInfo("MemTotal: lots kB\nMemAvailable: 1 kB\n").has_value());
  EXPECT_FALSE(ParseMemInfo("MemTotal: 1000 kB\n").has_value());  // nothing to say what is free
}

TEST(DiskStatsTest, KeepsWholeDisksAndConvertsSectorsToBytes) {
  const auto disks = ParseDiskStats(
      "   7       0 loop0 10 0 20 0 0 0 0 0 0 0 0\n"
      "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0\n"
      "   8       0 sda 100 0 2000 50 30 0 400 10 0 60 60\n"
      "   8       1 sda1 90 0 1900 45 29 0 390 9 0 55 55\n"
      " 259       0 nvme0n1 5 0 8 1 3 0 16 1 0 2 2 0 0 0 0\n"
      " 259       1 nvme0n1p1 4 0 7 1 2 0 15 1 0 2 2 0 0 0 0\n"
      " 253       0 dm-0 1 0 2 0 1 0 4 0 0 0 0\n");
  ASSERT_EQ(disks.size(), 3u);
  EXPECT_EQ(disks[0].device, "sda");
  EXPECT_EQ(disks[0].read_bytes, 2000u * 512);
  EXPECT_EQ(disks[0].written_bytes, 400u * 512);
  EXPECT_EQ(disks[1].device, "nvme0n1");
  EXPECT_EQ(disks[2].device, "dm-0");
}

TEST(DiskStatsTest, SkipsShortAndNonNumericLines) {
  const auto disks = ParseDiskStats("8 0 sda 1 2 3\n8 16 sdb 1 0 x 0 1 0 4 0 0 0 0\n\n");
  EXPECT_TRUE(disks.empty());
}

TEST(IsWholeDiskTest, TellsDisksFromPartitions) {
  for (const char* whole : {"sda", "vdb", "xvda", "hdc", "nvme0n1", "mmcblk0", "dm-0", "md0"}) {
    EXPECT_TRUE(IsWholeDisk(whole)) << whole;
  }
  for (const char* part : {"sda1", "vdb12", "xvda1", "nvme0n1p2", "mmcblk0p1", "loop3", "ram0"}) {
    EXPECT_FALSE(IsWholeDisk(part)) << part;
  }
}

TEST(NetDevTest, ParsesReceiveAndTransmitBytesPerInterface) {
  const auto nets = ParseNetDev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:  123456     100    0    0    0     0          0         0   123456     100    0 "
      "   0    0     0       0          0\n"
      "  eth0:9876543210 5000    0    0    0     0          0         0 1234567    4000    0    "
      "0    0     0       0          0\n");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[0].interface, "lo");
  EXPECT_EQ(nets[0].receive_bytes, 123456u);
  EXPECT_EQ(nets[1].interface, "eth0");
  EXPECT_EQ(nets[1].receive_bytes, 9876543210u);
  EXPECT_EQ(nets[1].transmit_bytes, 1234567u);
}

TEST(NetDevTest, SkipsTruncatedLines) { EXPECT_TRUE(ParseNetDev("eth0: 1 2 3\n").empty()); }

constexpr char kSelfStat[] =
    "4242 (model) watch)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 8 0 123456 "
    "987654321 5000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";

TEST(SelfStatTest, ParsesPastACommandNameWithSpacesAndParentheses) {
  const auto s = ParseProcSelfStat(kSelfStat);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->starttime_ticks, 123456u);
  EXPECT_EQ(s->vsize_bytes, 987654321u);
  EXPECT_EQ(s->rss_pages, 5000);
}

TEST(SelfStatTest, RejectsTruncatedText) {
  EXPECT_FALSE(ParseProcSelfStat("4242 (x) S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcSelfStat("no parenthesis at all").has_value());
}

TEST(SelfStatusTest, ParsesVmRssAndVmSizeInBytes) {
  const auto s = ParseProcSelfStatus(
      "Name:\tmodelwatch\nVmPeak:\t  200000 kB\nVmSize:\t  180000 kB\nVmRSS:\t   42000 kB\n"
      "Threads:\t8\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->vm_size_bytes, 180000LL * 1024);
  EXPECT_EQ(s->vm_rss_bytes, 42000LL * 1024);
}

TEST(SelfStatusTest, RejectsStatusWithoutMemoryLines) {
  // Kernel threads have no Vm* lines.
  EXPECT_FALSE(ParseProcSelfStatus("Name:\tkthreadd\nThreads:\t1\n").has_value());
}

TEST(LimitsTest, ParsesTheSoftOpenFilesLimit) {
  const auto max = ParseMaxOpenFiles(
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n");
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(*max, 1024.0);
}

TEST(LimitsTest, UnlimitedIsInfinity) {
  const auto max = ParseMaxOpenFiles("Max open files            unlimited    unlimited    files\n");
  ASSERT_TRUE(max.has_value());
  EXPECT_TRUE(std::isinf(*max));
}

TEST(LimitsTest, RejectsMissingLine) {
  EXPECT_FALSE(ParseMaxOpenFiles("Max processes 100 100 processes\n").has_value());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files  many  many files\n").has_value());
}

TEST(ReadSmallFileTest, ReadsProcFilesAndFailsOnMissingOnes) {
  const auto stat = ReadSmallFile("/proc/self/stat");
  ASSERT_TRUE(stat.has_value());
  EXPECT_TRUE(ParseProcSelfStat(*stat).has_value());
  EXPECT_FALSE(ReadSmallFile("/nonexistent/modelwatch/file").has_value());
}

}  // namespace
}  // namespace mw::telemetry
