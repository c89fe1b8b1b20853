// SqliteStore: the embedded Store (see store.h for the contract). Use OpenSqliteStore, or
// SqliteStore::Open when the extra methods below are needed.
//
// Threads and connections:
//   * One writer thread owns the only read-write connection to the main database. Append* and
//     the registry upserts enqueue requests; the writer takes every queued prediction/actual
//     request (up to max_rows_per_commit rows; a request is never split), applies them in ONE
//     transaction, commits, fdatasyncs the WAL (synchronous_full; see wal_fd_ below), then runs
//     their callbacks in order. So N concurrent callers share one fsync. Registry upserts are rare
//     and run in a transaction of their own, in queue order; the caller waits for it.
//   * Readers (Get*, Query*, List*, Stats, Ping) use a pool of read_connections read-only
//     connections; in WAL mode they neither block nor wait for the writer.
//   * The writer's commits do not checkpoint: a checkpointer thread runs passive checkpoints on
//     its own connection after every 250 new WAL pages, so commit latency stays flat; past 8000
//     pages the writer copies the few remaining frames itself between groups, after the
//     callbacks, so the WAL restarts instead of growing (FinishCheckpoint).
//   * The id index (id_index.h) runs an indexer thread writing the id file <path>-ids.
//
// The inbox. prediction_logs carries two time-ordered indexes, and one of them is keyed by
// (model, segment, ...): a commit of a few rows from different segments rewrites the table's last
// leaf plus one leaf of each index per segment touched, ~11-15 pages for ~7 rows. So a group with
// fewer than kInboxMaxGroupRows new predictions appends them to prediction_inbox (same columns,
// no secondary index: one or two pages per commit), and between groups the writer moves the
// whole inbox into prediction_logs in one transaction (INSERT ... SELECT in seq order, then
// DELETE) once it holds kInboxMoveRows rows, or when the queue is empty and the last move is
// kInboxIdleMove old; then each index leaf is rewritten once per move instead of once per
// commit. A due move runs on the mover thread, on the writer's connection, while the writer
// fdatasyncs the group's WAL frames and runs its callbacks (the connection is idle then); the
// writer waits for it before the next group, so only what outlasts the sync delays anyone. Larger
// groups move the inbox first and append to prediction_logs directly, in the same transaction. Seqs
// only grow, so every inbox row has a larger seq than every prediction_logs row; reads take both
// tables in one statement (UNION ALL, one snapshot). A move commits without an fsync of its own: it
// only relocates rows that are already durable, it is atomic, and the next group's WAL fdatasync
// covers its frames; if power fails first, the rows are still in the inbox. Open moves whatever a
// crash left in the inbox, and Close empties it, so at rest prediction_logs holds every row.
//
// Per request, predictions are checked first (ids repeated in the batch, then ids stored or
// written earlier in the same group, then committed ids) and only then written, so a
// kAlreadyExists request writes nothing while the rest of its group commits. Events whose id the
// server generated (id_generated) skip the stored-id check: such an id cannot be stored yet.
//
// Field mapping: version "" is stored as NULL after resolution found nothing; an event's own
// `actual` is stored with actual_at = its timestamp_ms and wins over a pending actual for the same
// id (which is then dropped); received_at is the clock's time at Append*.
//
// Rejections that happen before queueing (kResourceExhausted: queue full; kUnavailable: closed;
// kInvalidArgument: empty id or model) call `done` inline, on the calling thread, before Append*
// returns. Every other completion runs on the writer thread; callbacks must not block for long.
//
// One process at a time: the store keeps counts and caches in memory and assumes it is the only
// writer of the database files.
//
// Thread-safety: all public methods may be called concurrently from any thread, including from
// inside a completion callback.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/background.h"
#include "common/clock.h"
#include "sqlite/handle.h"
#include "store/id_index.h"
#include "store/read_pool.h"
#include "store/store.h"

namespace mw::store {

// The SQLite store's own options (the Store interface carries none: another backend has its own).
struct SqliteStoreOptions {
  std::string path;                  // database file; parent directory must exist
  int read_connections = 4;          // pool of read-only connections
  size_t max_queue_requests = 4096;  // queued write requests before kResourceExhausted
  size_t max_rows_per_commit = 20000;
  bool synchronous_full = true;       // fsync every group commit (durable against power loss)
  StoreObserver* observer = nullptr;  // not owned; may be null
  const Clock* clock = nullptr;       // not owned; null = the system clock (received_at, registry)
  // The id index moves committed ids from memory into its file (<path>-ids) in batches of this
  // many rows (or every couple of seconds); see store/id_index.h.
  size_t id_index_batch_rows = 50000;
  // Open writes zeros past the end of the WAL file up to the length one WAL cycle reaches, so
  // commits overwrite allocated blocks instead of growing the file (SqliteStore::PreallocateWal).
  // Off by default for library users and tests; `modelwatch serve` turns it on
  // (storage.sqlite_preallocate_wal). Never a reason for Open to fail: when the disk would be
  // left with less than preallocate_min_free_bytes free, or writing fails (the file is then cut
  // back to its old length), Open calls `warn` and the store runs without it.
  bool preallocate_wal = false;
  int64_t preallocate_min_free_bytes = 0;
  // Called by Open (on the calling thread) with a warning about a fallback it took; may be empty.
  std::function<void(const std::string&)> warn;
  // While writes fail (Store::WriteHealth), how often the writer tries a probe write when no
  // other write comes.
  std::chrono::milliseconds write_probe_interval{2000};
  // Tests only: replaces ::fdatasync for the WAL syncs of synchronous_full (to inject failures).
  int (*wal_fdatasync)(int fd) = nullptr;
  // Not owned; may be null (stderr). Where the store's threads report a pass that threw (threads
  // "store_writer", "store_mover", "store_checkpointer", "store_id_index"). An exception in the
  // writer's own work fails the requests of its group with kUnavailable and latches the store
  // into refusing every later write (and Ping) until it is reopened, as a failed WAL fdatasync
  // does; one thrown by a completion callback is only reported.
  BackgroundErrorReporter* errors = nullptr;
};

// Opens (creating and migrating as needed) a SQLite store in WAL mode.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

class SqliteStore final : public Store {
 public:
  // As OpenSqliteStore. kInvalidArgument for bad options (empty path, zero limits);
  // kUnavailable when the database cannot be opened or migrated.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;  // Close()

  void AppendPredictions(std::vector<ingest::PredictionEvent> events,
                         PredictionsDone done) override;
  void AppendActuals(std::vector<ingest::ActualEvent> actuals, ActualsDone done) override;

  // kInvalidArgument for an empty name (model or version); kUnavailable when closed or failing.
  Status UpsertModel(const registry::ModelInfo& model) override;
  Status UpsertModelVersion(const registry::ModelVersionInfo& version) override;
  Result<std::vector<registry::ModelInfo>> ListModels() const override;  // by name
  Result<registry::ModelInfo> GetModel(const std::string& name) const override;
  // Ordered by segment, then created_at, then version; empty for an unknown model.
  Result<std::vector<registry::ModelVersionInfo>> ListModelVersions(
      const std::string& model) const override;

  Result<ingest::PredictionRecord> GetPrediction(const std::string& id) const override;
  // Ordered by seq. kInvalidArgument when limit < 1. version "" matches unversioned rows.
  Result<std::vector<ingest::PredictionRecord>> QueryPredictions(
      const PredictionQuery& q) const override;

  Result<std::vector<ingest::PredictionRecord>> GetPredictionsBySeq(
      std::span<const int64_t> seqs) const override;
  // The quality engine's tables (sqlite_store_quality.cc). Writes run on the writer thread like
  // registry upserts.
  Status PutReferenceProfile(const ReferenceProfileRecord& record) override;
  Result<ReferenceProfileRecord> GetReferenceProfile(const std::string& model,
                                                     const std::string& version,
                                                     const std::string& segment) const override;
  Result<std::vector<ReferenceProfileRecord>> ListReferenceProfiles(
      const std::string& model) const override;
  Status AppendSnapshots(const std::vector<EvaluationSnapshot>& snapshots) override;
  Result<std::vector<EvaluationSnapshot>> QuerySnapshots(const SnapshotQuery& q) const override;

  // Maintenance. Runs: sqlite_store_runs.cc; retraining requests and version removal:
  // sqlite_store_retrain.cc; archiving: sqlite_store_archive.cc; retention, vacuum, backup:
  // sqlite_store_housekeeping.cc.
  Result<int64_t> BeginMaintenanceRun(const MaintenanceRun& run) override;
  Status FinishMaintenanceRun(const MaintenanceRun& run) override;
  Result<std::vector<MaintenanceRun>> ListMaintenanceRuns(
      const MaintenanceRunQuery& q) const override;

  Result<int64_t> AppendRetrainRequest(const RetrainRequest& request) override;
  Status FinishRetrainRequest(const RetrainRequest& request) override;
  Result<std::vector<RetrainRequest>> ListRetrainRequests(
      const RetrainRequestQuery& q) const override;
  Result<RetrainRequest> LastRetrainRequest(const std::string& model,
                                            const std::string& segment) const override;

  Result<std::vector<PredictionDay>> ListPredictionDaysBefore(int64_t cutoff_ms) const override;
  Result<int64_t> DeleteArchivedPredictions(
      std::span<const ingest::PredictionRecord> rows) override;
  Result<std::pair<int64_t, int64_t>> RestorePredictions(
      std::span<const ingest::PredictionRecord> rows) override;

  Result<int64_t> DeleteSnapshotsBefore(int64_t cutoff_ms, bool dry_run) override;
  Result<VacuumResult> Vacuum() override;
  Status BackupTo(const std::string& path) const override;
  Status DeleteModelVersion(const std::string& model, const std::string& segment,
                            const std::string& version) override;

  Status Ping() const override;
  Status WriteHealth() const override;
  // table_rows: prediction_logs, pending_actuals, models, model_versions, plus id_index (entries
  // in the id file) and id_index_tail (committed ids not yet in it). size_bytes covers both
  // databases with their -wal and -shm files.
  Result<StoreStats> Stats() const override;

  void Close() override;

  // Moves every committed id into the id file now and waits (maintenance and tests).
  Status FlushIdIndex();
  // True when Open rebuilt the id file (missing, damaged, or from another database).
  bool id_index_rebuilt() const { return ids_->rebuilt(); }

 private:
  struct WriteRequest {
    enum class Kind { kPredictions, kActuals, kRegistry };
    Kind kind = Kind::kPredictions;
    int64_t received_at_ms = 0;
    std::vector<ingest::PredictionEvent> events;
    PredictionsDone predictions_done;
    std::vector<ingest::ActualEvent> actuals;
    ActualsDone actuals_done;
    std::function<Status()> registry_op;
    std::promise<Status> registry_done;
    bool registry_sync = true;  // fdatasync the WAL after the op (see RunRegistryOp)
    size_t rows() const { return kind == Kind::kActuals ? actuals.size() : events.size(); }
  };
  struct Group;
  struct StoredRef {
    int64_t seq = 0;
    uint64_t content_hash = 0;
  };

  explicit SqliteStore(const SqliteStoreOptions& options);
  Status OpenAll();
  Status PrepareWriter();
  Status LoadCaches();
  Result<std::string> WalPath() const;  // the writer's <path>-wal
  Status OpenWalForSync();              // OpenAll, before any thread starts; see wal_fd_
  void PreallocateWal();                // OpenAll, before any thread starts; see preallocate_wal

  // Queueing; on failure `request` is left intact for the caller to reject.
  Status Enqueue(WriteRequest& request, bool bounded);
  // Runs `op` on the writer thread, between groups. With sync false the op's commit is not
  // fdatasynced by itself: the next sync (any later group or synced op) covers it, so only ops
  // whose loss on power failure is harmless may skip it (the chunks of an archive deletion
  // before the last one: a row that comes back is still in its archive, and a rerun deletes it).
  Status RunRegistryOp(std::function<Status()> op, bool sync = true);

  // Writer thread (sqlite_store_write.cc).
  void WriterLoop();
  // After an exception escaped the writer's work (see SqliteStoreOptions::errors).
  void FailWriter(std::vector<WriteRequest>& group);
  Status WriterFailure() const;  // OK, or kUnavailable once FailWriter ran
  template <typename Done, typename Value>
  void Answer(Done& done, Value&& value);
  // One group commit, in named steps (sqlite_store_write.cc).
  void ProcessGroup(std::vector<WriteRequest>& group);
  void SizeGroup(const std::vector<WriteRequest>& requests, Group& group) const;
  Status BeginGroup(sqlite::Txn& txn, const Group& group);
  Status ApplyGroup(std::vector<WriteRequest>& requests, Group& group);
  void RejectGroup(std::vector<WriteRequest>& requests, const Status& failure, int64_t first_seq,
                   int64_t saved_inbox_first_seq);
  int64_t PublishGroup(const std::vector<WriteRequest>& requests, Group& group);
  void AnswerGroup(std::vector<WriteRequest>& requests, Group& group, const Status& durable);
  // One request inside the group's transaction (sqlite_store_apply.cc).
  Result<PredictionBatchResult> ApplyPredictions(WriteRequest& request, Group& group);
  Status MarkStored(const std::vector<ingest::PredictionEvent>& events,
                    const std::vector<uint64_t>& hashes, Group& group,
                    std::vector<bool>& duplicate);
  Status InsertPrediction(const ingest::PredictionEvent& e, uint64_t hash, int64_t received_at_ms,
                          Group& group, PredictionBatchResult& result);
  Result<ActualBatchResult> ApplyActuals(WriteRequest& request, Group& group);
  Result<std::optional<StoredRef>> FindStored(const std::string& id, uint64_t hash, Group& group);
  Result<std::optional<std::pair<double, int64_t>>> TakePending(const std::string& id,
                                                                uint64_t hash, Group& group);
  Status EnsureModel(const std::string& model, Group& group);
  const std::string* ResolveVersion(const std::string& model, const std::string& segment) const;
  // Moves every inbox row into prediction_logs inside the writer's open transaction.
  Status MoveInbox();
  // MoveInbox in a transaction of its own; on failure the rows stay in the inbox. Runs on the
  // writer thread, or on the mover thread while the writer waits for an fdatasync (see above).
  Status MoveInboxTxn();
  // Between groups: the idle move (queue empty, last move kInboxIdleMove old), or with `force`
  // (Close) a move of whatever the inbox holds.
  void MoveInboxBetweenGroups(bool force);
  // After a group's COMMIT: hands a due move (kInboxMoveRows) to the mover thread, which runs it
  // while the writer fdatasyncs the WAL and runs the callbacks; WaitMove joins it.
  bool StartMove();
  void WaitMove();
  void MoverLoop();
  // Makes everything committed so far durable (fdatasync of the WAL when this store syncs it,
  // see wal_fd_); every completion runs only after it. A failure latches wal_sync_failed_.
  Status SyncWal();
  Status WalSyncFailure() const;
  // Records the outcome of a write for WriteHealth: OK clears a failure, kUnavailable (a
  // database failure) sets it, other codes (a rejected request) leave it. Any thread.
  void NoteWrite(const Status& outcome);
  // While writes fail and no other write comes: a one-row write to store_meta, then the sync.
  void ProbeWrite();
  void CheckpointerLoop();
  void FinishCheckpoint();
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);

  // Archiving, on the writer thread (sqlite_store_archive.cc): one chunk per transaction.
  Status DeleteArchivedChunk(std::span<const ingest::PredictionRecord> rows, int64_t* deleted);
  Status RestoreChunk(std::span<const ingest::PredictionRecord> rows,
                      std::pair<int64_t, int64_t>* counts);
  Status RestoreRow(const ingest::PredictionRecord& row, uint64_t content_hash, Group& group,
                    std::pair<int64_t, int64_t>* n);

  // Registry writes, on the writer thread (sqlite_store_registry.cc).
  Status DoUpsertModel(const registry::ModelInfo& model);
  Status DoUpsertModelVersion(const registry::ModelVersionInfo& version);

  void Observe(std::string_view operation, double seconds) const;

  const SqliteStoreOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::string ids_path_;

  // Writer-thread state (touched by Open before the thread starts, then only by the writer).
  sqlite::Db writer_;
  struct WriterStatements;
  std::unique_ptr<WriterStatements> stmts_;
  IdIndex::Reader writer_ids_;
  int64_t next_seq_ = 1;
  // model -> segment -> latest version
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> latest_;
  std::set<std::string, std::less<>> known_models_;
  // A superset of the id hashes in pending_actuals: a miss proves no pending actual.
  std::unordered_set<uint64_t> pending_filter_;
  // The inbox (see above). Why 64: at 32 connections of single events a group holds ~13
  // requests, so it goes to the inbox, while a batch request of hundreds of rows already touches
  // each index leaf once per commit and would only be written twice. Why 128: a move costs
  // ~0.5 ms plus ~5 us a row, and it is hidden only as far as it fits in the group's WAL
  // fdatasync and callbacks (~0.5 ms here); requests queued meanwhile wait for the rest.
  // Measured side by side (docs/benchmarks.md): 128-row moves gave the lowest server-side p99,
  // 256-row moves ~1 ms more, 64-row moves the same p99 with less throughput.
  static constexpr size_t kInboxMaxGroupRows = 64;
  static constexpr int64_t kInboxMoveRows = 128;
  static constexpr std::chrono::milliseconds kInboxIdleMove{1000};
  // prediction_inbox holds exactly the rows with seq in [inbox_first_seq_, next_seq_) (seqs are
  // contiguous: a failed group gives its seqs back), so it holds next_seq_ - inbox_first_seq_.
  int64_t inbox_first_seq_ = 1;
  std::chrono::steady_clock::time_point inbox_moved_at_;
  // The mover thread (StartMove). While a move runs, the writer thread only fdatasyncs and runs
  // callbacks, so the two never use the writer's connection at the same time; what the move
  // changes in writer-thread state (inbox_moved_at_, the WAL counters of OnWalCommit) is read
  // again only after WaitMove.
  std::thread mover_thread_;
  std::mutex mover_mu_;
  std::condition_variable mover_cv_;
  bool move_requested_ = false;  // guarded by mover_mu_
  bool mover_stop_ = false;      // guarded by mover_mu_
  Status move_status_;           // guarded by mover_mu_
  bool move_running_ = false;    // writer thread only: between StartMove and WaitMove
  int64_t move_next_seq_ = 0;    // writer thread only: next_seq_ when the move started

  // Durability with synchronous_full: the writer's connection runs with synchronous=NORMAL (a
  // COMMIT writes the WAL but does not sync it) and the writer fdatasyncs the WAL through its own
  // descriptor before any completion runs (SyncWal): the same guarantee as SQLite's FULL, but the
  // writer's connection is free during the sync, so a due inbox move runs meanwhile (unlike FULL,
  // readers see a group's rows during its sync, before its answers). -1 when the
  // store does not sync (synchronous_full false). After a failed fdatasync the kernel may have
  // dropped the pages, and committed rows would be visible but not durable, so the store refuses
  // every later write and Ping fails until it is reopened (PostgreSQL does the same: it panics).
  int wal_fd_ = -1;
  std::atomic<bool> wal_sync_failed_{false};
  std::atomic<bool> writer_failed_{false};  // see FailWriter

  // WriteHealth: set by a failed write, cleared by a successful one (NoteWrite).
  std::atomic<bool> write_failing_{false};
  mutable std::mutex write_health_mu_;
  std::string write_failure_;  // guarded by write_health_mu_

  std::unique_ptr<IdIndex> ids_;
  std::unique_ptr<ReadPool> pool_;
  std::atomic<int64_t> prediction_rows_{0};

  // The write queue.
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteRequest> queue_;
  bool closing_ = false;
  std::thread writer_thread_;
  std::thread::id writer_thread_id_;

  // Checkpointing. The checkpointer thread copies WAL frames back into the database after every
  // kBackgroundCheckpointFrames new frames (one database fsync per pass, so not after every
  // commit); past kWriterCheckpointFrames the writer finishes the job (FinishCheckpoint).
  // Why 250 and 8000: a pass's database fsync writes back every page it copied, and a commit's
  // WAL fsync that lands during it waits on the same disk. Small, frequent passes keep that wait
  // short: with single-event load at 32 connections (docs/benchmarks.md), 1000-frame passes gave
  // a p99 of 4.9-5.6 ms and 250-frame passes 3.8-4.1 ms at the same throughput, batched ingest
  // unchanged; skipping the pass's fsync (synchronous=OFF) was worse (6.4-6.9 ms), as the
  // dirty pages then reach the disk in one burst. Every writer-side finish stalls the writer for
  // a database fsync, so it runs every 8000 frames (32 MiB of 4 KiB pages, under the 64 MiB
  // journal_size_limit, so restarted WALs overwrite the file instead of growing it).
  static constexpr int kBackgroundCheckpointFrames = 250;
  static constexpr int kWriterCheckpointFrames = 8000;
  // A point in the WAL's life: its restart count and a frame count.
  static int64_t WalPosition(int64_t cycle, int frames) { return (cycle << 32) | frames; }
  // Writer thread only:
  int64_t wal_cycle_ = 0;               // WAL restarts seen
  int wal_frames_ = 0;                  // frames in the WAL after the last commit
  int next_background_checkpoint_ = 0;  // wal_frames_ at the last signal
  int next_writer_checkpoint_ = kWriterCheckpointFrames;
  // Shared with the checkpointer thread:
  std::atomic<bool> checkpoint_running_{false};
  std::atomic<int64_t> checkpoint_done_{-1};  // WalPosition that the last finished pass started at
  int64_t checkpoint_request_ = 0;            // guarded by checkpoint_mu_
  sqlite::Db checkpointer_db_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
  std::thread checkpointer_thread_;

  std::mutex close_mu_;
  bool closed_ = false;
};

}  // namespace mw::store
