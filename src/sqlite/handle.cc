#include "sqlite/handle.h"

#include <string>

namespace mw::sqlite {

Status SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += (db != nullptr) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return AlreadyExists(std::move(message));
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return Internal(std::move(message));
    default:  // BUSY, LOCKED, IOERR, FULL, CORRUPT, NOTADB, CANTOPEN, READONLY, NOMEM, ...
      return Unavailable(std::move(message));
  }
}

Result<Db> Db::Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db;
  db.db_.reset(raw);  // even a failed open returns a handle that must be closed
  if (rc != SQLITE_OK) return SqliteError(rc, raw, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Status Db::Exec(std::string_view sql) const {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db_.get(), text);
  return Status::Ok();
}

Result<std::optional<int64_t>> Db::QueryInt(const std::string& sql) const {
  auto stmt = Stmt::Prepare(*this, sql, /*persistent=*/false);
  if (!stmt) return stmt.error();
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row || stmt->ColumnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->ColumnInt(0));
}

Result<Stmt> Stmt::Prepare(const Db& db, std::string_view sql, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  Stmt stmt;
  stmt.stmt_.reset(raw);
  if (rc != SQLITE_OK) return SqliteError(rc, db.get(), "prepare " + std::string(sql));
  return stmt;
}

void Stmt::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_.get(), index, value); }
void Stmt::BindDouble(int index, double value) { sqlite3_bind_double(stmt_.get(), index, value); }
void Stmt::BindText(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
}
void Stmt::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}
void Stmt::BindTextStatic(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
}
void Stmt::BindNull(int index) { sqlite3_bind_null(stmt_.get(), index); }
void Stmt::BindOptionalDouble(int index, const std::optional<double>& value) {
  if (value) {
    BindDouble(index, *value);
  } else {
    BindNull(index);
  }
}
void Stmt::BindOptionalInt(int index, const std::optional<int64_t>& value) {
  if (value) {
    BindInt(index, *value);
  } else {
    BindNull(index);
  }
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_.get());
  Status error = SqliteError(rc, db, sqlite3_sql(stmt_.get()));
  sqlite3_reset(stmt_.get());
  return error;
}

Status Stmt::Run() {
  auto row = Step();
  Reset();
  return row.status();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::ColumnText(int col) const { return std::string(ColumnTextView(col)); }

std::string_view Stmt::ColumnTextView(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col))};
}

std::string_view Stmt::ColumnBlobView(int col) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_.get(), col));
  if (bytes == nullptr) return {};
  return {bytes, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col))};
}

std::optional<double> Stmt::ColumnOptionalDouble(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnDouble(col);
}

std::optional<int64_t> Stmt::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

Txn::~Txn() { Rollback(); }

Status Txn::Begin(bool immediate) {
  Status s = db_.Exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  open_ = s.ok();
  return s;
}

Status Txn::Commit() {
  Status s = db_.Exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;  // on failure the destructor (or the caller) rolls back
}

void Txn::Rollback() {
  if (!open_) return;
  open_ = false;
  // ROLLBACK fails only when no transaction is active (SQLite may have rolled back by itself
  // after an I/O error); either way the transaction is gone.
  (void)sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace mw::sqlite
