#include "sqlite/migrations.h"

namespace mw::sqlite {

Result<std::vector<int64_t>> ApplyMigrations(const Db& db, std::span<const Migration> migrations,
                                             int64_t now_ms, const RenderStatement& render) {
  Status s = db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  if (!s.ok()) return s;
  std::vector<int64_t> applied;
  for (const Migration& migration : migrations) {
    Txn txn(db);
    if (s = txn.Begin(); !s.ok()) return s;
    // Checked inside the write transaction, so two processes opening at once cannot both apply.
    auto check = Stmt::Prepare(db, "SELECT 1 FROM schema_migrations WHERE version = ?", false);
    if (!check) return check.error();
    check->BindInt(1, migration.version);
    auto present = check->Step();
    if (!present) return present.error();
    if (*present) continue;
    for (std::string_view statement : migration.statements) {
      s = render ? db.Exec(render(statement)) : db.Exec(statement);
      if (!s.ok()) return s;
    }
    auto record = Stmt::Prepare(
        db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", false);
    if (!record) return record.error();
    record->BindInt(1, migration.version);
    record->BindText(2, migration.name);
    record->BindInt(3, now_ms);
    if (s = record->Run(); !s.ok()) return s;
    if (s = txn.Commit(); !s.ok()) return s;
    applied.push_back(migration.version);
  }
  return applied;
}

}  // namespace mw::sqlite
