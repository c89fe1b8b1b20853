// The store's short names for the SQLite building block (sqlite/handle.h), which the store's
// internals use unqualified inside mw::store_detail.
#pragma once

#include "sqlite/handle.h"

namespace mw::store_detail {

using sqlite::Db;
using sqlite::SqliteError;
using sqlite::Stmt;
using sqlite::StmtResetter;
using sqlite::Txn;

}  // namespace mw::store_detail
