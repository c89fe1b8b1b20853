#include "sqlite/handle.h"

#include <gtest/gtest.h>

namespace mw::sqlite {
namespace {

Db OpenMemory() {
  auto db = Db::Open(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.has_value());
  Db out = std::move(*db);
  EXPECT_TRUE(out.Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)").ok());
  return out;
}

int64_t Count(const Db& db) { return db.QueryInt("SELECT count(*) FROM t")->value(); }

TEST(TxnTest, RollsBackWhenNotCommitted) {
  Db db = OpenMemory();
  {
    Txn txn(db);
    ASSERT_TRUE(txn.Begin().ok());
    ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1, 'a')").ok());
  }
  EXPECT_EQ(Count(db), 0);
}

TEST(TxnTest, KeepsCommittedWork) {
  Db db = OpenMemory();
  Txn txn(db);
  ASSERT_TRUE(txn.Begin().ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1, 'a')").ok());
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_EQ(Count(db), 1);
}

TEST(SqliteErrorTest, ConstraintViolationIsAlreadyExists) {
  Db db = OpenMemory();
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1, 'a')").ok());
  EXPECT_EQ(db.Exec("INSERT INTO t VALUES (1, 'b')").code(), StatusCode::kAlreadyExists);
}

TEST(SqliteErrorTest, BadSqlIsInternal) {
  Db db = OpenMemory();
  auto stmt = Stmt::Prepare(db, "SELEKT 1");
  ASSERT_FALSE(stmt.has_value());
  EXPECT_EQ(stmt.error().code(), StatusCode::kInternal);
}

TEST(SqliteErrorTest, OpeningAMissingDirectoryIsUnavailable) {
  auto db = Db::Open("/nonexistent-dir-for-test/x.db", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), StatusCode::kUnavailable);
}

TEST(StmtTest, BindsAndReadsOptionalValues) {
  Db db = OpenMemory();
  auto stmt = Stmt::Prepare(db, "SELECT ?, ?, ?");
  ASSERT_TRUE(stmt.has_value());
  stmt->BindOptionalDouble(1, 2.5);
  stmt->BindOptionalInt(2, std::nullopt);
  stmt->BindText(3, "txt");
  auto row = stmt->Step();
  ASSERT_TRUE(row.has_value() && *row);
  EXPECT_EQ(stmt->ColumnOptionalDouble(0), 2.5);
  EXPECT_EQ(stmt->ColumnOptionalInt(1), std::nullopt);
  EXPECT_EQ(stmt->ColumnText(2), "txt");
}

TEST(DbTest, QueryIntWithoutRowsIsNullopt) {
  Db db = OpenMemory();
  auto v = db.QueryInt("SELECT k FROM t");
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->has_value());
}

}  // namespace
}  // namespace mw::sqlite
