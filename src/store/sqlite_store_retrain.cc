// SqliteStore: retraining requests (check-drift-and-retrain, retrain-all) and the removal of one
// model version (cleanup-model-versions). Writes run on the writer thread (RunRegistryOp) in a
// transaction of their own, like the registry upserts, so they are ordered with them and durable
// on return; reads use the read pool.
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

constexpr std::string_view kInsertRetrain =
    "INSERT INTO retrain_requests (model, segment, version, reason, task, requested_at,"
    " finished_at, status, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kFinishRetrain =
    "UPDATE retrain_requests SET finished_at = ?, status = ?, outcome = ? WHERE id = ?";
constexpr std::string_view kRetrainColumns =
    "SELECT id, model, segment, version, reason, task, requested_at, finished_at, status, outcome"
    " FROM retrain_requests";
constexpr std::string_view kSelectVersionLatest =
    "SELECT is_latest FROM model_versions WHERE model = ? AND segment = ? AND version = ?";
constexpr std::string_view kDeleteVersion =
    "DELETE FROM model_versions WHERE model = ? AND segment = ? AND version = ?";
// A version's profiles: those of its own (model, segment, version) and, for a model-wide version
// (segment ''), the per-segment profiles stored under it by segments that have no version of
// that name of their own (ReferenceFor reads those as the model-wide version's).
constexpr std::string_view kDeleteVersionProfiles =
    "DELETE FROM reference_profiles WHERE model = ?1 AND version = ?3 AND (segment = ?2 OR"
    " (?2 = '' AND segment NOT IN (SELECT segment FROM model_versions"
    " WHERE model = ?1 AND version = ?3)))";

RetrainRequest ReadRetrainRow(const sqlite::Stmt& stmt) {
  RetrainRequest r;
  r.id = stmt.ColumnInt(0);
  r.model = stmt.ColumnText(1);
  r.segment = stmt.ColumnText(2);
  r.version = stmt.ColumnText(3);
  r.reason = stmt.ColumnText(4);
  r.task = stmt.ColumnText(5);
  r.requested_at_ms = stmt.ColumnInt(6);
  r.finished_at_ms = stmt.ColumnOptionalInt(7);
  r.status = stmt.ColumnText(8);
  r.outcome = stmt.ColumnText(9);
  return r;
}

}  // namespace

Result<int64_t> SqliteStore::AppendRetrainRequest(const RetrainRequest& request) {
  if (request.model.empty()) return InvalidArgument("model name is empty");
  if (request.status.empty()) return InvalidArgument("status is empty");
  int64_t id = 0;
  Status s = RunRegistryOp([this, &request, &id]() -> Status {
    auto stmt = sqlite::Stmt::Prepare(writer_, kInsertRetrain, false);
    if (!stmt) return stmt.error();
    stmt->BindText(1, request.model);
    stmt->BindText(2, request.segment);
    stmt->BindText(3, request.version);
    stmt->BindText(4, request.reason);
    stmt->BindText(5, request.task);
    stmt->BindInt(6, request.requested_at_ms != 0 ? request.requested_at_ms : clock_->NowMillis());
    stmt->BindOptionalInt(7, request.finished_at_ms);
    stmt->BindText(8, request.status);
    stmt->BindText(9, request.outcome);
    sqlite::Txn txn(writer_);
    if (Status st = txn.Begin(); !st.ok()) return st;
    if (Status st = stmt->Run(); !st.ok()) return st;
    id = sqlite3_last_insert_rowid(writer_.get());
    return txn.Commit();
  });
  if (!s.ok()) return s;
  return id;
}

Status SqliteStore::FinishRetrainRequest(const RetrainRequest& request) {
  if (request.id <= 0) return InvalidArgument("retrain request id must be positive");
  return RunRegistryOp([this, &request]() -> Status {
    auto stmt = sqlite::Stmt::Prepare(writer_, kFinishRetrain, false);
    if (!stmt) return stmt.error();
    stmt->BindInt(1, request.finished_at_ms.value_or(clock_->NowMillis()));
    stmt->BindText(2, request.status);
    stmt->BindText(3, request.outcome);
    stmt->BindInt(4, request.id);
    sqlite::Txn txn(writer_);
    if (Status st = txn.Begin(); !st.ok()) return st;
    if (Status st = stmt->Run(); !st.ok()) return st;
    if (sqlite3_changes(writer_.get()) == 0) {
      return NotFound("no retrain request " + std::to_string(request.id));
    }
    return txn.Commit();
  });
}

Result<std::vector<RetrainRequest>> SqliteStore::ListRetrainRequests(
    const RetrainRequestQuery& q) const {
  if (q.limit < 1) return InvalidArgument("limit must be at least 1");
  std::string text(kRetrainColumns);
  text += " WHERE 1 = 1";
  if (q.model) text += " AND model = ?";
  if (q.segment) text += " AND segment = ?";
  text += " ORDER BY id DESC LIMIT ?";
  auto query = pool_->Prepare(text);
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  int index = 1;
  if (q.model) select.BindText(index++, *q.model);
  if (q.segment) select.BindText(index++, *q.segment);
  select.BindInt(index, q.limit);
  std::vector<RetrainRequest> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadRetrainRow(select));
  }
  return out;
}

Result<RetrainRequest> SqliteStore::LastRetrainRequest(const std::string& model,
                                                       const std::string& segment) const {
  // The newest by id: ids grow with every append, and requested_at comes from the same clock.
  auto query = pool_->Prepare(std::string(kRetrainColumns) +
                              " WHERE model = ? AND segment = ? ORDER BY id DESC LIMIT 1");
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  select.BindText(1, model);
  select.BindText(2, segment);
  auto row = select.Step();
  if (!row) return row.error();
  if (!*row) {
    return NotFound("no retrain request for model \"" + model + "\" segment \"" + segment + "\"");
  }
  return ReadRetrainRow(select);
}

Status SqliteStore::DeleteModelVersion(const std::string& model, const std::string& segment,
                                       const std::string& version) {
  if (model.empty()) return InvalidArgument("model name is empty");
  if (version.empty()) return InvalidArgument("version is empty");
  return RunRegistryOp([&]() -> Status {
    sqlite::Txn txn(writer_);
    if (Status st = txn.Begin(); !st.ok()) return st;
    auto check = sqlite::Stmt::Prepare(writer_, kSelectVersionLatest, false);
    if (!check) return check.error();
    check->BindText(1, model);
    check->BindText(2, segment);
    check->BindText(3, version);
    auto row = check->Step();
    if (!row) return row.error();
    const std::string what =
        "version \"" + version + "\" of model \"" + model + "\" segment \"" + segment + "\"";
    if (!*row) return NotFound("no " + what);
    // The latest version is what unversioned events resolve to: it is never removed.
    if (check->ColumnInt(0) != 0) return FailedPrecondition(what + " is the latest");
    check->Reset();
    for (std::string_view sql : {kDeleteVersionProfiles, kDeleteVersion}) {
      auto del = sqlite::Stmt::Prepare(writer_, sql, false);
      if (!del) return del.error();
      del->BindText(1, model);
      del->BindText(2, segment);
      del->BindText(3, version);
      if (Status st = del->Run(); !st.ok()) return st;
    }
    return txn.Commit();
  });
}

}  // namespace mw::store
