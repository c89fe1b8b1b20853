// SqliteStore: maintenance runs (the maintenance_runs table). Begin and Finish run on the writer
// thread (RunRegistryOp) in a transaction of their own, so they are durable on return; List uses
// the read pool.
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

constexpr std::string_view kAbandonRuns =
    "UPDATE maintenance_runs SET status = 'abandoned', finished_at = ?,"
    " message = 'the process stopped during this run' WHERE task = ? AND status = 'running'";
constexpr std::string_view kInsertRun =
    "INSERT INTO maintenance_runs (task, trigger_source, dry_run, started_at, finished_at, status,"
    " items, bytes, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kFinishRun =
    "UPDATE maintenance_runs SET status = ?, finished_at = ?, items = ?, bytes = ?, message = ?"
    " WHERE id = ?";

MaintenanceRun ReadRunRow(const sqlite::Stmt& stmt) {
  MaintenanceRun r;
  r.id = stmt.ColumnInt(0);
  r.task = stmt.ColumnText(1);
  r.trigger = stmt.ColumnText(2);
  r.dry_run = stmt.ColumnInt(3) != 0;
  r.started_at_ms = stmt.ColumnInt(4);
  r.finished_at_ms = stmt.ColumnOptionalInt(5);
  r.status = stmt.ColumnText(6);
  r.items = stmt.ColumnInt(7);
  r.bytes = stmt.ColumnInt(8);
  r.message = stmt.ColumnText(9);
  return r;
}

}  // namespace

Result<int64_t> SqliteStore::BeginMaintenanceRun(const MaintenanceRun& run) {
  if (run.task.empty()) return InvalidArgument("task name is empty");
  int64_t id = 0;
  Status s = RunRegistryOp([this, &run, &id]() -> Status {
    auto abandon = sqlite::Stmt::Prepare(writer_, kAbandonRuns, false);
    if (!abandon) return abandon.error();
    auto insert = sqlite::Stmt::Prepare(writer_, kInsertRun, false);
    if (!insert) return insert.error();
    const int64_t started = run.started_at_ms != 0 ? run.started_at_ms : clock_->NowMillis();
    sqlite::Txn txn(writer_);
    if (Status st = txn.Begin(); !st.ok()) return st;
    abandon->BindInt(1, started);
    abandon->BindText(2, run.task);
    if (Status st = abandon->Run(); !st.ok()) return st;
    insert->BindText(1, run.task);
    insert->BindText(2, run.trigger);
    insert->BindInt(3, run.dry_run ? 1 : 0);
    insert->BindInt(4, started);
    insert->BindOptionalInt(5, run.finished_at_ms);
    insert->BindText(6, run.status.empty() ? std::string_view("running") : run.status);
    insert->BindInt(7, run.items);
    insert->BindInt(8, run.bytes);
    insert->BindText(9, run.message);
    if (Status st = insert->Run(); !st.ok()) return st;
    id = sqlite3_last_insert_rowid(writer_.get());
    return txn.Commit();
  });
  if (!s.ok()) return s;
  return id;
}

Status SqliteStore::FinishMaintenanceRun(const MaintenanceRun& run) {
  if (run.id <= 0) return InvalidArgument("run id must be positive");
  if (run.status.empty() || run.status == "running") {
    return InvalidArgument("a finished run needs a final status");
  }
  return RunRegistryOp([this, &run]() -> Status {
    auto update = sqlite::Stmt::Prepare(writer_, kFinishRun, false);
    if (!update) return update.error();
    update->BindText(1, run.status);
    update->BindInt(2, run.finished_at_ms.value_or(clock_->NowMillis()));
    update->BindInt(3, run.items);
    update->BindInt(4, run.bytes);
    update->BindText(5, run.message);
    update->BindInt(6, run.id);
    sqlite::Txn txn(writer_);
    if (Status st = txn.Begin(); !st.ok()) return st;
    if (Status st = update->Run(); !st.ok()) return st;
    if (sqlite3_changes(writer_.get()) == 0) {
      return NotFound("no maintenance run " + std::to_string(run.id));
    }
    return txn.Commit();
  });
}

Result<std::vector<MaintenanceRun>> SqliteStore::ListMaintenanceRuns(
    const MaintenanceRunQuery& q) const {
  if (q.limit < 1) return InvalidArgument("limit must be at least 1");
  std::string text =
      "SELECT id, task, trigger_source, dry_run, started_at, finished_at, status, items, bytes,"
      " message FROM maintenance_runs WHERE 1 = 1";
  if (q.task) text += " AND task = ?";
  if (q.status) text += " AND status = ?";
  if (q.id) text += " AND id = ?";
  text += " ORDER BY id DESC LIMIT ?";
  auto query = pool_->Prepare(text);
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  int index = 1;
  if (q.task) select.BindText(index++, *q.task);
  if (q.status) select.BindText(index++, *q.status);
  if (q.id) select.BindInt(index++, *q.id);
  select.BindInt(index, q.limit);
  std::vector<MaintenanceRun> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadRunRow(select));
  }
  return out;
}

}  // namespace mw::store
