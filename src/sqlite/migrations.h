// Versioned schema migrations for a SQLite database (the store, alerts.db, outbox.db).
//
// A migration is a version number, a name and the statements that bring the schema from the
// previous version to this one. Migrations are append-only: never edit a released one; add a new
// version instead. ApplyMigrations runs each missing migration in its own transaction together with
// its schema_migrations row, so a crash leaves either all or none of it, and re-opening applies
// only the versions that are missing.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sqlite/handle.h"

namespace mw::sqlite {

struct Migration {
  int64_t version = 0;
  std::string_view name;
  std::vector<std::string_view> statements;
};

// Turns a migration statement into the SQL to run (e.g. expands dialect tokens); nullptr runs the
// statements as written.
using RenderStatement = std::function<std::string(std::string_view)>;

// Applies every migration of `migrations` (in increasing version order) whose version is not yet
// recorded in schema_migrations (creating that table first), in order, each in its own IMMEDIATE
// transaction. Returns the versions applied by this call. kUnavailable when the database fails;
// kInternal when a migration's SQL is wrong.
Result<std::vector<int64_t>> ApplyMigrations(const Db& db, std::span<const Migration> migrations,
                                             int64_t now_ms,
                                             const RenderStatement& render = nullptr);

}  // namespace mw::sqlite
