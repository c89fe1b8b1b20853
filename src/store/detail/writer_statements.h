// The writer thread's prepared statements (hot path), prepared once at open.
#pragma once

#include "common/status.h"
#include "store/detail/sqlite_handle.h"
#include "store/sqlite_store.h"

namespace mw {

struct SqliteStore::WriterStatements {
  store_detail::Stmt insert_prediction;  // into prediction_logs
  store_detail::Stmt insert_inbox;       // into prediction_inbox
  store_detail::Stmt move_inbox;
  store_detail::Stmt empty_inbox;
  store_detail::Stmt select_id_and_hash;  // from prediction_logs
  store_detail::Stmt select_id_and_hash_inbox;
  store_detail::Stmt update_actual;  // in prediction_logs
  store_detail::Stmt update_actual_inbox;
  store_detail::Stmt upsert_pending;
  store_detail::Stmt select_pending;
  store_detail::Stmt delete_pending;
  store_detail::Stmt pending_hash_exists;
  store_detail::Stmt insert_unknown_model;

  static Result<std::unique_ptr<WriterStatements>> Prepare(const store_detail::Db& db);
};

}  // namespace mw
