// The maintenance section: task sets, cron schedules (checked at load, exit 2 naming the key),
// per-task schedules and the retrain subsection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace mw::config {
namespace {

using ::testing::HasSubstr;

ConfigLoadResult LoadMaintenanceFlags(std::map<std::string, std::string> flags) {
  ConfigSources s;
  s.flags = std::move(flags);
  return LoadConfig(s);
}

ConfigLoadResult LoadMaintenanceYaml(const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("mw_maintenance_config_" + std::to_string(::getpid()) + ".yml");
  std::ofstream(path) << yaml;
  ConfigSources s;
  s.file = path.string();
  auto r = LoadConfig(s);
  std::filesystem::remove(path);
  return r;
}

TEST(MaintenanceConfigTest, DefaultsFollowTheRunbook) {
  auto r = LoadConfig({});
  ASSERT_TRUE(r.config.has_value());
  const auto& m = r.config->maintenance;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.daily_schedule, "0 2 * * *");
  EXPECT_EQ(m.weekly_schedule, "0 3 * * 0");
  EXPECT_EQ(m.monthly_schedule, "0 4 1 * *");
  EXPECT_THAT(m.daily, ::testing::Contains("check-performance"));
  EXPECT_THAT(m.weekly, ::testing::Contains("check-drift-and-retrain"));
  EXPECT_THAT(m.monthly, ::testing::Contains("retrain-all"));
  EXPECT_EQ(m.schedules.at("health-check"), "*/5 * * * *");
  EXPECT_EQ(m.prediction_retention_days, 90);
  EXPECT_EQ(m.keep_versions, 10);
  EXPECT_EQ(m.retrain.cooldown_seconds, 86400);
  EXPECT_EQ(r.config->ArchiveDir(), "./data/archive");
  EXPECT_EQ(r.config->BackupDir(), "./data/backups");
  EXPECT_EQ(r.config->ReportsDir(), "./data/reports");
  // Every default names known tasks and no task sits in two sets (the loader checked it).
  for (const auto* set : {&m.daily, &m.weekly, &m.monthly}) {
    for (const auto& task : *set) {
      EXPECT_NE(std::find(kMaintenanceTaskNames.begin(), kMaintenanceTaskNames.end(), task),
                kMaintenanceTaskNames.end())
          << task;
    }
  }
}

TEST(MaintenanceConfigTest, ReadsSetsSchedulesAndRetrainFromYaml) {
  auto r = LoadMaintenanceYaml(R"(
maintenance:
  daily_schedule: "30 1 * * mon-fri"
  daily: [vacuum, backup]
  weekly: []
  monthly: "retrain-all, monthly-report"
  schedules:
    health-check: "*/10 * * * *"
    archive-predictions: "15 3 * * *"
  archive_dir: /var/lib/mw/archive
  retrain:
    command: ./retrain.sh
    webhook_url: http://127.0.0.1:9/retrain
    cooldown: 12h
    timeout: 30m
)");
  ASSERT_TRUE(r.config.has_value()) << FormatConfigErrors(r.errors);
  const auto& m = r.config->maintenance;
  EXPECT_EQ(m.daily_schedule, "30 1 * * mon-fri");
  EXPECT_EQ(m.daily, (std::vector<std::string>{"vacuum", "backup"}));
  EXPECT_TRUE(m.weekly.empty());
  EXPECT_EQ(m.monthly, (std::vector<std::string>{"retrain-all", "monthly-report"}));
  EXPECT_EQ(m.schedules, (std::map<std::string, std::string>{{"archive-predictions", "15 3 * * *"},
                                                             {"health-check", "*/10 * * * *"}}));
  EXPECT_EQ(r.config->ArchiveDir(), "/var/lib/mw/archive");
  EXPECT_EQ(m.retrain.command, "./retrain.sh");
  EXPECT_EQ(m.retrain.webhook_url, "http://127.0.0.1:9/retrain");
  EXPECT_EQ(m.retrain.cooldown_seconds, 12 * 3600);
  EXPECT_EQ(m.retrain.timeout_seconds, 1800);
}

TEST(MaintenanceConfigTest, SchedulesFromAFlagUseSemicolons) {
  auto r =
      LoadMaintenanceFlags({{"maintenance.schedules", "backup=0 1 * * *; vacuum=0 5 1,15 * *"}});
  ASSERT_TRUE(r.config.has_value()) << FormatConfigErrors(r.errors);
  EXPECT_EQ(
      r.config->maintenance.schedules,
      (std::map<std::string, std::string>{{"backup", "0 1 * * *"}, {"vacuum", "0 5 1,15 * *"}}));
}

TEST(MaintenanceConfigTest, RejectsBadValuesNamingTheKey) {
  struct Case {
    std::string key, value, error_key, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"maintenance.daily_schedule", "0 24 * * *", "maintenance.daily_schedule",
            "field 2 (hour): 24 is outside 0-23"},
           {"maintenance.weekly_schedule", "0 3 * *", "maintenance.weekly_schedule",
            "bad cron expression"},
           {"maintenance.daily", "vacuum,vacum", "maintenance.daily", "unknown task \"vacum\""},
           {"maintenance.daily", "vacuum,vacuum", "maintenance.daily", "listed twice"},
           {"maintenance.schedules", "backup=61 * * * *", "maintenance.schedules.backup",
            "field 1 (minute)"},
           {"maintenance.schedules", "bakup=0 1 * * *", "maintenance.schedules.bakup",
            "unknown task"},
           {"maintenance.schedules", "backup", "maintenance.schedules", "TASK=CRON"},
           {"maintenance.keep_versions", "0", "maintenance.keep_versions", "must be an integer"},
           {"maintenance.retrain.webhook_url", "ftp://x", "maintenance.retrain.webhook_url", ""},
           {"maintenance.retrain.cooldown", "soon", "maintenance.retrain.cooldown", "bad duration"},
       }) {
    auto r = LoadMaintenanceFlags({{c.key, c.value}});
    ASSERT_EQ(r.errors.size(), 1u)
        << c.key << "=" << c.value << ": " << FormatConfigErrors(r.errors);
    EXPECT_EQ(r.errors[0].key, c.error_key) << c.value;
    EXPECT_THAT(r.errors[0].reason, HasSubstr(c.reason)) << c.value;
  }
}

TEST(MaintenanceConfigTest, ATaskBelongsToOneSet) {
  auto r = LoadMaintenanceFlags({{"maintenance.weekly", "vacuum,backup"}});
  ASSERT_EQ(r.errors.size(), 1u) << FormatConfigErrors(r.errors);
  EXPECT_EQ(r.errors[0].key, "maintenance.weekly");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("\"backup\" is already in maintenance.daily"));
}

TEST(MaintenanceConfigTest, UnknownKeyInTheRetrainSubsection) {
  auto r = LoadMaintenanceYaml("maintenance:\n  retrain:\n    comand: x\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "maintenance.retrain.comand");
}

}  // namespace
}  // namespace mw::config

namespace mw::config {
namespace {

TEST(MaintenanceConfigTest, RetrainingTasksRunWithTheirSetOnlyWithATarget) {
  auto plain = LoadConfig({});
  ASSERT_TRUE(plain.config.has_value());
  const auto& m = plain.config->maintenance;
  EXPECT_FALSE(m.HasRetrainTarget());
  EXPECT_EQ(*m.RunnableSet("weekly"),
            (std::vector<std::string>{"cleanup-model-versions", "compress-models", "vacuum",
                                      "weekly-report"}));
  EXPECT_EQ(*m.RunnableSet("monthly"),
            (std::vector<std::string>{"archive-predictions", "monthly-report"}));
  EXPECT_EQ(*m.RunnableSet("daily"), m.daily);
  EXPECT_FALSE(m.RunnableSet("hourly").has_value());
  EXPECT_FALSE(m.RunnableOnItsOwn("retrain-all"));
  EXPECT_TRUE(m.RunnableOnItsOwn("vacuum"));

  auto with_hook =
      LoadMaintenanceFlags({{"maintenance.retrain.webhook_url", "http://127.0.0.1:9/r"}});
  ASSERT_TRUE(with_hook.config.has_value());
  EXPECT_EQ(*with_hook.config->maintenance.RunnableSet("weekly"),
            with_hook.config->maintenance.weekly);
  EXPECT_TRUE(with_hook.config->maintenance.RunnableOnItsOwn("retrain-all"));
}

}  // namespace
}  // namespace mw::config
