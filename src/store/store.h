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
