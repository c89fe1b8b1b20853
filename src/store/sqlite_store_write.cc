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

#include "store/detail/write_group.h"
#include "store/detail/writer_statements.h"
#include "store/sql.h"
#include "store/sqlite_store.h"

namespace mw::store {
namespace {

using Clock_ = std::chrono::steady_clock;

double SecondsSince(Clock_::time_point start) {
  return std::chrono::duration<double>(Clock_::now() - start).count();
}

}  // namespace

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
        if (s.ok() && group.front().registry_sync) s = SyncWal();
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
    sqlite::Txn txn(writer_);
    s = txn.Begin();
    if (s.ok()) {
      auto stmt = sqlite::Stmt::Prepare(writer_, sql::kUpsertMeta, false);
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
  sqlite::Txn txn(writer_);
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

// One group commit: every request of `requests` in one transaction, then the WAL sync, then the
// answers. A database failure anywhere answers the whole group kUnavailable and stores nothing.
void SqliteStore::ProcessGroup(std::vector<WriteRequest>& requests) {
  const auto start = Clock_::now();
  const int64_t first_seq = next_seq_;
  const int64_t saved_inbox_first_seq = inbox_first_seq_;
  Group group;
  SizeGroup(requests, group);
  // A group whose requests were all rejected commits an empty transaction: not a write that
  // proves the disk takes writes again (WriteHealth).
  const int64_t changes_before = sqlite3_total_changes64(writer_.get());
  sqlite::Txn txn(writer_);
  Status failure = BeginGroup(txn, group);
  if (failure.ok()) failure = ApplyGroup(requests, group);
  if (failure.ok()) {
    const auto commit_start = Clock_::now();
    failure = txn.Commit();
    Observe("commit", SecondsSince(commit_start));
  }
  if (!failure.ok()) {
    txn.Rollback();
    RejectGroup(requests, failure, first_seq, saved_inbox_first_seq);
    return;
  }

  // Read before StartMove: the move then uses the connection on the mover thread.
  const bool wrote = sqlite3_total_changes64(writer_.get()) > changes_before;
  const int64_t rows = PublishGroup(requests, group);
  // The group is committed; a due move runs on the mover thread while the WAL is synced and the
  // callbacks run, and the writer waits for it before the next group.
  const bool moving = StartMove();
  const Status durable = SyncWal();
  if (!durable.ok() || wrote) NoteWrite(durable);
  if (options_.observer != nullptr) {
    options_.observer->OnGroupCommit(static_cast<int64_t>(requests.size()), rows,
                                     SecondsSince(start));
  }
  AnswerGroup(requests, group, durable);
  if (moving) WaitMove();
}

// Sizes the group's containers and decides where its new rows go (see kInboxMaxGroupRows).
void SqliteStore::SizeGroup(const std::vector<WriteRequest>& requests, Group& group) const {
  size_t total_rows = 0;
  size_t prediction_rows = 0;
  for (const WriteRequest& request : requests) {
    total_rows += request.rows();
    if (request.kind == WriteRequest::Kind::kPredictions) prediction_rows += request.rows();
  }
  group.written.reserve(total_rows);
  group.new_ids.reserve(total_rows);
  group.direct = prediction_rows >= kInboxMaxGroupRows;
  group.predictions.resize(requests.size());
  group.actuals.resize(requests.size());
}

// Opens the group's transaction; a direct group first moves the inbox (inside it).
Status SqliteStore::BeginGroup(sqlite::Txn& txn, const Group& group) {
  Status failure = WalSyncFailure();
  if (failure.ok()) failure = txn.Begin();
  if (failure.ok() && group.direct) {
    // Rows must reach prediction_logs in seq order: the inbox's go first.
    if (next_seq_ > inbox_first_seq_) failure = MoveInbox();
    inbox_first_seq_ = std::numeric_limits<int64_t>::max();  // every committed row is in logs
  }
  return failure;
}

// Runs every request inside the open transaction, keeping each one's answer in `group`. A
// request's own rejection (kAlreadyExists) is its answer; kUnavailable is a database failure and
// stops the group.
Status SqliteStore::ApplyGroup(std::vector<WriteRequest>& requests, Group& group) {
  // All id lookups of the group share one snapshot of the id file.
  if (Status s = ids_->BeginSession(writer_ids_); !s.ok()) return s;
  Status failure;
  for (size_t i = 0; failure.ok() && i < requests.size(); ++i) {
    WriteRequest& request = requests[i];
    const auto request_start = Clock_::now();
    if (request.kind == WriteRequest::Kind::kPredictions) {
      auto result = ApplyPredictions(request, group);
      if (!result && result.error().code() == StatusCode::kUnavailable) {
        failure = result.error();
      } else {
        group.predictions[i] = std::move(result);
      }
      Observe("insert_predictions", SecondsSince(request_start));
    } else {
      auto result = ApplyActuals(request, group);
      if (!result && result.error().code() == StatusCode::kUnavailable) {
        failure = result.error();
      } else {
        group.actuals[i] = std::move(result);
      }
      Observe("insert_actuals", SecondsSince(request_start));
    }
  }
  ids_->EndSession(writer_ids_);
  return failure;
}

// After the rollback: nothing of the group is stored, and the in-memory state was not touched
// (pending_filter_ only gained hashes, which a superset filter tolerates) except the seqs and the
// inbox bounds, which are given back. Every request is answered kUnavailable.
void SqliteStore::RejectGroup(std::vector<WriteRequest>& requests, const Status& failure,
                              int64_t first_seq, int64_t saved_inbox_first_seq) {
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
}

// After COMMIT: publishes what the group wrote to the writer's in-memory state. Returns the rows
// the group stored (inserted predictions and applied actuals), for the observer.
int64_t SqliteStore::PublishGroup(const std::vector<WriteRequest>& requests, Group& group) {
  if (group.direct) inbox_first_seq_ = next_seq_;
  ids_->AddCommitted(group.new_ids);
  prediction_rows_ += static_cast<int64_t>(group.new_ids.size());
  known_models_.merge(group.new_models);
  for (uint64_t hash : group.pending_erased) {
    if (!group.pending_added.contains(hash)) pending_filter_.erase(hash);
  }
  int64_t rows = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& predictions = group.predictions[i];
    const auto& actuals = group.actuals[i];
    if (predictions && predictions->has_value()) rows += (*predictions)->inserted;
    if (actuals && actuals->has_value()) rows += static_cast<int64_t>(requests[i].rows());
  }
  return rows;
}

// Runs every request's completion with its answer, or kUnavailable when the WAL sync failed.
void SqliteStore::AnswerGroup(std::vector<WriteRequest>& requests, Group& group,
                              const Status& durable) {
  const Status not_durable =
      durable.ok() ? durable : Unavailable("group commit failed: " + durable.message());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].kind == WriteRequest::Kind::kPredictions) {
      if (!durable.ok()) group.predictions[i] = not_durable;
      Answer(requests[i].predictions_done, std::move(*group.predictions[i]));
    } else {
      if (!durable.ok()) group.actuals[i] = not_durable;
      Answer(requests[i].actuals_done, std::move(*group.actuals[i]));
    }
  }
}

}  // namespace mw::store
