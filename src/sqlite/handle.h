// RAII wrappers over the SQLite C API, for the store's internals only.
//
// Db owns a sqlite3* (closed with sqlite3_close_v2), Stmt owns a sqlite3_stmt* (finalized), and
// Txn is a transaction guard that rolls back unless Commit() ran. Failures become mw::Status:
// kUnavailable for I/O, locking, full disk and corruption (the caller may retry the whole call),
// kAlreadyExists for constraint violations, kInternal for misuse (bad SQL, wrong bind index).
//
// Thread-safety: a Db and its statements are used by one thread at a time (connections are opened
// with SQLITE_OPEN_NOMUTEX; the store gives each thread its own connection).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::sqlite {

// Maps a SQLite result code (plus the connection's message, when db is given) to a Status.
Status SqliteError(int rc, sqlite3* db, std::string_view what);

class Db {
 public:
  Db() = default;
  // Opens `path` with `flags` (SQLITE_OPEN_*; NOMUTEX is added). kUnavailable on failure.
  static Result<Db> Open(const std::string& path, int flags);

  bool valid() const { return db_ != nullptr; }
  sqlite3* get() const { return db_.get(); }
  void Close() { db_.reset(); }

  // Runs one or more statements without results (PRAGMAs, DDL, BEGIN/COMMIT).
  Status Exec(std::string_view sql) const;
  // Runs a statement returning one integer (e.g. "PRAGMA page_count"); nullopt when no row.
  Result<std::optional<int64_t>> QueryInt(const std::string& sql) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

class Stmt {
 public:
  Stmt() = default;
  // Prepares `sql` on `db`. `persistent` hints SQLite that the statement is reused many times.
  static Result<Stmt> Prepare(const Db& db, std::string_view sql, bool persistent = true);

  bool valid() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_.get(); }

  // Bind helpers; index is 1-based. Text is copied by SQLite unless BindTextStatic is used, whose
  // argument must outlive the next Reset().
  void BindInt(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindText(int index, std::string_view value);
  void BindTextStatic(int index, std::string_view value);
  void BindNull(int index);
  void BindBlob(int index, std::string_view bytes);  // copied by SQLite
  void BindOptionalDouble(int index, const std::optional<double>& value);
  void BindOptionalInt(int index, const std::optional<int64_t>& value);

  // Steps once: true with a row, false when done; an error Status otherwise.
  Result<bool> Step();
  // Steps a statement that returns no rows, then resets it.
  Status Run();
  // Resets and clears bindings so the statement can be reused.
  void Reset();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  double ColumnDouble(int col) const { return sqlite3_column_double(stmt_.get(), col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  std::string ColumnText(int col) const;
  std::string_view ColumnTextView(int col) const;  // valid until the next Step/Reset
  std::string_view ColumnBlobView(int col) const;  // valid until the next Step/Reset
  std::optional<double> ColumnOptionalDouble(int col) const;
  std::optional<int64_t> ColumnOptionalInt(int col) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// Resets the statement when it goes out of scope, so an early return cannot leave it mid-step
// (which would hold a read snapshot open).
class StmtResetter {
 public:
  explicit StmtResetter(Stmt& stmt) : stmt_(stmt) {}
  ~StmtResetter() { stmt_.Reset(); }
  StmtResetter(const StmtResetter&) = delete;
  StmtResetter& operator=(const StmtResetter&) = delete;

 private:
  Stmt& stmt_;
};

// Transaction guard: Begin() starts it, Commit() ends it, the destructor rolls back otherwise.
class Txn {
 public:
  explicit Txn(const Db& db) : db_(db) {}
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  Status Begin(bool immediate = true);
  Status Commit();
  void Rollback();

 private:
  const Db& db_;
  bool open_ = false;
};

}  // namespace mw::sqlite
