// Store: the one storage interface. SQLite (embedded, default) implements it now; PostgreSQL comes
// in a later issue, so SQL and types stay portable (integers for times in epoch ms, TEXT JSON).
//
// Durability contract: a write callback reporting success means the data is committed to stable
// storage (fsync'd), and survives kill -9 and power loss. Writes from many callers are committed
// together by a single writer (group commit); readers never block it.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "ingest/event.h"
#include "registry/model.h"

namespace mw::store {

// Outcome of one prediction batch. The batch is atomic: either every event is stored (or found
// already stored with identical content), or nothing is.
struct PredictionBatchResult {
  std::vector<std::string> ids;  // every event's id, in request order
  int64_t inserted = 0;          // newly stored
  int64_t duplicates = 0;        // same id and same content already stored (idempotent retry)
  int64_t actuals_joined = 0;    // earlier-arriving actuals joined to these predictions
  // Per event, in request order: true when it was a duplicate (already stored, not re-counted).
  // Empty means no event was a duplicate.
  std::vector<bool> duplicate;
};

struct ActualBatchResult {
  std::vector<std::string> matched;    // joined to a stored prediction
  std::vector<std::string> unmatched;  // kept as pending; joined when the prediction arrives
};

struct PredictionQuery {
  std::optional<std::string> model;
  std::optional<std::string> segment;
  std::optional<std::string> version;
  std::optional<int64_t> from_ms;  // inclusive, on created_at
  std::optional<int64_t> to_ms;    // exclusive
  bool only_with_actual = false;
  int64_t after_seq = 0;  // only rows with seq > after_seq (incremental readers)
  int64_t limit = 100000;
};

struct ConnectionPoolStats {
  int64_t total = 0;
  int64_t active = 0;
  int64_t idle = 0;
};

struct StoreStats {
  std::map<std::string, int64_t> table_rows;  // prediction_logs, pending_actuals, models, ...
  int64_t size_bytes = 0;                     // database files on disk
  ConnectionPoolStats pool;
  int64_t write_queue_depth = 0;  // requests waiting for the group-commit writer
};

// A reference dataset (training rows) of one model version, stored as an opaque compressed profile
// (profile/profile.h). segment "" = the whole model.
struct ReferenceProfileRecord {
  std::string model, version, segment;
  std::string source;  // "upload" | "window"
  int64_t rows = 0;
  int64_t size_bytes = 0;  // of `profile`
  int64_t created_at_ms = 0;
  std::string profile;  // empty in listings
};

// One result of the quality evaluator (monitor/evaluator.h), kept as history.
struct EvaluationSnapshot {
  int64_t evaluated_at_ms = 0;
  std::string model, segment;
  std::string kind;  // "performance" | "drift" | "quality"
  std::string payload_json;
};

struct SnapshotQuery {
  std::string model;
  std::optional<std::string> segment;
  std::optional<std::string> kind;
  std::optional<int64_t> from_ms, to_ms;  // [from, to) on evaluated_at
  int64_t limit = 1000;                   // newest first
};

// ---- Maintenance records (maintenance/, docs/operations.md) ----

// One run of a maintenance task.
struct MaintenanceRun {
  int64_t id = 0;  // assigned by BeginMaintenanceRun
  std::string task;
  std::string trigger;  // "schedule" | "cli" | "api"
  bool dry_run = false;
  int64_t started_at_ms = 0;
  std::optional<int64_t> finished_at_ms;  // nullopt while running
  // "running" | "succeeded" | "failed" | "refused" (a precondition did not hold) | "abandoned"
  // (the process stopped during the run; set when the next run of the task begins)
  std::string status;
  int64_t items = 0;  // what the task counts: rows archived, files removed, models triggered
  int64_t bytes = 0;  // bytes written, reclaimed or removed
  std::string message;
};

struct MaintenanceRunQuery {
  std::optional<std::string> task;
  std::optional<std::string> status;
  int64_t limit = 100;        // newest first
  std::optional<int64_t> id;  // only this run
};

// One retraining request (check-drift-and-retrain, retrain-all) and its outcome.
struct RetrainRequest {
  int64_t id = 0;  // assigned by AppendRetrainRequest
  std::string model, segment, version;
  std::string reason;  // "performance drift: mae +35.2% (...)", "scheduled full retraining"
  std::string task;    // the task that asked: "check-drift-and-retrain" | "retrain-all"
  int64_t requested_at_ms = 0;
  std::optional<int64_t> finished_at_ms;  // nullopt while the command or webhook runs
  std::string status;                     // "running" | "succeeded" | "failed"
  std::string outcome;  // "exit 0", "exit 3: <last stderr line>", "HTTP 202", "timed out"
};

struct RetrainRequestQuery {
  std::optional<std::string> model;
  std::optional<std::string> segment;
  int64_t limit = 100;  // newest first
};

// The prediction rows of one model on one UTC day (archive-predictions' unit of work).
struct PredictionDay {
  std::string model;
  int64_t day_start_ms = 0;  // 00:00 UTC
  int64_t rows = 0;
};

struct VacuumResult {
  int64_t bytes_before = 0;  // database files on disk
  int64_t bytes_after = 0;
  bool incremental = false;  // incremental vacuum (true) or a full rebuild
};

// Observes storage timings, so the program can export modelwatch_store_query_duration_seconds
// (api/metrics/store_metrics.h) without the store depending on metrics. Called from store threads;
// implementations must be thread-safe.
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  // operation: "insert_predictions", "insert_actuals", "commit", "select", "registry", ...
  virtual void OnQuery(std::string_view operation, double seconds) = 0;
  // rows: events written in one group commit.
  virtual void OnGroupCommit(int64_t requests, int64_t rows, double seconds) = 0;
};

// Not found: every getter of one item (GetModel, GetPrediction, GetReferenceProfile) answers
// kNotFound when there is no such item, and only then; any other error is a failure of the store.
class Store {
 public:
  using PredictionsDone = std::function<void(Result<PredictionBatchResult>)>;
  using ActualsDone = std::function<void(Result<ActualBatchResult>)>;

  virtual ~Store() = default;

  // Appends a validated batch. `done` runs exactly once: on the writer thread after the batch is
  // durable (OK) or rejected, or — for rejections decided before queueing (queue full, store
  // closed) — on the calling thread before Append returns. Failures: kAlreadyExists when an id is
  // stored (or repeated in the batch) with different content — then nothing of the batch is
  // stored; kUnavailable when the database fails or the store is shutting down;
  // kResourceExhausted when the write queue is full.
  virtual void AppendPredictions(std::vector<ingest::PredictionEvent> events,
                                 PredictionsDone done) = 0;

  // Joins ground truth to stored predictions by id; ids with no prediction yet are kept in
  // pending_actuals and joined when the prediction arrives. A later actual for the same id
  // replaces the earlier one. Same completion contract as AppendPredictions.
  virtual void AppendActuals(std::vector<ingest::ActualEvent> actuals, ActualsDone done) = 0;

  // Registry. Upserts are synchronous and durable on return.
  virtual Status UpsertModel(const registry::ModelInfo& model) = 0;
  // Creates the model (task unknown) if missing. With is_latest, the version becomes the latest
  // of its (model, segment).
  virtual Status UpsertModelVersion(const registry::ModelVersionInfo& version) = 0;
  virtual Result<std::vector<registry::ModelInfo>> ListModels() const = 0;
  virtual Result<registry::ModelInfo> GetModel(const std::string& name) const = 0;
  virtual Result<std::vector<registry::ModelVersionInfo>> ListModelVersions(
      const std::string& model) const = 0;

  // Reads.
  virtual Result<ingest::PredictionRecord> GetPrediction(const std::string& id) const = 0;
  virtual Result<std::vector<ingest::PredictionRecord>> QueryPredictions(
      const PredictionQuery& q) const = 0;

  // Rows by seq (missing seqs are skipped), in seq order.
  virtual Result<std::vector<ingest::PredictionRecord>> GetPredictionsBySeq(
      std::span<const int64_t> seqs) const = 0;

  // Reference profiles. Put replaces the (model, version, segment) entry; synchronous and durable.
  virtual Status PutReferenceProfile(const ReferenceProfileRecord& record) = 0;
  virtual Result<ReferenceProfileRecord> GetReferenceProfile(const std::string& model,
                                                             const std::string& version,
                                                             const std::string& segment) const = 0;
  // Without the profile bytes; by version, then segment.
  virtual Result<std::vector<ReferenceProfileRecord>> ListReferenceProfiles(
      const std::string& model) const = 0;
  // Evaluation history. Append is synchronous and durable.
  virtual Status AppendSnapshots(const std::vector<EvaluationSnapshot>& snapshots) = 0;
  virtual Result<std::vector<EvaluationSnapshot>> QuerySnapshots(const SnapshotQuery& q) const = 0;

  // ---- Maintenance (maintenance/) ----
  // Runs. Begin inserts a "running" row and returns its id; before that it marks any earlier row
  // of the same task still "running" as "abandoned" (the process died during it). Finish
  // updates the row (status, finished_at, counts, message) by id. Synchronous and durable.
  virtual Result<int64_t> BeginMaintenanceRun(const MaintenanceRun& run) = 0;
  virtual Status FinishMaintenanceRun(const MaintenanceRun& run) = 0;
  virtual Result<std::vector<MaintenanceRun>> ListMaintenanceRuns(
      const MaintenanceRunQuery& q) const = 0;

  // Retraining requests. Append returns the id; Finish updates status, finished_at and outcome
  // by id; Last is the newest request of (model, segment) whatever its status (the cooldown),
  // kNotFound when there is none. Synchronous and durable.
  virtual Result<int64_t> AppendRetrainRequest(const RetrainRequest& request) = 0;
  virtual Status FinishRetrainRequest(const RetrainRequest& request) = 0;
  virtual Result<std::vector<RetrainRequest>> ListRetrainRequests(
      const RetrainRequestQuery& q) const = 0;
  virtual Result<RetrainRequest> LastRetrainRequest(const std::string& model,
                                                    const std::string& segment) const = 0;

  // Retention: deletes evaluation snapshots with evaluated_at < cutoff_ms (with dry_run, only
  // counts them). Returns the number of rows (to be) deleted.
  virtual Result<int64_t> DeleteSnapshotsBefore(int64_t cutoff_ms, bool dry_run) = 0;

  // Archiving. The (model, UTC day) groups of prediction rows created before cutoff_ms, whole
  // days only (a day is listed when it ends at or before cutoff_ms), by day then model.
  virtual Result<std::vector<PredictionDay>> ListPredictionDaysBefore(int64_t cutoff_ms) const = 0;
  // Deletes the given rows (as read with QueryPredictions), each only if it is still stored
  // unchanged (same seq, same actual): a row whose actual arrived after it was read stays and is
  // archived by a later run. Runs on the writer in chunks, so ingest goes on meanwhile. Returns
  // the number of rows deleted. Deleted ids are forgotten by the duplicate check.
  virtual Result<int64_t> DeleteArchivedPredictions(
      std::span<const ingest::PredictionRecord> rows) = 0;
  // Loads archived rows back verbatim (id, times, features, actual; a new seq). A row whose id is
  // stored already is skipped and counted in the second value. Durable on return.
  virtual Result<std::pair<int64_t, int64_t>> RestorePredictions(
      std::span<const ingest::PredictionRecord> rows) = 0;

  // VACUUM / ANALYZE: incremental where the database allows it, else a full rebuild.
  virtual Result<VacuumResult> Vacuum() = 0;
  // A consistent online copy of the whole database at `path` (a new file; fails if it exists),
  // fsynced. Ingest goes on meanwhile.
  virtual Status BackupTo(const std::string& path) const = 0;
  // Removes one version (and its reference profiles). kFailedPrecondition for the latest version
  // of its (model, segment); kNotFound when there is no such version.
  virtual Status DeleteModelVersion(const std::string& model, const std::string& segment,
                                    const std::string& version) = 0;

  // Health.
  virtual Status Ping() const = 0;  // a trivial query on a read connection
  // Whether writes succeed: kUnavailable with the failure (e.g. "database or disk is full") from
  // the moment a write to the database fails until a write succeeds again; OK otherwise. Meanwhile
  // the store makes a small write of its own now and then, so it notices the recovery even when
  // nobody writes (a store taken out of service by a failing readiness probe gets no traffic).
  virtual Status WriteHealth() const = 0;
  virtual Result<StoreStats> Stats() const = 0;

  // Stops accepting writes, finishes queued ones, closes. Idempotent.
  virtual void Close() = 0;
};

}  // namespace mw::store
