#include "store/read_pool.h"

namespace mw::store {

using sqlite::Db;
using sqlite::Stmt;

Result<sqlite::Stmt*> ReadPool::Conn::Prepare(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    auto stmt = sqlite::Stmt::Prepare(db, sql);
    if (!stmt) return stmt.error();
    it = stmts_.emplace(sql, std::move(*stmt)).first;
  }
  return &it->second;
}

ReadPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(conn_);
}

Result<std::unique_ptr<ReadPool>> ReadPool::Open(const std::string& path, int size,
                                                 const IdIndex& ids) {
  if (size < 1) return InvalidArgument("read_connections must be at least 1");
  std::unique_ptr<ReadPool> pool(new ReadPool());
  for (int i = 0; i < size; ++i) {
    auto conn = std::make_unique<Conn>();
    auto db = sqlite::Db::Open(path, SQLITE_OPEN_READONLY);
    if (!db) return db.error();
    conn->db = std::move(*db);
    Status s = conn->db.Exec(
        "PRAGMA busy_timeout=10000; PRAGMA cache_size=-16384; PRAGMA mmap_size=268435456;");
    if (!s.ok()) return s;
    auto reader = ids.OpenReader(/*page_cache_kib=*/8192);
    if (!reader) return reader.error();
    conn->ids = std::move(*reader);
    pool->idle_.push_back(conn.get());
    pool->all_.push_back(std::move(conn));
  }
  return pool;
}

Result<ReadPool::Lease> ReadPool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !idle_.empty(); });
  if (closed_) return Unavailable("store is closed");
  Conn* conn = idle_.back();
  idle_.pop_back();
  return Lease(this, conn);
}

void ReadPool::Release(Conn* conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(conn);
  }
  cv_.notify_all();
}

Result<ReadPool::Query> ReadPool::Prepare(const std::string& sql) {
  auto lease = Acquire();
  if (!lease) return lease.error();
  auto stmt = (*lease)->Prepare(sql);
  if (!stmt) return stmt.error();
  return Query(std::move(*lease), *stmt);
}

ConnectionPoolStats ReadPool::Stats() const {
  std::lock_guard lock(mu_);
  ConnectionPoolStats stats;
  stats.total = static_cast<int64_t>(all_.size());
  stats.idle = static_cast<int64_t>(idle_.size());
  stats.active = stats.total - stats.idle;
  return stats;
}

void ReadPool::Close() {
  std::unique_lock lock(mu_);
  closed_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return idle_.size() == all_.size(); });
  idle_.clear();
  all_.clear();
}

}  // namespace mw::store
