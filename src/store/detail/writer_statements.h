// The writer thread's prepared statements (hot path), prepared once at open.
#pragma once

#include "common/status.h"
#include "sqlite/handle.h"
#include "store/sqlite_store.h"

namespace mw::store {

struct SqliteStore::WriterStatements {
  sqlite::Stmt insert_prediction;  // into prediction_logs
  sqlite::Stmt insert_inbox;       // into prediction_inbox
  sqlite::Stmt move_inbox;
  sqlite::Stmt empty_inbox;
  sqlite::Stmt select_id_and_hash;  // from prediction_logs
  sqlite::Stmt select_id_and_hash_inbox;
  sqlite::Stmt update_actual;  // in prediction_logs
  sqlite::Stmt update_actual_inbox;
  sqlite::Stmt upsert_pending;
  sqlite::Stmt select_pending;
  sqlite::Stmt delete_pending;
  sqlite::Stmt pending_hash_exists;
  sqlite::Stmt insert_unknown_model;

  static Result<std::unique_ptr<WriterStatements>> Prepare(const sqlite::Db& db);
};

}  // namespace mw::store
