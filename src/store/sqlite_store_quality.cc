// SqliteStore: the quality engine's tables — reference profiles and evaluation snapshots. Writes
// run on the writer thread (RunRegistryOp) in their own transaction, like registry upserts;
// reads use the read pool.
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtResetter;

constexpr std::string_view kUpsertProfile =
    "INSERT INTO reference_profiles (model, version, segment, source, rows_count, size_bytes,"
    " created_at, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (model, version, segment) DO UPDATE SET source = excluded.source,"
    " rows_count = excluded.rows_count, size_bytes = excluded.size_bytes,"
    " created_at = excluded.created_at, profile = excluded.profile";
constexpr std::string_view kSelectProfile =
    "SELECT model, version, segment, source, rows_count, size_bytes, created_at, profile"
    " FROM reference_profiles WHERE model = ? AND version = ? AND segment = ?";
constexpr std::string_view kListProfiles =
    "SELECT model, version, segment, source, rows_count, size_bytes, created_at"
    " FROM reference_profiles WHERE model = ? ORDER BY version, segment";
constexpr std::string_view kInsertSnapshot =
    "INSERT INTO evaluation_snapshots (evaluated_at, model, segment, kind, payload)"
    " VALUES (?, ?, ?, ?, ?)";

ReferenceProfileRecord ReadProfileRow(const sqlite::Stmt& stmt, bool with_profile) {
  ReferenceProfileRecord r;
  r.model = stmt.ColumnText(0);
  r.version = stmt.ColumnText(1);
  r.segment = stmt.ColumnText(2);
  r.source = stmt.ColumnText(3);
  r.rows = stmt.ColumnInt(4);
  r.size_bytes = stmt.ColumnInt(5);
  r.created_at_ms = stmt.ColumnInt(6);
  if (with_profile) r.profile = std::string(stmt.ColumnBlobView(7));
  return r;
}

}  // namespace

Status SqliteStore::PutReferenceProfile(const ReferenceProfileRecord& record) {
  if (record.model.empty()) return InvalidArgument("model name is empty");
  if (record.version.empty()) return InvalidArgument("version is empty");
  return RunRegistryOp([this, &record]() -> Status {
    auto stmt = sqlite::Stmt::Prepare(writer_, kUpsertProfile, false);
    if (!stmt) return stmt.error();
    stmt->BindText(1, record.model);
    stmt->BindText(2, record.version);
    stmt->BindText(3, record.segment);
    stmt->BindText(4, record.source.empty() ? std::string_view("upload") : record.source);
    stmt->BindInt(5, record.rows);
    stmt->BindInt(6, static_cast<int64_t>(record.profile.size()));
    stmt->BindInt(7, record.created_at_ms != 0 ? record.created_at_ms : clock_->NowMillis());
    stmt->BindBlob(8, record.profile);
    sqlite::Txn txn(writer_);
    if (Status s = txn.Begin(); !s.ok()) return s;
    if (Status s = stmt->Run(); !s.ok()) return s;
    return txn.Commit();
  });
}

Result<ReferenceProfileRecord> SqliteStore::GetReferenceProfile(const std::string& model,
                                                                const std::string& version,
                                                                const std::string& segment) const {
  auto query = pool_->Prepare(std::string(kSelectProfile));
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  select.BindText(1, model);
  select.BindText(2, version);
  select.BindText(3, segment);
  auto row = select.Step();
  if (!row) return row.error();
  if (!*row) {
    return NotFound("no reference profile for model \"" + model + "\" version \"" + version +
                    "\" segment \"" + segment + "\"");
  }
  return ReadProfileRow(select, true);
}

Result<std::vector<ReferenceProfileRecord>> SqliteStore::ListReferenceProfiles(
    const std::string& model) const {
  auto query = pool_->Prepare(std::string(kListProfiles));
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  select.BindText(1, model);
  std::vector<ReferenceProfileRecord> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadProfileRow(select, false));
  }
  return out;
}

Status SqliteStore::AppendSnapshots(const std::vector<EvaluationSnapshot>& snapshots) {
  if (snapshots.empty()) return Status::Ok();
  return RunRegistryOp([this, &snapshots]() -> Status {
    auto stmt = sqlite::Stmt::Prepare(writer_, kInsertSnapshot, false);
    if (!stmt) return stmt.error();
    sqlite::Txn txn(writer_);
    if (Status s = txn.Begin(); !s.ok()) return s;
    for (const EvaluationSnapshot& snapshot : snapshots) {
      sqlite::StmtResetter reset(*stmt);
      stmt->BindInt(1, snapshot.evaluated_at_ms);
      stmt->BindText(2, snapshot.model);
      stmt->BindText(3, snapshot.segment);
      stmt->BindText(4, snapshot.kind);
      stmt->BindText(5, snapshot.payload_json);
      if (Status s = stmt->Run(); !s.ok()) return s;
    }
    return txn.Commit();
  });
}

Result<std::vector<EvaluationSnapshot>> SqliteStore::QuerySnapshots(const SnapshotQuery& q) const {
  if (q.limit < 1) return InvalidArgument("limit must be at least 1");
  std::string text =
      "SELECT evaluated_at, model, segment, kind, payload FROM evaluation_snapshots"
      " WHERE model = ?";
  if (q.segment) text += " AND segment = ?";
  if (q.kind) text += " AND kind = ?";
  if (q.from_ms) text += " AND evaluated_at >= ?";
  if (q.to_ms) text += " AND evaluated_at < ?";
  text += " ORDER BY evaluated_at DESC, seq DESC LIMIT ?";
  auto query = pool_->Prepare(text);
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  int index = 1;
  select.BindText(index++, q.model);
  if (q.segment) select.BindText(index++, *q.segment);
  if (q.kind) select.BindText(index++, *q.kind);
  if (q.from_ms) select.BindInt(index++, *q.from_ms);
  if (q.to_ms) select.BindInt(index++, *q.to_ms);
  select.BindInt(index, q.limit);
  std::vector<EvaluationSnapshot> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    EvaluationSnapshot s;
    s.evaluated_at_ms = select.ColumnInt(0);
    s.model = select.ColumnText(1);
    s.segment = select.ColumnText(2);
    s.kind = select.ColumnText(3);
    s.payload_json = select.ColumnText(4);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mw::store
