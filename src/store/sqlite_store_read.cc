// SqliteStore: reads, on the read-only connection pool.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "store/sql.h"
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

using sqlite::Stmt;
using sqlite::StmtResetter;

// Columns as in sql::kSelectPredictionBySeq / kQueryBase.
ingest::PredictionRecord ReadPrediction(const sqlite::Stmt& stmt) {
  ingest::PredictionRecord r;
  r.seq = stmt.ColumnInt(0);
  r.id = stmt.ColumnText(1);
  r.model = stmt.ColumnText(2);
  r.version = stmt.ColumnText(3);  // NULL reads as ""
  r.segment = stmt.ColumnText(4);
  r.created_at_ms = stmt.ColumnInt(5);
  r.prediction = stmt.ColumnDouble(6);
  r.features_json = stmt.ColumnText(7);
  r.actual = stmt.ColumnOptionalDouble(8);
  r.actual_at_ms = stmt.ColumnOptionalInt(9);
  r.latency_ms = stmt.ColumnOptionalDouble(10);
  r.received_at_ms = stmt.ColumnInt(11);
  return r;
}

registry::ModelInfo ReadModel(const sqlite::Stmt& stmt) {
  registry::ModelInfo m;
  m.name = stmt.ColumnText(0);
  m.task = registry::ParseModelTask(stmt.ColumnTextView(1)).value_or(registry::ModelTask::kUnknown);
  m.description = stmt.ColumnText(2);
  m.created_at_ms = stmt.ColumnInt(3);
  m.updated_at_ms = stmt.ColumnInt(4);
  return m;
}

// Numeric members of a JSON object written by MapToJson; anything else is skipped.
std::map<std::string, double> JsonToMap(std::string_view text) {
  std::map<std::string, double> out;
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  for (const auto& [key, value] : doc.items()) {
    if (value.is_number()) out[key] = value.get<double>();
  }
  return out;
}

class Timer {
 public:
  explicit Timer(std::function<void(double)> done)
      : done_(std::move(done)), start_(std::chrono::steady_clock::now()) {}
  ~Timer() {
    done_(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  std::function<void(double)> done_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Result<ingest::PredictionRecord> SqliteStore::GetPrediction(const std::string& id) const {
  Timer timer([this](double s) { Observe("select", s); });
  auto lease = pool_->Acquire();
  if (!lease) return lease.error();
  std::vector<int64_t> seqs;
  if (Status s = ids_->Lookup(IdHash(id), (*lease)->ids, &seqs); !s.ok()) return s;
  auto stmt = (*lease)->Prepare(std::string(sql::kSelectPredictionBySeq));
  if (!stmt) return stmt.error();
  sqlite::Stmt& select = **stmt;
  for (int64_t seq : seqs) {
    sqlite::StmtResetter reset(select);
    select.BindInt(1, seq);  // prediction_logs
    select.BindInt(2, seq);  // prediction_inbox
    auto row = select.Step();
    if (!row) return row.error();
    if (*row && select.ColumnTextView(1) == id) {
      return ReadPrediction(select);
    }
  }
  return NotFound("prediction \"" + id + "\" not found");
}

Result<std::vector<ingest::PredictionRecord>> SqliteStore::QueryPredictions(
    const PredictionQuery& q) const {
  if (q.limit < 1) return InvalidArgument("limit must be at least 1");
  Timer timer([this](double s) { Observe("select", s); });
  std::string filters;
  if (q.model) filters += sql::kFilterModel;
  if (q.segment) filters += sql::kFilterSegment;
  if (q.version) filters += q.version->empty() ? sql::kFilterNoVersion : sql::kFilterVersion;
  if (q.from_ms) filters += sql::kFilterFrom;
  if (q.to_ms) filters += sql::kFilterTo;
  if (q.only_with_actual) filters += sql::kFilterWithActual;
  // Both tables in one statement (one snapshot); see the inbox in sqlite_store.h.
  std::string text(sql::kQueryBase);
  text += filters;
  text += sql::kQueryUnion;
  text += sql::kQueryInboxBase;
  text += filters;
  text += sql::kQueryTail;

  auto query = pool_->Prepare(text);
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  int index = 1;
  for (int table = 0; table < 2; ++table) {  // the same values for each table's half
    select.BindInt(index++, q.after_seq);
    if (q.model) select.BindText(index++, *q.model);
    if (q.segment) select.BindText(index++, *q.segment);
    if (q.version && !q.version->empty()) select.BindText(index++, *q.version);
    if (q.from_ms) select.BindInt(index++, *q.from_ms);
    if (q.to_ms) select.BindInt(index++, *q.to_ms);
  }
  select.BindInt(index, q.limit);
  std::vector<ingest::PredictionRecord> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadPrediction(select));
  }
  return out;
}

Result<std::vector<ingest::PredictionRecord>> SqliteStore::GetPredictionsBySeq(
    std::span<const int64_t> seqs) const {
  Timer timer([this](double s) { Observe("select", s); });
  auto lease = pool_->Acquire();
  if (!lease) return lease.error();
  auto stmt = (*lease)->Prepare(std::string(sql::kSelectPredictionBySeq));
  if (!stmt) return stmt.error();
  sqlite::Stmt& select = **stmt;
  std::vector<int64_t> sorted(seqs.begin(), seqs.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<ingest::PredictionRecord> out;
  out.reserve(sorted.size());
  for (int64_t seq : sorted) {
    sqlite::StmtResetter reset(select);
    select.BindInt(1, seq);  // prediction_logs
    select.BindInt(2, seq);  // prediction_inbox
    auto row = select.Step();
    if (!row) return row.error();
    if (*row) out.push_back(ReadPrediction(select));
  }
  return out;
}

Result<std::vector<registry::ModelInfo>> SqliteStore::ListModels() const {
  Timer timer([this](double s) { Observe("registry", s); });
  auto stmt = pool_->Prepare(std::string(sql::kSelectModels));
  if (!stmt) return stmt.error();
  std::vector<registry::ModelInfo> out;
  while (true) {
    auto row = (*stmt)->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadModel(**stmt));
  }
  return out;
}

Result<registry::ModelInfo> SqliteStore::GetModel(const std::string& name) const {
  Timer timer([this](double s) { Observe("registry", s); });
  auto stmt = pool_->Prepare(std::string(sql::kSelectModel));
  if (!stmt) return stmt.error();
  (*stmt)->BindText(1, name);
  auto row = (*stmt)->Step();
  if (!row) return row.error();
  if (!*row) return NotFound("model \"" + name + "\" not found");
  return ReadModel(**stmt);
}

Result<std::vector<registry::ModelVersionInfo>> SqliteStore::ListModelVersions(
    const std::string& model) const {
  Timer timer([this](double s) { Observe("registry", s); });
  auto query = pool_->Prepare(std::string(sql::kSelectModelVersions));
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  select.BindText(1, model);
  std::vector<registry::ModelVersionInfo> out;
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    registry::ModelVersionInfo v;
    v.model = select.ColumnText(0);
    v.segment = select.ColumnText(1);
    v.version = select.ColumnText(2);
    v.metadata_json = select.ColumnText(3);
    v.training_metrics = JsonToMap(select.ColumnTextView(4));
    v.feature_importance = JsonToMap(select.ColumnTextView(5));
    v.training_duration_seconds = select.ColumnOptionalDouble(6);
    v.model_size_bytes = select.ColumnOptionalInt(7);
    v.is_latest = select.ColumnInt(8) != 0;
    v.created_at_ms = select.ColumnInt(9);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace mw::store
