#include "store/schema.h"

#include <array>

namespace mw::store::schema {
namespace {

using sqlite::Db;

// The columns of prediction_logs and of prediction_inbox, one list so that the writer's
// INSERT ... SELECT between them (sql::kMoveInbox) always sees the same columns in the same order.
// Written as the {prediction_columns} token in the migrations.
constexpr std::string_view kPredictionColumns =
    "seq {seq_pk},"
    " id TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " version TEXT,"
    " segment TEXT NOT NULL DEFAULT '',"
    " created_at BIGINT NOT NULL,"
    " received_at BIGINT NOT NULL,"
    " prediction DOUBLE PRECISION NOT NULL,"
    " features TEXT NOT NULL,"
    " actual DOUBLE PRECISION,"
    " actual_at BIGINT,"
    " latency_ms DOUBLE PRECISION,"
    " content_hash BIGINT NOT NULL";

const std::array<Migration, 4> kMigrations = {{
    {1,
     "initial schema",
     {
         // Key/value facts about this database (e.g. its uuid, which the id-index file records
         // so it is never paired with another database).
         "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
         "CREATE TABLE models ("
         " name TEXT PRIMARY KEY,"
         " task TEXT NOT NULL,"
         " description TEXT NOT NULL DEFAULT '',"
         " created_at BIGINT NOT NULL,"
         " updated_at BIGINT NOT NULL)",
         "CREATE TABLE model_versions ("
         " model TEXT NOT NULL,"
         " segment TEXT NOT NULL DEFAULT '',"
         " version TEXT NOT NULL,"
         " metadata TEXT NOT NULL DEFAULT '{}',"
         " training_metrics TEXT NOT NULL DEFAULT '{}',"
         " feature_importance TEXT NOT NULL DEFAULT '{}',"
         " training_duration_seconds DOUBLE PRECISION,"
         " model_size_bytes BIGINT,"
         " is_latest SMALLINT NOT NULL DEFAULT 0,"
         " created_at BIGINT NOT NULL,"
         " updated_at BIGINT NOT NULL,"
         " PRIMARY KEY (model, segment, version))",
         // seq is the append order. No index on id here: ids are random, and a random-key index
         // in the append transaction costs most of the ingest rate (see id_index.h).
         "CREATE TABLE prediction_logs ({prediction_columns})",
         "CREATE INDEX prediction_logs_created_at ON prediction_logs (created_at)",
         "CREATE INDEX prediction_logs_model_segment_created_at"
         " ON prediction_logs (model, segment, created_at)",
         // Actuals that arrived before their prediction; small, so a plain index on the hash.
         "CREATE TABLE pending_actuals ("
         " id TEXT PRIMARY KEY,"
         " id_hash BIGINT NOT NULL,"
         " actual DOUBLE PRECISION NOT NULL,"
         " actual_at BIGINT NOT NULL,"
         " received_at BIGINT NOT NULL)",
         "CREATE INDEX pending_actuals_id_hash ON pending_actuals (id_hash)",
     }},
    {2,
     "quality engine: reference profiles and evaluation snapshots",
     {
         // One reference (training rows, compressed; see profile/profile.h) per model version and
         // segment ('' = the whole model). {blob} is BLOB in SQLite, BYTEA in PostgreSQL.
         "CREATE TABLE reference_profiles ("
         " model TEXT NOT NULL,"
         " version TEXT NOT NULL,"
         " segment TEXT NOT NULL DEFAULT '',"
         " source TEXT NOT NULL,"
         " rows_count BIGINT NOT NULL,"
         " size_bytes BIGINT NOT NULL,"
         " created_at BIGINT NOT NULL,"
         " profile {blob} NOT NULL,"
         " PRIMARY KEY (model, version, segment))",
         // What the evaluator computed at each pass (JSON), kept as history.
         "CREATE TABLE evaluation_snapshots ("
         " seq {seq_pk},"
         " evaluated_at BIGINT NOT NULL,"
         " model TEXT NOT NULL,"
         " segment TEXT NOT NULL DEFAULT '',"
         " kind TEXT NOT NULL,"
         " payload TEXT NOT NULL)",
         "CREATE INDEX evaluation_snapshots_model_time"
         " ON evaluation_snapshots (model, segment, evaluated_at)",
     }},
    {3,
     "prediction inbox: small group commits append here, the writer moves rows into"
     " prediction_logs in batches",
     {
         // The columns of prediction_logs and no secondary index, so a commit of a few rows
         // writes one or two pages instead of a leaf of each index (see SqliteStore's inbox).
         "CREATE TABLE prediction_inbox ({prediction_columns})",
     }},
    {4,
     "maintenance: task runs and retraining requests",
     {
         "CREATE TABLE maintenance_runs ("
         " id {seq_pk},"
         " task TEXT NOT NULL,"
         " trigger_source TEXT NOT NULL,"
         " dry_run SMALLINT NOT NULL DEFAULT 0,"
         " started_at BIGINT NOT NULL,"
         " finished_at BIGINT,"
         " status TEXT NOT NULL,"
         " items BIGINT NOT NULL DEFAULT 0,"
         " bytes BIGINT NOT NULL DEFAULT 0,"
         " message TEXT NOT NULL DEFAULT '')",
         "CREATE INDEX maintenance_runs_task ON maintenance_runs (task, id)",
         "CREATE TABLE retrain_requests ("
         " id {seq_pk},"
         " model TEXT NOT NULL,"
         " segment TEXT NOT NULL DEFAULT '',"
         " version TEXT NOT NULL DEFAULT '',"
         " reason TEXT NOT NULL,"
         " task TEXT NOT NULL,"
         " requested_at BIGINT NOT NULL,"
         " finished_at BIGINT,"
         " status TEXT NOT NULL,"
         " outcome TEXT NOT NULL DEFAULT '')",
         "CREATE INDEX retrain_requests_model ON retrain_requests (model, segment, id)",
     }},
}};

}  // namespace

std::string RenderSql(std::string_view sql, const Dialect& dialect) {
  std::string columns = RenderPlaceholder(sql, "{prediction_columns}", kPredictionColumns);
  std::string once = RenderPlaceholder(columns, "{seq_pk}", dialect.seq_pk);
  return RenderPlaceholder(once, "{blob}", dialect.blob);
}

std::string RenderPlaceholder(std::string_view sql, std::string_view token,
                              std::string_view replacement) {
  std::string out;
  out.reserve(sql.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = sql.find(token, pos);
    if (hit == std::string_view::npos) break;
    out.append(sql.substr(pos, hit - pos));
    out.append(replacement);
    pos = hit + token.size();
  }
  out.append(sql.substr(pos));
  return out;
}

std::span<const Migration> Migrations() { return kMigrations; }

Result<std::vector<int64_t>> ApplyMigrations(const sqlite::Db& db,
                                             std::span<const Migration> migrations,
                                             const Dialect& dialect, int64_t now_ms) {
  return sqlite::ApplyMigrations(db, migrations, now_ms, [&dialect](std::string_view statement) {
    return RenderSql(statement, dialect);
  });
}

}  // namespace mw::store::schema
