// ReadPool: a fixed set of read-only connections to the main database (each with a reader of the
// id file), lent out one caller at a time. In WAL mode readers never block the writer, and the
// writer never blocks them.
//
// Thread-safety: Acquire, Stats and Close may be called from any thread. A Lease is used by the
// thread holding it.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sqlite/handle.h"
#include "store/id_index.h"
#include "store/store.h"

namespace mw::store {

class ReadPool {
 public:
  struct Conn {
    sqlite::Db db;
    IdIndex::Reader ids;
    // Prepared statements by SQL text (the store's SQL comes from a fixed set of fragments).
    Result<sqlite::Stmt*> Prepare(const std::string& sql);

   private:
    std::map<std::string, sqlite::Stmt, std::less<>> stmts_;
  };

  class Lease {
   public:
    Lease(ReadPool* pool, Conn* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) {
      other.conn_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    Conn* operator->() const { return conn_; }
    Conn& operator*() const { return *conn_; }

   private:
    ReadPool* pool_;
    Conn* conn_;
  };

  // A lent connection with one of its prepared statements, which is reset (its row and
  // bindings released) before the connection goes back to the pool.
  class Query {
   public:
    Query(Lease lease, sqlite::Stmt* stmt) : lease_(std::move(lease)), stmt_(stmt) {}
    Query(Query&& other) noexcept
        : lease_(std::move(other.lease_)), stmt_(std::exchange(other.stmt_, nullptr)) {}
    Query& operator=(Query&&) = delete;
    ~Query() {
      if (stmt_ != nullptr) stmt_->Reset();
    }
    sqlite::Stmt& operator*() const { return *stmt_; }
    sqlite::Stmt* operator->() const { return stmt_; }
    Conn& conn() const { return *lease_; }

   private:
    Lease lease_;
    sqlite::Stmt* stmt_;
  };

  // Opens `size` (>= 1) read-only connections to `path` (which must exist, in WAL mode).
  // kUnavailable when a connection cannot be opened; kInvalidArgument when size < 1.
  static Result<std::unique_ptr<ReadPool>> Open(const std::string& path, int size,
                                                const IdIndex& ids);
  ~ReadPool() { Close(); }

  // Waits for a free connection. kUnavailable once Close() has begun.
  Result<Lease> Acquire();
  // Acquire() and the connection's prepared statement for `sql`.
  Result<Query> Prepare(const std::string& sql);
  ConnectionPoolStats Stats() const;
  // Refuses new leases, waits for the lent ones to come back, closes the connections. Idempotent.
  void Close();

 private:
  ReadPool() = default;
  void Release(Conn* conn);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> all_;
  std::vector<Conn*> idle_;
  bool closed_ = false;
};

}  // namespace mw::store
