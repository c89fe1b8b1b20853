// The relational schema of the store and its versioned migrations, written once for SQLite and the
// later PostgreSQL backend.
//
// Portability rules the SQL follows: times are BIGINT epoch milliseconds, JSON is TEXT (a
// PostgreSQL backend may declare JSONB), floats are DOUBLE PRECISION, booleans are SMALLINT 0/1,
// upserts use INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING, parameters are `?` (a PostgreSQL
// driver rewrites them to $n). The dialect differences in the DDL are the append-order key and the
// binary type, written as the {seq_pk} and {blob} tokens and expanded by RenderSql.
//
// Migrations follow the rules of sqlite/migrations.h (append-only, one transaction each).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sqlite/handle.h"
#include "sqlite/migrations.h"

namespace mw::store::schema {

struct Dialect {
  std::string_view seq_pk;  // the append-order primary key column type
  std::string_view blob;    // the binary column type
};

// The rowid alias: appends are in order.
inline constexpr Dialect kSqlite{"INTEGER PRIMARY KEY", "BLOB"};
inline constexpr Dialect kPostgres{"BIGINT PRIMARY KEY", "BYTEA"};

// Replaces the tokens in `sql`: {prediction_columns} (the column list prediction_logs and
// prediction_inbox share), then the dialect tokens {seq_pk} and {blob}.
std::string RenderSql(std::string_view sql, const Dialect& dialect);
// Replaces every `token` in `sql` with `replacement`.
std::string RenderPlaceholder(std::string_view sql, std::string_view token,
                              std::string_view replacement);

// A migration whose statements may contain dialect tokens.
using Migration = sqlite::Migration;

// The store's migrations, in increasing version order.
std::span<const Migration> Migrations();

// sqlite::ApplyMigrations with the statements rendered for `dialect`.
Result<std::vector<int64_t>> ApplyMigrations(const sqlite::Db& db,
                                             std::span<const Migration> migrations,
                                             const Dialect& dialect, int64_t now_ms);

}  // namespace mw::store::schema
