// The store's SQL statements, shared by the SQLite backend and the later PostgreSQL one (see the
// portability rules in schema.h). Values are always bound (`?`), never concatenated; the only
// text assembled at run time is QueryPredictions' WHERE clause, from the fixed fragments below.
#pragma once

#include <string_view>

namespace mw::store::sql {

// prediction_logs and prediction_inbox (same columns; see the inbox in sqlite_store.h). Every
// inbox seq is greater than every prediction_logs seq, so a row is in exactly one of the two and
// reads take both (UNION ALL) in one statement, i.e. one snapshot.
#define MW_PREDICTION_INSERT_COLUMNS                                                          \
  "(seq, id, model, version, segment, created_at, received_at, prediction, features, actual," \
  " actual_at, latency_ms, content_hash)"
inline constexpr std::string_view kInsertPrediction =
    "INSERT INTO prediction_logs " MW_PREDICTION_INSERT_COLUMNS
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kInsertInbox =
    "INSERT INTO prediction_inbox " MW_PREDICTION_INSERT_COLUMNS
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// The inbox move: everything in it, in seq order, then emptied (same transaction).
inline constexpr std::string_view kMoveInbox =
    "INSERT INTO prediction_logs " MW_PREDICTION_INSERT_COLUMNS
    " SELECT seq, id, model, version, segment, created_at, received_at, prediction, features,"
    " actual, actual_at, latency_ms, content_hash FROM prediction_inbox ORDER BY seq";
inline constexpr std::string_view kEmptyInbox = "DELETE FROM prediction_inbox";
inline constexpr std::string_view kCountInbox = "SELECT count(*) FROM prediction_inbox";
#undef MW_PREDICTION_INSERT_COLUMNS
// The writer knows which table holds a seq (SqliteStore::inbox_first_seq_).
inline constexpr std::string_view kSelectIdAndHashBySeq =
    "SELECT id, content_hash FROM prediction_logs WHERE seq = ?";
inline constexpr std::string_view kSelectIdAndHashBySeqInbox =
    "SELECT id, content_hash FROM prediction_inbox WHERE seq = ?";
inline constexpr std::string_view kUpdateActual =
    "UPDATE prediction_logs SET actual = ?, actual_at = ? WHERE seq = ?";
inline constexpr std::string_view kUpdateActualInbox =
    "UPDATE prediction_inbox SET actual = ?, actual_at = ? WHERE seq = ?";
// At open, after the inbox was emptied.
inline constexpr std::string_view kMaxSeq = "SELECT max(seq) FROM prediction_logs";
inline constexpr std::string_view kCountPredictions = "SELECT count(*) FROM prediction_logs";

// Columns read back into a PredictionRecord, in this order.
#define MW_PREDICTION_COLUMNS                                                              \
  "seq, id, model, version, segment, created_at, prediction, features, actual, actual_at," \
  " latency_ms, received_at"
// Bind the seq twice (once per table).
inline constexpr std::string_view kSelectPredictionBySeq =
    "SELECT " MW_PREDICTION_COLUMNS
    " FROM prediction_logs WHERE seq = ?"
    " UNION ALL SELECT " MW_PREDICTION_COLUMNS " FROM prediction_inbox WHERE seq = ?";
// QueryPredictions: for each table, its base and the filter fragments (bound again for the
// second table), joined by kQueryUnion; then kQueryTail.
inline constexpr std::string_view kQueryBase =
    "SELECT " MW_PREDICTION_COLUMNS " FROM prediction_logs WHERE seq > ?";
inline constexpr std::string_view kQueryInboxBase =
    "SELECT " MW_PREDICTION_COLUMNS " FROM prediction_inbox WHERE seq > ?";
#undef MW_PREDICTION_COLUMNS
inline constexpr std::string_view kQueryUnion = " UNION ALL ";
inline constexpr std::string_view kFilterModel = " AND model = ?";
inline constexpr std::string_view kFilterSegment = " AND segment = ?";
inline constexpr std::string_view kFilterVersion = " AND version = ?";
inline constexpr std::string_view kFilterNoVersion = " AND version IS NULL";
inline constexpr std::string_view kFilterFrom = " AND created_at >= ?";
inline constexpr std::string_view kFilterTo = " AND created_at < ?";
inline constexpr std::string_view kFilterWithActual = " AND actual IS NOT NULL";
inline constexpr std::string_view kQueryTail = " ORDER BY seq LIMIT ?";

// pending_actuals
inline constexpr std::string_view kUpsertPending =
    "INSERT INTO pending_actuals (id, id_hash, actual, actual_at, received_at)"
    " VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET actual = excluded.actual, actual_at = excluded.actual_at,"
    " received_at = excluded.received_at";
inline constexpr std::string_view kSelectPending =
    "SELECT actual, actual_at FROM pending_actuals WHERE id = ?";
inline constexpr std::string_view kDeletePending = "DELETE FROM pending_actuals WHERE id = ?";
inline constexpr std::string_view kPendingHashExists =
    "SELECT 1 FROM pending_actuals WHERE id_hash = ? LIMIT 1";
inline constexpr std::string_view kSelectPendingHashes = "SELECT id_hash FROM pending_actuals";

// models
inline constexpr std::string_view kInsertUnknownModel =
    "INSERT INTO models (name, task, description, created_at, updated_at)"
    " VALUES (?, 'unknown', '', ?, ?) ON CONFLICT (name) DO NOTHING";
inline constexpr std::string_view kUpsertModel =
    "INSERT INTO models (name, task, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET task = excluded.task,"
    " description = excluded.description, updated_at = excluded.updated_at";
inline constexpr std::string_view kSelectModels =
    "SELECT name, task, description, created_at, updated_at FROM models ORDER BY name";
inline constexpr std::string_view kSelectModel =
    "SELECT name, task, description, created_at, updated_at FROM models WHERE name = ?";
inline constexpr std::string_view kSelectModelNames = "SELECT name FROM models";

// model_versions
inline constexpr std::string_view kClearLatest =
    "UPDATE model_versions SET is_latest = 0"
    " WHERE model = ? AND segment = ? AND version <> ? AND is_latest = 1";
inline constexpr std::string_view kSelectLatestVersion =
    "SELECT version FROM model_versions WHERE model = ? AND segment = ? AND is_latest = 1";
inline constexpr std::string_view kSelectAllLatest =
    "SELECT model, segment, version FROM model_versions WHERE is_latest = 1";
inline constexpr std::string_view kUpsertModelVersion =
    "INSERT INTO model_versions (model, segment, version, metadata, training_metrics,"
    " feature_importance, training_duration_seconds, model_size_bytes, is_latest, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (model, segment, version) DO UPDATE SET metadata = excluded.metadata,"
    " training_metrics = excluded.training_metrics,"
    " feature_importance = excluded.feature_importance,"
    " training_duration_seconds = excluded.training_duration_seconds,"
    " model_size_bytes = excluded.model_size_bytes, is_latest = excluded.is_latest,"
    " updated_at = excluded.updated_at";
inline constexpr std::string_view kSelectModelVersions =
    "SELECT model, segment, version, metadata, training_metrics, feature_importance,"
    " training_duration_seconds, model_size_bytes, is_latest, created_at"
    " FROM model_versions WHERE model = ? ORDER BY segment, created_at, version";

// store_meta
inline constexpr std::string_view kInsertMetaIfMissing =
    "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING";
// The store's probe write while writes fail (SqliteStore::WriteHealth): ?1 key, ?2 value.
inline constexpr std::string_view kUpsertMeta =
    "INSERT INTO store_meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
inline constexpr std::string_view kSelectMeta = "SELECT value FROM store_meta WHERE key = ?";

}  // namespace mw::store::sql
