#include "store/schema.h"

#include <gtest/gtest.h>

#include <vector>

#include "store_test_util.h"

namespace mw::store::schema {
namespace {

using sqlite::Db;
using sqlite::Stmt;

sqlite::Db OpenFile(const std::string& path) {
  auto db = sqlite::Db::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.has_value());
  return std::move(*db);
}

int64_t Int(const sqlite::Db& db, const std::string& sql) { return db.QueryInt(sql)->value_or(-1); }

TEST(RenderSqlTest, ExpandsSeqPkPerDialect) {
  EXPECT_EQ(RenderSql("CREATE TABLE t (seq {seq_pk}, x TEXT)", kSqlite),
            "CREATE TABLE t (seq INTEGER PRIMARY KEY, x TEXT)");
  EXPECT_EQ(RenderSql("seq {seq_pk}", kPostgres), "seq BIGINT PRIMARY KEY");
  EXPECT_EQ(RenderSql("no tokens", kSqlite), "no tokens");
  EXPECT_EQ(RenderSql("p {blob}, q {blob}", kSqlite), "p BLOB, q BLOB");
  EXPECT_EQ(RenderSql("p {blob}", kPostgres), "p BYTEA");
  const std::string columns = RenderSql("CREATE TABLE t ({prediction_columns})", kPostgres);
  EXPECT_EQ(columns.rfind("CREATE TABLE t (seq BIGINT PRIMARY KEY, id TEXT NOT NULL,", 0), 0u);
  EXPECT_NE(columns.find(" content_hash BIGINT NOT NULL)"), std::string::npos);
}

TEST(MigrationsTest, CreateEveryTableAndRecordTheVersion) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  auto applied = ApplyMigrations(db, Migrations(), kSqlite, 42);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(*applied, (std::vector<int64_t>{1, 2, 3, 4}));
  for (const char* table : {"prediction_logs", "models", "model_versions", "pending_actuals",
                            "store_meta", "reference_profiles", "evaluation_snapshots",
                            "prediction_inbox", "maintenance_runs", "retrain_requests"}) {
    EXPECT_EQ(
        Int(db, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"), 1)
        << table;
  }
  EXPECT_EQ(Int(db, "SELECT applied_at FROM schema_migrations WHERE version = 1"), 42);
}

TEST(MigrationsTest, SeqIsTheRowidAliasInSqlite) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  ASSERT_TRUE(ApplyMigrations(db, Migrations(), kSqlite, 1).has_value());
  // Only a rowid alias fills itself in when omitted.
  ASSERT_TRUE(db.Exec("INSERT INTO prediction_logs (id, model, created_at, received_at,"
                      " prediction, features, content_hash) VALUES ('a', 'm', 1, 1, 1, '{}', 1)")
                  .ok());
  EXPECT_EQ(Int(db, "SELECT seq FROM prediction_logs"), 1);
}

// The writer moves rows with INSERT ... SELECT between the two tables (sql::kMoveInbox), so a
// later migration that changes one must change the other the same way.
TEST(MigrationsTest, InboxHasTheColumnsOfPredictionLogs) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  ASSERT_TRUE(ApplyMigrations(db, Migrations(), kSqlite, 1).has_value());
  auto columns = [&](const std::string& table) {
    auto stmt = sqlite::Stmt::Prepare(
        db,
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('" + table + "')",
        false);
    EXPECT_TRUE(stmt.has_value());
    std::vector<std::string> out;
    while (stmt.has_value()) {
      auto row = stmt->Step();
      if (!row.has_value() || !*row) break;
      out.push_back(stmt->ColumnText(0) + " " + stmt->ColumnText(1) + " " +
                    std::to_string(stmt->ColumnInt(2)) + " " + stmt->ColumnText(3) + " " +
                    std::to_string(stmt->ColumnInt(4)));
    }
    return out;
  };
  const auto logs = columns("prediction_logs");
  EXPECT_EQ(logs.size(), 13u);
  EXPECT_EQ(columns("prediction_inbox"), logs);
}

TEST(MigrationsTest, ReapplyingAppliesNothing) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  ASSERT_TRUE(ApplyMigrations(db, Migrations(), kSqlite, 1).has_value());
  auto again = ApplyMigrations(db, Migrations(), kSqlite, 2);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(Int(db, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(Migrations().size()));
}

TEST(MigrationsTest, OnlyMissingVersionsAreApplied) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  ASSERT_TRUE(ApplyMigrations(db, Migrations(), kSqlite, 1).has_value());
  std::vector<Migration> extended(Migrations().begin(), Migrations().end());
  extended.push_back({100, "add column", {"ALTER TABLE models ADD COLUMN owner TEXT"}});
  auto applied = ApplyMigrations(db, extended, kSqlite, 5);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(*applied, std::vector<int64_t>{100});
  EXPECT_EQ(Int(db, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(Migrations().size()) + 1);
}

TEST(MigrationsTest, AFailingMigrationLeavesNoTrace) {
  mw::testing::TempDir dir;
  sqlite::Db db = OpenFile(dir.File("db"));
  ASSERT_TRUE(ApplyMigrations(db, Migrations(), kSqlite, 1).has_value());
  std::vector<Migration> broken(Migrations().begin(), Migrations().end());
  broken.push_back({100, "half", {"CREATE TABLE extra (x INTEGER)", "NOT SQL"}});
  auto applied = ApplyMigrations(db, broken, kSqlite, 5);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code(), StatusCode::kInternal);
  EXPECT_EQ(Int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 0);
  EXPECT_EQ(Int(db, "SELECT count(*) FROM schema_migrations"),
            static_cast<int64_t>(Migrations().size()));
}

}  // namespace
}  // namespace mw::store::schema
