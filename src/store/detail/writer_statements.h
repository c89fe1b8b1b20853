// The writer thread's prepared statements (hot path), prepared once at open.
#pragma once

#include "common/status.h"
#include "store/detail/sqlite_handle.h"
#include "store/sqlite_store.h"

namespace mw {

struct SqliteStore::WriterStatements {
  store_detail::Stmt insert_prediction;
  store_detail::Stmt select_id_and_hash;
  store_detail::Stmt update_actual;
  store_detail::Stmt upsert_pending;
  store_detail::Stmt select_pending;
  store_detail::Stmt delete_pending;
  store_detail::Stmt pending_hash_exists;
  store_detail::Stmt insert_unknown_model;

  static Result<std::unique_ptr<WriterStatements>> Prepare(const store_detail::Db& db);
};

}  // namespace mw
