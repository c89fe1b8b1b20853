// SqliteStore: archiving of prediction rows (the archive-predictions task, maintenance/): the
// (model, day) groups old enough to archive, the deletion of archived rows and the restore of
// archived rows. Deletions and restores run on the writer thread (RunRegistryOp, the store's
// "run this on the writer" request) in chunks of kArchiveChunkRows rows, each chunk one
// transaction, so group commits of live ingest run between two chunks; only the last chunk of a
// call fdatasyncs the WAL (which covers the earlier ones), so the call is durable on return.
//
// The id index is not told about deletions: it has no removal and needs none, because every
// lookup verifies a candidate seq by reading the row's real id (FindStored, GetPrediction), and
// a deleted seq reads nothing. So an id whose row was archived is "not stored" at once, and a
// later re-send of it is stored again. The cost is the index entries of deleted rows, which stay
// in the id file (about 20 bytes each) until the file is rebuilt (remove <db>-ids while the
// server is stopped: Open rebuilds it from prediction_logs); they only make a lookup of the
// same hash read the file and one missing row.
#include <algorithm>
#include <bit>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/time_format.h"
#include "ingest/decode.h"
#include "store/detail/write_group.h"
#include "store/detail/writer_statements.h"
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

constexpr int64_t kDayMs = 86'400'000;
// Why 500: each chunk holds the writer for its transaction and WAL sync; live group commits
// queue behind it meanwhile (docs/benchmarks.md: append p99 during archiving).
constexpr size_t kArchiveChunkRows = 500;

// Both tables (the inbox may hold late rows with old timestamps); created_at >= 0 always.
constexpr std::string_view kListDays =
    "SELECT model, created_at / 86400000 AS day, count(*) FROM ("
    " SELECT model, created_at FROM prediction_logs WHERE created_at < ?1"
    " UNION ALL SELECT model, created_at FROM prediction_inbox WHERE created_at < ?1)"
    " GROUP BY day, model ORDER BY day, model";
// The inbox was moved first (DeleteArchivedChunk), so every row is in prediction_logs. The id
// guards against a seq reused after a restart (deleting the newest rows lowers max(seq), which
// Open continues from); actual and actual_at keep a row whose actual changed since it was read.
constexpr std::string_view kDeleteArchived =
    "DELETE FROM prediction_logs WHERE seq = ? AND id = ? AND actual IS ? AND actual_at IS ?";

// The content hashes ingest would give the rows re-sent by a client with every field the store
// keeps except the actual (predictions are usually sent without it; actuals join later): id,
// model, version, segment, timestamp, features, prediction, latency_ms. A re-send of such an
// event after a restore is then a duplicate, not a conflict. The rows are decoded as one NDJSON
// body (one decoder set-up for all); should any row not decode (only possible for a row ingest
// would now refuse), each is decoded alone and the ones that fail get hash 0.
std::string RestoredEventJson(const ingest::PredictionRecord& row) {
  nlohmann::json head = {{"id", row.id},
                         {"model", row.model},
                         {"segment", row.segment},
                         {"timestamp", FormatRfc3339Millis(row.created_at_ms)},
                         {"prediction", row.prediction}};
  if (!row.version.empty()) head["version"] = row.version;
  if (row.latency_ms) head["latency_ms"] = *row.latency_ms;
  std::string body = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  body.pop_back();  // '}': the features go in verbatim
  body += ",\"features\":";
  body += row.features_json.empty() ? std::string_view("{}") : row.features_json;
  body += '}';
  return body;
}

std::vector<uint64_t> RestoredContentHashes(std::span<const ingest::PredictionRecord> rows) {
  std::vector<uint64_t> hashes(rows.size(), 0);
  ingest::DecodeOptions options;
  options.max_events = static_cast<int64_t>(rows.size()) + 1;
  options.now_ms = 0;
  std::string body;
  for (const ingest::PredictionRecord& row : rows) {
    options.now_ms = std::max(options.now_ms, row.created_at_ms);
    body += RestoredEventJson(row);
    body += '\n';
  }
  ingest::DecodedPredictions all =
      ingest::DecodePredictions(body, ingest::BodyFormat::kNdjson, options);
  if (all.failure == ingest::DecodeFailure::kNone && all.events.size() == rows.size()) {
    for (size_t i = 0; i < rows.size(); ++i) hashes[i] = all.events[i].content_hash;
    return hashes;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    ingest::DecodedPredictions one =
        ingest::DecodePredictions(RestoredEventJson(rows[i]), ingest::BodyFormat::kJson, options);
    if (one.failure == ingest::DecodeFailure::kNone && one.events.size() == 1) {
      hashes[i] = one.events[0].content_hash;
    }
  }
  return hashes;
}

}  // namespace

Result<std::vector<PredictionDay>> SqliteStore::ListPredictionDaysBefore(int64_t cutoff_ms) const {
  // A day is listed when it ends at or before the cutoff: created_at < the cutoff's day start.
  const int64_t end =
      (cutoff_ms >= 0 ? cutoff_ms / kDayMs : (cutoff_ms - kDayMs + 1) / kDayMs) * kDayMs;
  std::vector<PredictionDay> out;
  if (end <= 0) return out;
  auto query = pool_->Prepare(std::string(kListDays));
  if (!query) return query.error();
  sqlite::Stmt& select = **query;
  select.BindInt(1, end);
  while (true) {
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({select.ColumnText(0), select.ColumnInt(1) * kDayMs, select.ColumnInt(2)});
  }
  return out;
}

Result<int64_t> SqliteStore::DeleteArchivedPredictions(
    std::span<const ingest::PredictionRecord> rows) {
  int64_t deleted = 0;
  for (size_t at = 0; at < rows.size(); at += kArchiveChunkRows) {
    const auto chunk = rows.subspan(at, std::min(kArchiveChunkRows, rows.size() - at));
    int64_t n = 0;
    const bool last = at + chunk.size() == rows.size();
    if (Status s = RunRegistryOp([&] { return DeleteArchivedChunk(chunk, &n); }, last); !s.ok()) {
      return s;
    }
    deleted += n;
  }
  return deleted;
}

Result<std::pair<int64_t, int64_t>> SqliteStore::RestorePredictions(
    std::span<const ingest::PredictionRecord> rows) {
  for (const ingest::PredictionRecord& row : rows) {
    if (row.id.empty() || row.model.empty()) {
      return InvalidArgument("a restored row has an empty id or model");
    }
  }
  std::pair<int64_t, int64_t> counts{0, 0};
  for (size_t at = 0; at < rows.size(); at += kArchiveChunkRows) {
    const auto chunk = rows.subspan(at, std::min(kArchiveChunkRows, rows.size() - at));
    std::pair<int64_t, int64_t> n{0, 0};
    // Only the last chunk syncs: its fdatasync of the WAL covers the earlier chunks' commits.
    const bool last = at + chunk.size() == rows.size();
    if (Status s = RunRegistryOp([&] { return RestoreChunk(chunk, &n); }, last); !s.ok()) return s;
    counts.first += n.first;
    counts.second += n.second;
  }
  return counts;
}

// Writer thread. The inbox is moved first, in the same transaction, so every row is in
// prediction_logs and the inbox bookkeeping stays exact.
Status SqliteStore::DeleteArchivedChunk(std::span<const ingest::PredictionRecord> rows,
                                        int64_t* deleted) {
  auto stmt = sqlite::Stmt::Prepare(writer_, kDeleteArchived, false);
  if (!stmt) return stmt.error();
  sqlite::Txn txn(writer_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  const bool moved = next_seq_ > inbox_first_seq_;
  if (moved) {
    if (Status s = MoveInbox(); !s.ok()) return s;
  }
  int64_t n = 0;
  for (const ingest::PredictionRecord& row : rows) {
    stmt->BindInt(1, row.seq);
    stmt->BindText(2, row.id);
    stmt->BindOptionalDouble(3, row.actual);
    stmt->BindOptionalInt(4, row.actual_at_ms);
    if (Status s = stmt->Run(); !s.ok()) return s;
    n += sqlite3_changes64(writer_.get());
  }
  if (Status s = txn.Commit(); !s.ok()) return s;
  if (moved) inbox_first_seq_ = next_seq_;
  prediction_rows_ -= n;
  *deleted = n;
  return Status::Ok();
}

// Writer thread. Rows go straight to prediction_logs with new seqs, after the inbox (seq order).
Status SqliteStore::RestoreChunk(std::span<const ingest::PredictionRecord> rows,
                                 std::pair<int64_t, int64_t>* counts) {
  const int64_t first_seq = next_seq_;
  const int64_t saved_inbox_first_seq = inbox_first_seq_;
  Group group;
  sqlite::Txn txn(writer_);
  Status s = txn.Begin();
  if (s.ok() && next_seq_ > inbox_first_seq_) s = MoveInbox();
  // Every committed row is in prediction_logs now (FindStored reads the table by this bound).
  inbox_first_seq_ = std::numeric_limits<int64_t>::max();
  if (s.ok()) s = ids_->BeginSession(writer_ids_);
  std::pair<int64_t, int64_t> n{0, 0};
  const std::vector<uint64_t> hashes = RestoredContentHashes(rows);
  if (s.ok()) {
    for (size_t i = 0; i < rows.size(); ++i) {
      s = RestoreRow(rows[i], hashes[i], group, &n);
      if (!s.ok()) break;
    }
    ids_->EndSession(writer_ids_);
  }
  if (s.ok()) s = txn.Commit();
  if (!s.ok()) {
    txn.Rollback();
    next_seq_ = first_seq;
    inbox_first_seq_ = saved_inbox_first_seq;
    return s;
  }
  inbox_first_seq_ = next_seq_;
  ids_->AddCommitted(group.new_ids);
  prediction_rows_ += static_cast<int64_t>(group.new_ids.size());
  known_models_.merge(group.new_models);
  for (uint64_t hash : group.pending_erased) pending_filter_.erase(hash);
  *counts = n;
  return Status::Ok();
}

// One row of RestoreChunk: skipped when its id is stored (or restored earlier in the chunk);
// a pending actual for its id (one that arrived after the row was archived) joins it when it is
// not older than the row's own.
Status SqliteStore::RestoreRow(const ingest::PredictionRecord& row, uint64_t content_hash,
                               Group& group, std::pair<int64_t, int64_t>* n) {
  const uint64_t hash = IdHash(row.id);
  auto stored = FindStored(row.id, hash, group);
  if (!stored) return stored.error();
  if (stored->has_value()) {
    ++n->second;
    return Status::Ok();
  }
  if (Status s = EnsureModel(row.model, group); !s.ok()) return s;
  std::optional<double> actual = row.actual;
  std::optional<int64_t> actual_at = row.actual_at_ms;
  if (pending_filter_.contains(hash)) {
    auto pending = TakePending(row.id, hash, group);
    if (!pending) return pending.error();
    if (pending->has_value() && (!actual_at || (*pending)->second >= *actual_at)) {
      actual = (*pending)->first;
      actual_at = (*pending)->second;
    }
  }
  const int64_t seq = next_seq_++;
  sqlite::Stmt& insert = stmts_->insert_prediction;
  insert.BindInt(1, seq);
  insert.BindTextStatic(2, row.id);
  insert.BindTextStatic(3, row.model);
  if (row.version.empty()) {
    insert.BindNull(4);
  } else {
    insert.BindTextStatic(4, row.version);
  }
  insert.BindTextStatic(5, row.segment);
  insert.BindInt(6, row.created_at_ms);
  insert.BindInt(7, row.received_at_ms);
  insert.BindDouble(8, row.prediction);
  insert.BindTextStatic(9, row.features_json.empty() ? std::string_view("{}") : row.features_json);
  insert.BindOptionalDouble(10, actual);
  insert.BindOptionalInt(11, actual_at);
  insert.BindOptionalDouble(12, row.latency_ms);
  insert.BindInt(13, std::bit_cast<int64_t>(content_hash));
  if (Status s = insert.Run(); !s.ok()) return s;
  group.written.emplace(hash, Group::Written{seq, content_hash, &row.id});
  group.new_ids.push_back({hash, seq});
  ++n->first;
  return Status::Ok();
}

}  // namespace mw::store
