// SqliteStore: applying one request of a group commit inside the group's transaction (writer
// thread): predictions (duplicate detection, inbox or log inserts, joining pending actuals) and
// actuals (updating stored rows or parking them as pending).
#include <algorithm>
#include <bit>
#include <optional>
#include <string_view>
#include <utility>

#include "store/detail/write_group.h"
#include "store/detail/writer_statements.h"
#include "store/sqlite_store.h"

namespace mw::store {

namespace {

// Marks as duplicates the events whose id repeats an earlier event of the same batch with the
// same content; kAlreadyExists when the content differs. Sorting (hash, index) pairs finds the
// repeats without hashing strings again.
Status MarkRepeatsInBatch(const std::vector<ingest::PredictionEvent>& events,
                          const std::vector<uint64_t>& hashes, std::vector<bool>& duplicate) {
  const size_t n = events.size();
  if (n < 2) return Status::Ok();
  std::vector<std::pair<uint64_t, size_t>> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = {hashes[i], i};
  std::sort(order.begin(), order.end());
  for (size_t run = 0; run < n;) {
    size_t end = run + 1;
    while (end < n && order[end].first == order[run].first) ++end;
    for (size_t j = run + 1; j < end; ++j) {  // runs longer than 1 are (almost) always repeats
      const ingest::PredictionEvent& later = events[order[j].second];
      for (size_t k = run; k < j; ++k) {
        const ingest::PredictionEvent& earlier = events[order[k].second];
        if (duplicate[order[k].second] || earlier.id != later.id) continue;
        if (earlier.content_hash != later.content_hash) {
          return AlreadyExists("id \"" + later.id +
                               "\" is repeated in the batch with different content");
        }
        duplicate[order[j].second] = true;
        break;
      }
    }
    run = end;
  }
  return Status::Ok();
}

}  // namespace

// Returns kAlreadyExists (request rejected, nothing written) or a result; any other error is a
// database failure and fails the whole group (callers treat every non-request error as such).
Result<PredictionBatchResult> SqliteStore::ApplyPredictions(WriteRequest& request, Group& group) {
  const std::vector<ingest::PredictionEvent>& events = request.events;
  const size_t n = events.size();
  PredictionBatchResult result;
  result.ids.reserve(n);
  std::vector<uint64_t> hashes(n);
  for (size_t i = 0; i < n; ++i) {
    result.ids.push_back(events[i].id);
    hashes[i] = IdHash(events[i].id);
  }

  // Phase 1: decide, without writing, which events are new; reject conflicts. Ids repeated in
  // the batch first, then ids stored already.
  std::vector<bool> duplicate(n, false);
  if (Status s = MarkRepeatsInBatch(events, hashes, duplicate); !s.ok()) return s;
  if (Status s = MarkStored(events, hashes, group, duplicate); !s.ok()) return s;

  // Phase 2: write the new events. Any failure here is a database failure.
  for (size_t i = 0; i < n; ++i) {
    if (duplicate[i]) {
      ++result.duplicates;
      continue;
    }
    Status s = InsertPrediction(events[i], hashes[i], request.received_at_ms, group, result);
    if (!s.ok()) return Unavailable(s.message());
  }
  if (result.duplicates > 0) result.duplicate = std::move(duplicate);
  return result;
}

// Marks as duplicates the events (not repeats, not generated here) whose id is stored already
// with the same content; kAlreadyExists when the content differs, kUnavailable when a lookup
// fails.
Status SqliteStore::MarkStored(const std::vector<ingest::PredictionEvent>& events,
                               const std::vector<uint64_t>& hashes, Group& group,
                               std::vector<bool>& duplicate) {
  for (size_t i = 0; i < events.size(); ++i) {
    const ingest::PredictionEvent& e = events[i];
    if (duplicate[i] || e.id_generated) continue;  // generated here just now: not stored yet
    auto stored = FindStored(e.id, hashes[i], group);
    if (!stored) return Unavailable(stored.error().message());
    if (stored->has_value()) {
      if ((*stored)->content_hash != e.content_hash) {
        return AlreadyExists("id \"" + e.id + "\" is already stored with different content");
      }
      duplicate[i] = true;
    }
  }
  return Status::Ok();
}

// Writes one new event (to the inbox, or to prediction_logs in a direct group) with the next seq,
// taking over its pending actual when it came without one of its own. Any error is a database
// failure.
Status SqliteStore::InsertPrediction(const ingest::PredictionEvent& e, uint64_t hash,
                                     int64_t received_at_ms, Group& group,
                                     PredictionBatchResult& result) {
  sqlite::Stmt& insert = group.direct ? stmts_->insert_prediction : stmts_->insert_inbox;
  const std::string* version = e.version.empty() ? ResolveVersion(e.model, e.segment) : &e.version;
  if (Status s = EnsureModel(e.model, group); !s.ok()) return s;
  std::optional<double> actual = e.actual;
  std::optional<int64_t> actual_at;
  if (actual) actual_at = e.timestamp_ms;
  if (pending_filter_.contains(hash)) {
    auto pending = TakePending(e.id, hash, group);
    if (!pending) return pending.error();
    if (pending->has_value() && !actual) {  // the event's own actual is the later one
      actual = (*pending)->first;
      actual_at = (*pending)->second;
      ++result.actuals_joined;
    }
  }
  const int64_t seq = next_seq_++;
  insert.BindInt(1, seq);
  insert.BindTextStatic(2, e.id);
  insert.BindTextStatic(3, e.model);
  if (version != nullptr) {
    insert.BindTextStatic(4, *version);
  } else {
    insert.BindNull(4);
  }
  insert.BindTextStatic(5, e.segment);
  insert.BindInt(6, e.timestamp_ms);
  insert.BindInt(7, received_at_ms);
  insert.BindDouble(8, e.prediction);
  insert.BindTextStatic(9, e.features_json.empty() ? std::string_view("{}") : e.features_json);
  insert.BindOptionalDouble(10, actual);
  insert.BindOptionalInt(11, actual_at);
  insert.BindOptionalDouble(12, e.latency_ms);
  insert.BindInt(13, std::bit_cast<int64_t>(e.content_hash));
  if (Status s = insert.Run(); !s.ok()) return s;
  group.written.emplace(hash, Group::Written{seq, e.content_hash, &e.id});
  group.new_ids.push_back({hash, seq});
  ++result.inserted;
  return Status::Ok();
}

// Every error returned is a database failure (kUnavailable).
Result<ActualBatchResult> SqliteStore::ApplyActuals(WriteRequest& request, Group& group) {
  ActualBatchResult result;
  sqlite::Stmt& upsert = stmts_->upsert_pending;
  for (const ingest::ActualEvent& a : request.actuals) {
    const uint64_t hash = IdHash(a.id);
    auto stored = FindStored(a.id, hash, group);
    if (!stored) return Unavailable(stored.error().message());
    if (stored->has_value()) {
      sqlite::Stmt& update =
          (*stored)->seq >= inbox_first_seq_ ? stmts_->update_actual_inbox : stmts_->update_actual;
      update.BindDouble(1, a.actual);
      update.BindInt(2, a.timestamp_ms);
      update.BindInt(3, (*stored)->seq);
      if (Status s = update.Run(); !s.ok()) return Unavailable(s.message());
      result.matched.push_back(a.id);
    } else {
      upsert.BindTextStatic(1, a.id);
      upsert.BindInt(2, std::bit_cast<int64_t>(hash));
      upsert.BindDouble(3, a.actual);
      upsert.BindInt(4, a.timestamp_ms);
      upsert.BindInt(5, request.received_at_ms);
      if (Status s = upsert.Run(); !s.ok()) return Unavailable(s.message());
      pending_filter_.insert(hash);
      group.pending_added.insert(hash);
      result.unmatched.push_back(a.id);
    }
  }
  return result;
}

// The stored row holding `id`: first rows written by this group, then committed ones (id index
// candidates, verified against the row's real id).
Result<std::optional<SqliteStore::StoredRef>> SqliteStore::FindStored(const std::string& id,
                                                                      uint64_t hash, Group& group) {
  auto [begin, end] = group.written.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    if (*it->second.id == id)
      return std::optional<StoredRef>({it->second.seq, it->second.content_hash});
  }
  group.seqs.clear();
  if (Status s = ids_->Lookup(hash, writer_ids_, &group.seqs); !s.ok()) return s;
  for (int64_t seq : group.seqs) {
    sqlite::Stmt& select =
        seq >= inbox_first_seq_ ? stmts_->select_id_and_hash_inbox : stmts_->select_id_and_hash;
    sqlite::StmtResetter reset(select);
    select.BindInt(1, seq);
    auto row = select.Step();
    if (!row) return row.error();
    if (*row && select.ColumnTextView(0) == id) {
      return std::optional<StoredRef>({seq, std::bit_cast<uint64_t>(select.ColumnInt(1))});
    }
  }
  return std::optional<StoredRef>();
}

// Removes and returns the pending actual (value, actual_at) for `id`, if there is one.
Result<std::optional<std::pair<double, int64_t>>> SqliteStore::TakePending(const std::string& id,
                                                                           uint64_t hash,
                                                                           Group& group) {
  using Found = std::optional<std::pair<double, int64_t>>;
  Found found;
  {
    sqlite::Stmt& select = stmts_->select_pending;
    sqlite::StmtResetter reset(select);
    select.BindTextStatic(1, id);
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) return Found();  // another id with this hash is pending
    found.emplace(select.ColumnDouble(0), select.ColumnInt(1));
  }
  stmts_->delete_pending.BindTextStatic(1, id);
  if (Status s = stmts_->delete_pending.Run(); !s.ok()) return s;
  sqlite::Stmt& exists = stmts_->pending_hash_exists;
  sqlite::StmtResetter reset(exists);
  exists.BindInt(1, std::bit_cast<int64_t>(hash));
  auto row = exists.Step();
  if (!row) return row.error();
  if (!*row) group.pending_erased.insert(hash);
  return found;
}

Status SqliteStore::EnsureModel(const std::string& model, Group& group) {
  if (known_models_.contains(model) || group.new_models.contains(model)) return Status::Ok();
  const int64_t now = clock_->NowMillis();
  sqlite::Stmt& insert = stmts_->insert_unknown_model;
  insert.BindTextStatic(1, model);
  insert.BindInt(2, now);
  insert.BindInt(3, now);
  if (Status s = insert.Run(); !s.ok()) return s;
  group.new_models.insert(model);
  return Status::Ok();
}

const std::string* SqliteStore::ResolveVersion(const std::string& model,
                                               const std::string& segment) const {
  auto m = latest_.find(model);
  if (m == latest_.end()) return nullptr;
  auto s = m->second.find(segment);
  if (s != m->second.end()) return &s->second;
  if (segment.empty()) return nullptr;
  s = m->second.find(std::string_view());
  return s != m->second.end() ? &s->second : nullptr;
}

}  // namespace mw::store
