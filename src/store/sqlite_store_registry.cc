// SqliteStore: registry writes. They run on the writer thread (RunRegistryOp), each in its own
// transaction, so they are ordered with the appends around them and update the writer's caches
// (known models, latest versions) without locks.
#include <nlohmann/json.hpp>

#include "store/sql.h"
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

using sqlite::Stmt;

std::string MapToJson(const std::map<std::string, double>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : values) out[key] = value;
  return out.dump();
}

}  // namespace

Status SqliteStore::DoUpsertModel(const registry::ModelInfo& model) {
  const int64_t now = clock_->NowMillis();
  auto stmt = sqlite::Stmt::Prepare(writer_, sql::kUpsertModel, false);
  if (!stmt) return stmt.error();
  stmt->BindText(1, model.name);
  stmt->BindText(2, registry::ModelTaskName(model.task));
  stmt->BindText(3, model.description);
  stmt->BindInt(4, model.created_at_ms != 0 ? model.created_at_ms : now);
  stmt->BindInt(5, model.updated_at_ms != 0 ? model.updated_at_ms : now);
  sqlite::Txn txn(writer_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = stmt->Run(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;
  known_models_.insert(model.name);
  return Status::Ok();
}

Status SqliteStore::DoUpsertModelVersion(const registry::ModelVersionInfo& v) {
  const int64_t now = clock_->NowMillis();
  sqlite::Txn txn(writer_);
  if (Status s = txn.Begin(); !s.ok()) return s;

  auto model = sqlite::Stmt::Prepare(writer_, sql::kInsertUnknownModel, false);
  if (!model) return model.error();
  model->BindText(1, v.model);
  model->BindInt(2, now);
  model->BindInt(3, now);
  if (Status s = model->Run(); !s.ok()) return s;

  // Exactly one latest per (model, segment): is_latest moves the mark here; otherwise the mark
  // stays where it is, unless no version holds it yet.
  bool latest = v.is_latest;
  if (latest) {
    auto clear = sqlite::Stmt::Prepare(writer_, sql::kClearLatest, false);
    if (!clear) return clear.error();
    clear->BindText(1, v.model);
    clear->BindText(2, v.segment);
    clear->BindText(3, v.version);
    if (Status s = clear->Run(); !s.ok()) return s;
  } else {
    auto current = sqlite::Stmt::Prepare(writer_, sql::kSelectLatestVersion, false);
    if (!current) return current.error();
    current->BindText(1, v.model);
    current->BindText(2, v.segment);
    auto row = current->Step();
    if (!row) return row.error();
    latest = !*row || current->ColumnTextView(0) == v.version;
  }

  auto upsert = sqlite::Stmt::Prepare(writer_, sql::kUpsertModelVersion, false);
  if (!upsert) return upsert.error();
  upsert->BindText(1, v.model);
  upsert->BindText(2, v.segment);
  upsert->BindText(3, v.version);
  upsert->BindText(4, v.metadata_json.empty() ? std::string_view("{}") : v.metadata_json);
  upsert->BindText(5, MapToJson(v.training_metrics));
  upsert->BindText(6, MapToJson(v.feature_importance));
  upsert->BindOptionalDouble(7, v.training_duration_seconds);
  upsert->BindOptionalInt(8, v.model_size_bytes);
  upsert->BindInt(9, latest ? 1 : 0);
  upsert->BindInt(10, v.created_at_ms != 0 ? v.created_at_ms : now);
  upsert->BindInt(11, now);
  if (Status s = upsert->Run(); !s.ok()) return s;
  if (Status s = txn.Commit(); !s.ok()) return s;

  known_models_.insert(v.model);
  if (latest) latest_[v.model][v.segment] = v.version;
  return Status::Ok();
}

}  // namespace mw::store
