// SqliteStore: the writer thread and group commit.
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "store/detail/writer_statements.h"
#include "store/sql.h"
#include "store/sqlite_store.h"

namespace mw {
namespace {

using Clock_ = std::chrono::steady_clock;

double SecondsSince(Clock_::time_point start) {
  return std::chrono::duration<double>(Clock_::now() - start).count();
}

}  // namespace

// What one group transaction has done so far; published to the in-memory state only after
// COMMIT succeeded.
struct SqliteStore::Group {
  struct Written {
    int64_t seq;
    uint64_t content_hash;
    const std::string* id;  // points into the group's requests, alive until the group ends
  };
  std::unordered_multimap<uint64_t, Written> written;
  std::vector<IdEntry> new_ids;
  std::set<std::string, std::less<>> new_models;
  std::unordered_set<uint64_t> pending_added;   // hashes put in pending_filter_ by this group
  std::unordered_set<uint64_t> pending_erased;  // hashes no pending row has any more
  std::vector<int64_t> seqs;                    // scratch for lookups
  bool direct = false;  // new rows go to prediction_logs (large group) instead of the inbox
};

void SqliteStore::WriterLoop() {
  std::vector<WriteRequest> group;
  while (true) {
    {
      std::unique_lock lock(queue_mu_);
      const auto ready = [&] { return !queue_.empty() || closing_; };
      if (write_failing_) {
        if (!queue_cv_.wait_for(lock, options_.write_probe_interval, ready)) {
          lock.unlock();
          ProbeWrite();
          continue;
        }
      } else {
        queue_cv_.wait(lock, ready);
      }
      if (queue_.empty()) break;  // closing, and everything queued is done
      if (queue_.front().kind == WriteRequest::Kind::kRegistry) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } else {
        size_t rows = 0;
        while (!queue_.empty() && queue_.front().kind != WriteRequest::Kind::kRegistry) {
          const size_t r = queue_.front().rows();
          if (!group.empty() && rows + r > options_.max_rows_per_commit) break;
          rows += r;
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    // Once the writer failed, requests still queued are answered kUnavailable without running.
    const bool done = !writer_failed_ && RunBackgroundPass(options_.errors, "store_writer", [&] {
      if (group.front().kind == WriteRequest::Kind::kRegistry) {
        const auto start = Clock_::now();
        Status s = WalSyncFailure();
        if (s.ok()) s = group.front().registry_op();
        if (s.ok()) s = SyncWal();
        NoteWrite(s);
        Observe("registry", SecondsSince(start));
        group.front().registry_done.set_value(std::move(s));
      } else {
        ProcessGroup(group);
      }
    });
    if (!done) FailWriter(group);
    group.clear();
    if (!writer_failed_) {
      if (!RunBackgroundPass(options_.errors, "store_writer", [&] {
            MoveInboxBetweenGroups(/*force=*/false);
            FinishCheckpoint();
          })) {
        writer_failed_ = true;
      }
    }
  }
  if (!writer_failed_) {
    RunBackgroundPass(options_.errors, "store_writer",
                      [&] { MoveInboxBetweenGroups(/*force=*/true); });
  }
}

// An exception escaped the writer's work on `group`: the group's transaction was rolled back (the
// Txn guard), but the writer's in-memory state may no longer match the database, so the store
// takes no more writes (as after a failed WAL fdatasync) and every request of the group not
// answered yet gets kUnavailable.
void SqliteStore::FailWriter(std::vector<WriteRequest>& group) {
  writer_failed_ = true;
  const Status failed = WriterFailure();
  for (WriteRequest& request : group) {
    switch (request.kind) {
      case WriteRequest::Kind::kRegistry:
        try {
          request.registry_done.set_value(failed);
        } catch (const std::future_error&) {  // it was answered before the exception
        }
        break;
      case WriteRequest::Kind::kPredictions:
        if (request.predictions_done) Answer(request.predictions_done, failed);
        break;
      case WriteRequest::Kind::kActuals:
        if (request.actuals_done) Answer(request.actuals_done, failed);
        break;
    }
  }
}

Status SqliteStore::WriterFailure() const {
  if (!writer_failed_) return Status::Ok();
  return Unavailable(
      "the store's writer failed with an internal error (see the error log): the store accepts "
      "no more writes; restart the server");
}

// Calls a completion exactly once (it is cleared first, so FailWriter can tell which ran); an
// exception from it is reported, and the other completions still run.
template <typename Done, typename Value>
void SqliteStore::Answer(Done& done, Value&& value) {
  Done call = std::exchange(done, nullptr);
  RunBackgroundPass(options_.errors, "store_writer", [&] { call(std::forward<Value>(value)); });
}

Status SqliteStore::SyncWal() {
  if (wal_fd_ < 0) return Status::Ok();
  if (Status s = WalSyncFailure(); !s.ok()) return s;
  const auto start = Clock_::now();
  int rc = 0;
  do {
    rc = options_.wal_fdatasync != nullptr ? options_.wal_fdatasync(wal_fd_) : ::fdatasync(wal_fd_);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    wal_sync_failed_ = true;
    return Unavailable(std::string("fdatasync of the WAL failed: ") + std::strerror(error) +
                       " (the store accepts no more writes; restart the server)");
  }
  Observe("wal_sync", SecondsSince(start));
  return Status::Ok();
}

void SqliteStore::NoteWrite(const Status& outcome) {
  if (outcome.ok()) {
    if (!write_failing_) return;
    std::lock_guard lock(write_health_mu_);
    write_failing_ = false;
    write_failure_.clear();
    return;
  }
  if (outcome.code() != StatusCode::kUnavailable) return;
  std::lock_guard lock(write_health_mu_);
  write_failure_ = outcome.message();
  write_failing_ = true;
}

Status SqliteStore::WriteHealth() const {
  if (Status s = WalSyncFailure(); !s.ok()) return s;
  if (Status s = WriterFailure(); !s.ok()) return s;
  if (!write_failing_) return Status::Ok();
  std::lock_guard lock(write_health_mu_);
  if (!write_failing_) return Status::Ok();
  return Unavailable("writes fail: " + write_failure_);
}

void SqliteStore::ProbeWrite() {
  Status s = WalSyncFailure();
  if (s.ok()) {
    store_detail::Txn txn(writer_);
    s = txn.Begin();
    if (s.ok()) {
      auto stmt = store_detail::Stmt::Prepare(writer_, sql::kUpsertMeta, false);
      if (stmt) {
        stmt->BindText(1, "write_probe");
        stmt->BindText(2, std::to_string(clock_->NowMillis()));
        s = stmt->Run();
      } else {
        s = stmt.error();
      }
    }
    if (s.ok()) s = txn.Commit();
    if (!s.ok()) txn.Rollback();
  }
  if (s.ok()) s = SyncWal();
  NoteWrite(s);
}

Status SqliteStore::WalSyncFailure() const {
  if (!wal_sync_failed_) return Status::Ok();
  return Unavailable(
      "an fdatasync of the WAL failed earlier: the store accepts no more writes; restart the "
      "server");
}

Status SqliteStore::MoveInbox() {
  const auto start = Clock_::now();
  if (Status s = stmts_->move_inbox.Run(); !s.ok()) return s;
  if (Status s = stmts_->empty_inbox.Run(); !s.ok()) return s;
  inbox_moved_at_ = start;
  Observe("inbox_move", SecondsSince(start));
  return Status::Ok();
}

// No fsync of its own (see the header): the rows are durable in the inbox already, and the next
// SyncWal covers the move's frames.
Status SqliteStore::MoveInboxTxn() {
  store_detail::Txn txn(writer_);
  Status s = txn.Begin();
  if (s.ok()) s = MoveInbox();
  if (s.ok()) s = txn.Commit();
  if (!s.ok()) txn.Rollback();  // the rows stay in the inbox
  NoteWrite(s);
  return s;
}

void SqliteStore::MoveInboxBetweenGroups(bool force) {
  if (next_seq_ == inbox_first_seq_) return;  // seqs are contiguous: the inbox is empty
  if (!force) {
    if (Clock_::now() - inbox_moved_at_ < kInboxIdleMove) return;
    std::lock_guard lock(queue_mu_);
    if (!queue_.empty()) return;
  }
  if (MoveInboxTxn().ok()) inbox_first_seq_ = next_seq_;
}

bool SqliteStore::StartMove() {
  if (next_seq_ - inbox_first_seq_ < kInboxMoveRows) return false;
  {
    std::lock_guard lock(mover_mu_);
    move_requested_ = true;
  }
  mover_cv_.notify_all();
  move_running_ = true;
  move_next_seq_ = next_seq_;
  return true;
}

// Observed as inbox_move_wait: how long the writer stood still after its callbacks because the
// move outlasted the WAL sync (docs/benchmarks.md: the largest writer-side stall under
// single-event load).
void SqliteStore::WaitMove() {
  if (!move_running_) return;
  const auto start = Clock_::now();
  Status s;
  {
    std::unique_lock lock(mover_mu_);
    mover_cv_.wait(lock, [&] { return !move_requested_; });
    s = move_status_;
  }
  Observe("inbox_move_wait", SecondsSince(start));
  move_running_ = false;
  if (s.ok()) inbox_first_seq_ = move_next_seq_;
}

void SqliteStore::MoverLoop() {
  std::unique_lock lock(mover_mu_);
  while (true) {
    mover_cv_.wait(lock, [&] { return move_requested_ || mover_stop_; });
    if (!move_requested_) return;  // stopping, and the writer waited for every move
    lock.unlock();
    Status s = Internal("the inbox move failed with an exception (see the error log)");
    RunBackgroundPass(options_.errors, "store_mover", [&] { s = MoveInboxTxn(); });
    lock.lock();
    move_status_ = std::move(s);
    move_requested_ = false;
    mover_cv_.notify_all();
  }
}

void SqliteStore::ProcessGroup(std::vector<WriteRequest>& requests) {
  const auto start = Clock_::now();
  const int64_t first_seq = next_seq_;
  Group group;
  std::vector<std::optional<Result<PredictionBatchResult>>> predictions(requests.size());
  std::vector<std::optional<Result<ActualBatchResult>>> actuals(requests.size());
  int64_t rows = 0;

  size_t total_rows = 0;
  size_t prediction_rows = 0;
  for (const WriteRequest& request : requests) {
    total_rows += request.rows();
    if (request.kind == WriteRequest::Kind::kPredictions) prediction_rows += request.rows();
  }
  group.written.reserve(total_rows);
  group.new_ids.reserve(total_rows);
  group.direct = prediction_rows >= kInboxMaxGroupRows;
  const int64_t saved_inbox_first_seq = inbox_first_seq_;

  Status failure = WalSyncFailure();
  // A group whose requests were all rejected commits an empty transaction: not a write that
  // proves the disk takes writes again (WriteHealth).
  const int64_t changes_before = sqlite3_total_changes64(writer_.get());
  store_detail::Txn txn(writer_);
  if (failure.ok()) failure = txn.Begin();
  if (failure.ok() && group.direct) {
    // Rows must reach prediction_logs in seq order: the inbox's go first.
    if (next_seq_ > inbox_first_seq_) failure = MoveInbox();
    inbox_first_seq_ = std::numeric_limits<int64_t>::max();  // every committed row is in logs
  }
  // All id lookups of the group share one snapshot of the id file.
  bool session = false;
  if (failure.ok()) {
    failure = ids_->BeginSession(writer_ids_);
    session = failure.ok();
  }
  for (size_t i = 0; failure.ok() && i < requests.size(); ++i) {
    WriteRequest& request = requests[i];
    const auto request_start = Clock_::now();
    if (request.kind == WriteRequest::Kind::kPredictions) {
      auto result = ApplyPredictions(request, group);
      if (!result && result.error().code() == StatusCode::kUnavailable) {
        failure = result.error();
      } else {
        predictions[i] = std::move(result);
      }
      Observe("insert_predictions", SecondsSince(request_start));
    } else {
      auto result = ApplyActuals(request, group);
      if (!result && result.error().code() == StatusCode::kUnavailable) {
        failure = result.error();
      } else {
        actuals[i] = std::move(result);
      }
      Observe("insert_actuals", SecondsSince(request_start));
    }
  }
  if (session) ids_->EndSession(writer_ids_);
  if (failure.ok()) {
    const auto commit_start = Clock_::now();
    failure = txn.Commit();
    Observe("commit", SecondsSince(commit_start));
  }

  if (!failure.ok()) {
    // Nothing of the group is stored; the in-memory state was not touched (pending_filter_
    // only gained hashes, which a superset filter tolerates).
    txn.Rollback();
    NoteWrite(failure);
    next_seq_ = first_seq;
    inbox_first_seq_ = saved_inbox_first_seq;
    const Status unavailable = Unavailable("group commit failed: " + failure.message());
    for (WriteRequest& request : requests) {
      if (request.kind == WriteRequest::Kind::kPredictions) {
        Answer(request.predictions_done, unavailable);
      } else {
        Answer(request.actuals_done, unavailable);
      }
    }
    return;
  }

  // Read before StartMove: the move then uses the connection on the mover thread.
  const bool wrote = sqlite3_total_changes64(writer_.get()) > changes_before;
  if (group.direct) inbox_first_seq_ = next_seq_;
  ids_->AddCommitted(group.new_ids);
  prediction_rows_ += static_cast<int64_t>(group.new_ids.size());
  known_models_.merge(group.new_models);
  for (uint64_t hash : group.pending_erased) {
    if (!group.pending_added.contains(hash)) pending_filter_.erase(hash);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (predictions[i] && predictions[i]->has_value()) rows += (*predictions[i])->inserted;
    if (actuals[i] && actuals[i]->has_value()) rows += static_cast<int64_t>(requests[i].rows());
  }
  // The group is committed; a due move runs on the mover thread while the WAL is synced and the
  // callbacks run, and the writer waits for it before the next group.
  const bool moving = StartMove();
  const Status durable = SyncWal();
  if (!durable.ok() || wrote) NoteWrite(durable);
  if (options_.observer != nullptr) {
    options_.observer->OnGroupCommit(static_cast<int64_t>(requests.size()), rows,
                                     SecondsSince(start));
  }
  const Status not_durable =
      durable.ok() ? durable : Unavailable("group commit failed: " + durable.message());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].kind == WriteRequest::Kind::kPredictions) {
      if (!durable.ok()) predictions[i] = not_durable;
      Answer(requests[i].predictions_done, std::move(*predictions[i]));
    } else {
      if (!durable.ok()) actuals[i] = not_durable;
      Answer(requests[i].actuals_done, std::move(*actuals[i]));
    }
  }
  if (moving) WaitMove();
}

// Returns kAlreadyExists (request rejected, nothing written) or a result; any other error is a
// database failure and fails the whole group (callers treat every non-request error as such).
Result<PredictionBatchResult> SqliteStore::ApplyPredictions(WriteRequest& request, Group& group) {
  const std::vector<PredictionEvent>& events = request.events;
  const size_t n = events.size();
  PredictionBatchResult result;
  result.ids.reserve(n);
  std::vector<uint64_t> hashes(n);
  std::vector<bool> duplicate(n, false);
  bool any_duplicate = false;

  // Phase 1: decide, without writing, which events are new; reject conflicts. Ids repeated in
  // the batch first: sorting (hash, index) pairs finds them without hashing strings again.
  for (size_t i = 0; i < n; ++i) {
    result.ids.push_back(events[i].id);
    hashes[i] = IdHash(events[i].id);
  }
  if (n > 1) {
    std::vector<std::pair<uint64_t, size_t>> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = {hashes[i], i};
    std::sort(order.begin(), order.end());
    for (size_t run = 0; run < n;) {
      size_t end = run + 1;
      while (end < n && order[end].first == order[run].first) ++end;
      for (size_t j = run + 1; j < end; ++j) {  // runs longer than 1 are (almost) always repeats
        const PredictionEvent& later = events[order[j].second];
        for (size_t k = run; k < j; ++k) {
          const PredictionEvent& earlier = events[order[k].second];
          if (duplicate[order[k].second] || earlier.id != later.id) continue;
          if (earlier.content_hash != later.content_hash) {
            return AlreadyExists("id \"" + later.id +
                                 "\" is repeated in the batch with different content");
          }
          duplicate[order[j].second] = any_duplicate = true;
          break;
        }
      }
      run = end;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const PredictionEvent& e = events[i];
    if (duplicate[i] || e.id_generated) continue;  // generated here just now: not stored yet
    auto stored = FindStored(e.id, hashes[i], group);
    if (!stored) return Unavailable(stored.error().message());
    if (stored->has_value()) {
      if ((*stored)->content_hash != e.content_hash) {
        return AlreadyExists("id \"" + e.id + "\" is already stored with different content");
      }
      duplicate[i] = any_duplicate = true;
    }
  }

  // Phase 2: write the new events. Any failure here is a database failure.
  store_detail::Stmt& insert = group.direct ? stmts_->insert_prediction : stmts_->insert_inbox;
  for (size_t i = 0; i < n; ++i) {
    if (duplicate[i]) {
      ++result.duplicates;
      continue;
    }
    const PredictionEvent& e = events[i];
    const std::string* version =
        e.version.empty() ? ResolveVersion(e.model, e.segment) : &e.version;
    if (Status s = EnsureModel(e.model, group); !s.ok()) return Unavailable(s.message());
    std::optional<double> actual = e.actual;
    std::optional<int64_t> actual_at;
    if (actual) actual_at = e.timestamp_ms;
    if (pending_filter_.contains(hashes[i])) {
      auto pending = TakePending(e.id, hashes[i], group);
      if (!pending) return Unavailable(pending.error().message());
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
    insert.BindInt(7, request.received_at_ms);
    insert.BindDouble(8, e.prediction);
    insert.BindTextStatic(9, e.features_json.empty() ? std::string_view("{}") : e.features_json);
    insert.BindOptionalDouble(10, actual);
    insert.BindOptionalInt(11, actual_at);
    insert.BindOptionalDouble(12, e.latency_ms);
    insert.BindInt(13, std::bit_cast<int64_t>(e.content_hash));
    if (Status s = insert.Run(); !s.ok()) return Unavailable(s.message());
    group.written.emplace(hashes[i], Group::Written{seq, e.content_hash, &e.id});
    group.new_ids.push_back({hashes[i], seq});
    ++result.inserted;
  }
  if (any_duplicate) result.duplicate = std::move(duplicate);
  return result;
}

// Every error returned is a database failure (kUnavailable).
Result<ActualBatchResult> SqliteStore::ApplyActuals(WriteRequest& request, Group& group) {
  ActualBatchResult result;
  store_detail::Stmt& upsert = stmts_->upsert_pending;
  for (const ActualEvent& a : request.actuals) {
    const uint64_t hash = IdHash(a.id);
    auto stored = FindStored(a.id, hash, group);
    if (!stored) return Unavailable(stored.error().message());
    if (stored->has_value()) {
      store_detail::Stmt& update =
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
    store_detail::Stmt& select =
        seq >= inbox_first_seq_ ? stmts_->select_id_and_hash_inbox : stmts_->select_id_and_hash;
    store_detail::StmtResetter reset(select);
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
    store_detail::Stmt& select = stmts_->select_pending;
    store_detail::StmtResetter reset(select);
    select.BindTextStatic(1, id);
    auto row = select.Step();
    if (!row) return row.error();
    if (!*row) return Found();  // another id with this hash is pending
    found.emplace(select.ColumnDouble(0), select.ColumnInt(1));
  }
  stmts_->delete_pending.BindTextStatic(1, id);
  if (Status s = stmts_->delete_pending.Run(); !s.ok()) return s;
  store_detail::Stmt& exists = stmts_->pending_hash_exists;
  store_detail::StmtResetter reset(exists);
  exists.BindInt(1, std::bit_cast<int64_t>(hash));
  auto row = exists.Step();
  if (!row) return row.error();
  if (!*row) group.pending_erased.insert(hash);
  return found;
}

Status SqliteStore::EnsureModel(const std::string& model, Group& group) {
  if (known_models_.contains(model) || group.new_models.contains(model)) return Status::Ok();
  const int64_t now = clock_->NowMillis();
  store_detail::Stmt& insert = stmts_->insert_unknown_model;
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

}  // namespace mw
