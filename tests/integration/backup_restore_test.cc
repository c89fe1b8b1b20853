// `modelwatch backup restore` against the real binary: refused while another process holds the
// data directory's lock, refused for a backup that does not verify (nothing touched), and a good
// backup replaces the database, the old files moved aside.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;

// A minimal store-shaped database with `rows` prediction rows.
void MakeDatabase(const fs::path& path, int rows) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql =
      "CREATE TABLE schema_migrations (version INTEGER);"
      " INSERT INTO schema_migrations VALUES (4);"
      " CREATE TABLE prediction_logs (x); CREATE TABLE prediction_inbox (x);";
  for (int i = 0; i < rows; ++i)
    sql += "INSERT INTO prediction_logs VALUES (" + std::to_string(i) + ");";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// A backup directory as the backup task writes it (the SHA-256 from sha256sum).
void MakeBackup(const fs::path& dir, int rows) {
  fs::create_directories(dir);
  MakeDatabase(dir / "modelwatch.db", rows);
  const CommandResult sum = RunCommand({"sha256sum", (dir / "modelwatch.db").string()});
  ASSERT_EQ(sum.exit_code, 0) << sum.output;
  std::ofstream(dir / "manifest.json")
      << R"({"format":1,"created_at":"2026-12-08T01:00:00.000Z","schema_version":4,)"
      << R"("prediction_rows":)" << rows << R"(,"files":[{"path":"modelwatch.db","size":)"
      << fs::file_size(dir / "modelwatch.db") << R"(,"sha256":")" << sum.output.substr(0, 64)
      << R"("}]})";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BackupRestoreTest, RefusedWhileTheDataDirectoryIsLocked) {
  TempDir dir;
  MakeBackup(dir.path() / "bk", 3);
  const fs::path data = dir.path() / "data";
  fs::create_directories(data);
  std::ofstream(data / "modelwatch.db") << "current";
  const int fd = ::open((data / "modelwatch.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // as a running server holds it
  const CommandResult r = RunCommand({ModelwatchBinary(), "backup", "restore",
                                      (dir.path() / "bk").string(), "--data-dir", data.string()});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("stop the server first"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(data / "modelwatch.db"), "current");
}

TEST(BackupRestoreTest, ADamagedBackupIsRefusedAndAGoodOneReplacesTheDatabase) {
  TempDir dir;
  const fs::path bk = dir.path() / "bk";
  MakeBackup(bk, 5);
  const fs::path data = dir.path() / "data";
  fs::create_directories(data);
  std::ofstream(data / "modelwatch.db") << "current";
  std::ofstream(data / "modelwatch.db-wal") << "current wal";
  const std::string good = Slurp(bk / "modelwatch.db");
  std::string bad = good;
  bad[200] ^= 0x5a;
  std::ofstream(bk / "modelwatch.db", std::ios::binary) << bad;
  CommandResult r = RunCommand(
      {ModelwatchBinary(), "backup", "restore", bk.string(), "--data-dir", data.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("does not verify"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(data / "modelwatch.db"), "current");

  std::ofstream(bk / "modelwatch.db", std::ios::binary) << good;
  r = RunCommand(
      {ModelwatchBinary(), "backup", "restore", bk.string(), "--data-dir", data.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("5 prediction rows"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(data / "modelwatch.db"), good);
  EXPECT_FALSE(fs::exists(data / "modelwatch.db-wal"));
  int aside = 0;
  for (const auto& e : fs::directory_iterator(data)) {
    if (e.path().filename().string().find(".before-restore-") != std::string::npos) ++aside;
  }
  EXPECT_EQ(aside, 2) << r.output;  // modelwatch.db and its -wal
}

}  // namespace
}  // namespace mw::testing
