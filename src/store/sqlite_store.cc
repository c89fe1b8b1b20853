// SqliteStore: opening, queueing, closing, health. Writes: sqlite_store_write.cc; reads:
// sqlite_store_read.cc; registry writes: sqlite_store_registry.cc.
#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>
#include <vector>

#include "store/detail/writer_statements.h"
#include "store/schema.h"
#include "store/sql.h"

namespace mw::store {
namespace {

using sqlite::Db;
using sqlite::Stmt;

std::string NewUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[gen() & 0xf];
  return out;
}

Result<std::string> LoadOrCreateUuid(const sqlite::Db& db) {
  auto insert = sqlite::Stmt::Prepare(db, sql::kInsertMetaIfMissing, false);
  if (!insert) return insert.error();
  insert->BindText(1, "uuid");
  insert->BindText(2, NewUuid());
  if (Status s = insert->Run(); !s.ok()) return s;
  auto select = sqlite::Stmt::Prepare(db, sql::kSelectMeta, false);
  if (!select) return select.error();
  select->BindText(1, "uuid");
  auto row = select->Step();
  if (!row) return row.error();
  if (!*row) return Internal("store_meta has no uuid");
  return select->ColumnText(0);
}

}  // namespace

Result<std::unique_ptr<SqliteStore::WriterStatements>> SqliteStore::WriterStatements::Prepare(
    const sqlite::Db& db) {
  auto out = std::make_unique<WriterStatements>();
  const std::pair<sqlite::Stmt*, std::string_view> all[] = {
      {&out->insert_prediction, sql::kInsertPrediction},
      {&out->insert_inbox, sql::kInsertInbox},
      {&out->move_inbox, sql::kMoveInbox},
      {&out->empty_inbox, sql::kEmptyInbox},
      {&out->select_id_and_hash, sql::kSelectIdAndHashBySeq},
      {&out->select_id_and_hash_inbox, sql::kSelectIdAndHashBySeqInbox},
      {&out->update_actual, sql::kUpdateActual},
      {&out->update_actual_inbox, sql::kUpdateActualInbox},
      {&out->upsert_pending, sql::kUpsertPending},
      {&out->select_pending, sql::kSelectPending},
      {&out->delete_pending, sql::kDeletePending},
      {&out->pending_hash_exists, sql::kPendingHashExists},
      {&out->insert_unknown_model, sql::kInsertUnknownModel},
  };
  for (const auto& [stmt, text] : all) {
    auto prepared = sqlite::Stmt::Prepare(db, text);
    if (!prepared) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return out;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  auto store = SqliteStore::Open(options);
  if (!store) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

SqliteStore::SqliteStore(const SqliteStoreOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : &system_clock_),
      ids_path_(options.path + "-ids") {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) return InvalidArgument("store path is empty");
  if (options.read_connections < 1) return InvalidArgument("read_connections must be >= 1");
  if (options.max_queue_requests < 1) return InvalidArgument("max_queue_requests must be >= 1");
  if (options.max_rows_per_commit < 1) return InvalidArgument("max_rows_per_commit must be >= 1");
  if (options.id_index_batch_rows < 1) return InvalidArgument("id_index_batch_rows must be >= 1");
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  if (Status s = store->OpenAll(); !s.ok()) return s;
  return store;
}

namespace {

// Moves every row of prediction_inbox into prediction_logs in one transaction (Open, before any
// thread starts).
Status MoveLeftoverInbox(sqlite::Db& db) {
  auto inbox = db.QueryInt(std::string(sql::kCountInbox));
  if (!inbox) return inbox.error();
  if (inbox->value_or(0) == 0) return Status::Ok();
  sqlite::Txn txn(db);
  Status s = txn.Begin();
  if (s.ok()) s = db.Exec(sql::kMoveInbox);
  if (s.ok()) s = db.Exec(sql::kEmptyInbox);
  if (s.ok()) s = txn.Commit();
  return s;
}

}  // namespace

Status SqliteStore::OpenAll() {
  auto db = sqlite::Db::Open(options_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  writer_ = std::move(*db);
  // Incremental auto-vacuum lets the vacuum task free pages in short steps (see
  // sqlite_store_housekeeping.cc). It takes effect only on a database without tables, i.e. one
  // created now, and only before the switch to WAL; on an existing one it is a no-op.
  if (Status av = writer_.Exec("PRAGMA auto_vacuum=INCREMENTAL"); !av.ok()) return av;
  {
    auto mode = sqlite::Stmt::Prepare(writer_, "PRAGMA journal_mode=WAL", false);
    if (!mode) return mode.error();
    auto row = mode->Step();
    if (!row) return row.error();
    if (!*row || mode->ColumnTextView(0) != "wal") {
      return Unavailable("cannot put " + options_.path + " in WAL mode");
    }
  }
  // The writer's page cache is large: the tails of the table and its indexes stay in memory.
  Status s = writer_.Exec(std::string("PRAGMA synchronous=") +
                          (options_.synchronous_full ? "FULL" : "NORMAL") +
                          "; PRAGMA busy_timeout=10000; PRAGMA cache_size=-262144;"
                          " PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864;");
  if (!s.ok()) return s;
  auto applied =
      schema::ApplyMigrations(writer_, schema::Migrations(), schema::kSqlite, clock_->NowMillis());
  if (!applied) return applied.error();
  auto uuid = LoadOrCreateUuid(writer_);
  if (!uuid) return uuid.error();
  // What a crash left in the inbox goes to prediction_logs first: the id index (which rebuilds
  // and reloads from prediction_logs) and LoadCaches then see every row there.
  if (s = MoveLeftoverInbox(writer_); !s.ok()) return s;
  if (s = LoadCaches(); !s.ok()) return s;

  IdIndexOptions id_options{ids_path_, *uuid, options_.id_index_batch_rows};
  id_options.errors = options_.errors;
  auto ids = IdIndex::Open(id_options, writer_);
  if (!ids) return ids.error();
  ids_ = std::move(*ids);
  auto reader = ids_->OpenReader(/*page_cache_kib=*/65536);
  if (!reader) return reader.error();
  writer_ids_ = std::move(*reader);
  auto stmts = WriterStatements::Prepare(writer_);
  if (!stmts) return stmts.error();
  stmts_ = std::move(*stmts);

  auto pool = ReadPool::Open(options_.path, options_.read_connections, *ids_);
  if (!pool) return pool.error();
  pool_ = std::move(*pool);
  auto checkpointer = sqlite::Db::Open(options_.path, SQLITE_OPEN_READWRITE);
  if (!checkpointer) return checkpointer.error();
  checkpointer_db_ = std::move(*checkpointer);
  // A connection learns that the database is in WAL mode on its first read; until then a
  // checkpoint through it silently does nothing.
  if (s = checkpointer_db_.Exec("PRAGMA busy_timeout=10000; SELECT count(*) FROM sqlite_master");
      !s.ok()) {
    return s;
  }

  if (options_.preallocate_wal) PreallocateWal();
  if (options_.synchronous_full) {
    if (s = OpenWalForSync(); !s.ok()) return s;
  }

  // Replaces SQLite's auto-checkpoint on the writer: commits never checkpoint inline.
  sqlite3_wal_hook(writer_.get(), &SqliteStore::OnWalCommit, this);
  ids_->Start();
  checkpointer_thread_ = std::thread([this] { CheckpointerLoop(); });
  mover_thread_ = std::thread([this] { MoverLoop(); });
  writer_thread_ = std::thread([this] { WriterLoop(); });
  writer_thread_id_ = writer_thread_.get_id();
  return Status::Ok();
}

Result<std::string> SqliteStore::WalPath() const {
  const char* wal = sqlite3_filename_wal(sqlite3_db_filename(writer_.get(), "main"));
  if (wal == nullptr || *wal == '\0') return Unavailable("the database has no WAL file");
  return std::string(wal);
}

// See wal_fd_ in the header.
Status SqliteStore::OpenWalForSync() {
  auto path = WalPath();
  if (!path) return path.error();
  const std::string& wal = *path;
  // The WAL exists: the writer has read the database in WAL mode (SQLite creates it then).
  wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (wal_fd_ < 0) {
    return Unavailable("cannot open " + wal + " to sync it: " + std::strerror(errno));
  }
  // SQLite's own first sync of a WAL it created also syncs the directory, so that the file's
  // name survives power loss; this store makes that sync now.
  const std::string dir = std::filesystem::path(wal).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Unavailable("cannot open " + dir + ": " + std::strerror(errno));
  const int synced = ::fsync(dir_fd);
  const int sync_errno = errno;
  ::close(dir_fd);
  if (synced != 0) return Unavailable("cannot sync " + dir + ": " + std::strerror(sync_errno));
  return writer_.Exec("PRAGMA synchronous=NORMAL");
}

// Why: until a WAL restarts (kWriterCheckpointFrames), every commit appends to the WAL file, and
// on ext4 an fdatasync of a file whose size changed must also write its inode (perf showed
// ext4_write_inode under the writer's fdatasync): a second synchronous write before the cache
// flush. Close truncates the WAL, so each start would run its first ~32 MiB of commits that way;
// side by side, the group commits' p99 fell from ~4.1 ms to 2.5-3.5 ms with the WAL preallocated
// (docs/benchmarks.md). Zeros past the last frame are what SQLite itself leaves after a restart
// (stale frames): recovery stops at the first frame whose header does not match, and a zero
// header never does. Only bytes past the current end are written, so frames a crash left behind
// are untouched, and no other thread runs yet.
//
// It is only a latency optimisation, so it never stops the store from opening: when the disk
// lacks the room (the bytes to write plus preallocate_min_free_bytes), or a write or the sync
// fails, the store warns and runs without it, and the file is cut back to its old length, so a
// failed attempt leaves no partial preallocation behind to fill the disk.
void SqliteStore::PreallocateWal() {
  auto warn = [this](const std::string& message) {
    if (options_.warn) options_.warn("WAL not preallocated: " + message);
  };
  auto page_size = writer_.QueryInt("PRAGMA page_size");
  if (!page_size) return warn(page_size.error().message());
  constexpr int64_t kWalHeaderBytes = 32;
  constexpr int64_t kFrameHeaderBytes = 24;
  const int64_t frames = kWriterCheckpointFrames + 2 * kBackgroundCheckpointFrames;
  const int64_t target = kWalHeaderBytes + frames * (page_size->value_or(4096) + kFrameHeaderBytes);
  auto path = WalPath();
  if (!path) return warn(path.error().message());
  const std::string& wal = *path;
  const int fd = ::open(wal.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;  // SQLite creates it at the first write
    return warn("cannot open " + wal + ": " + std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return warn("cannot stat " + wal + ": " + std::strerror(errno));
  if (st.st_size >= target) return;
  const int64_t missing = target - st.st_size;
  struct statvfs fs {};
  if (::fstatvfs(fd, &fs) == 0) {
    const int64_t free_bytes =
        static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    if (free_bytes - missing < options_.preallocate_min_free_bytes) {
      return warn("it needs " + std::to_string(missing) + " bytes and would leave " +
                  std::to_string(std::max<int64_t>(free_bytes - missing, 0)) +
                  " bytes free on the disk of " + wal + ", under the " +
                  std::to_string(options_.preallocate_min_free_bytes) + " to keep free");
    }
  }
  std::string failure;
  const std::vector<char> zeros(1 << 20, 0);
  for (int64_t at = st.st_size; at < target && failure.empty();) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(target - at, zeros.size()));
    const ssize_t written = ::pwrite(fd, zeros.data(), n, at);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      failure = "cannot extend " + wal + ": " + std::strerror(written < 0 ? errno : ENOSPC);
    } else {
      at += written;
    }
  }
  if (failure.empty() && ::fdatasync(fd) != 0) {
    failure = "cannot sync " + wal + ": " + std::strerror(errno);
  }
  if (failure.empty()) return;
  // Back to the length it had: the zeros written so far would only hold the disk's space.
  if (::ftruncate(fd, st.st_size) != 0) {
    failure += "; and cannot cut it back to " + std::to_string(st.st_size) +
               " bytes: " + std::strerror(errno);
  }
  warn(failure);
}

Status SqliteStore::LoadCaches() {
  auto max_seq = writer_.QueryInt(std::string(sql::kMaxSeq));
  if (!max_seq) return max_seq.error();
  next_seq_ = max_seq->value_or(0) + 1;
  inbox_first_seq_ = next_seq_;  // the inbox is empty (OpenAll)
  inbox_moved_at_ = std::chrono::steady_clock::now();
  auto count = writer_.QueryInt(std::string(sql::kCountPredictions));
  if (!count) return count.error();
  prediction_rows_ = count->value_or(0);

  auto latest = sqlite::Stmt::Prepare(writer_, sql::kSelectAllLatest, false);
  if (!latest) return latest.error();
  while (true) {
    auto row = latest->Step();
    if (!row) return row.error();
    if (!*row) break;
    latest_[latest->ColumnText(0)][latest->ColumnText(1)] = latest->ColumnText(2);
  }
  auto names = sqlite::Stmt::Prepare(writer_, sql::kSelectModelNames, false);
  if (!names) return names.error();
  while (true) {
    auto row = names->Step();
    if (!row) return row.error();
    if (!*row) break;
    known_models_.insert(names->ColumnText(0));
  }
  auto pending = sqlite::Stmt::Prepare(writer_, sql::kSelectPendingHashes, false);
  if (!pending) return pending.error();
  while (true) {
    auto row = pending->Step();
    if (!row) return row.error();
    if (!*row) break;
    pending_filter_.insert(std::bit_cast<uint64_t>(pending->ColumnInt(0)));
  }
  return Status::Ok();
}

SqliteStore::~SqliteStore() { Close(); }

void SqliteStore::Close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard lock(queue_mu_);
    closing_ = true;
  }
  queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();  // drains the queue first
  {
    std::lock_guard lock(mover_mu_);
    mover_stop_ = true;  // the writer waited for its last move
  }
  mover_cv_.notify_all();
  if (mover_thread_.joinable()) mover_thread_.join();
  if (ids_) ids_->Stop();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_thread_.joinable()) checkpointer_thread_.join();
  if (pool_) pool_->Close();
  checkpointer_db_.Close();
  stmts_.reset();
  writer_ids_ = IdIndex::Reader();
  if (writer_.valid()) {
    sqlite3_wal_hook(writer_.get(), nullptr, nullptr);
    // Leaves a short WAL behind; a failure here loses nothing (the WAL is replayed at open).
    (void)writer_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    writer_.Close();
  }
  if (wal_fd_ >= 0) ::close(wal_fd_);
  wal_fd_ = -1;
}

Status SqliteStore::Enqueue(WriteRequest& request, bool bounded) {
  if (Status s = WriterFailure(); !s.ok()) return s;
  {
    std::lock_guard lock(queue_mu_);
    if (closing_) return Unavailable("store is closed");
    if (bounded && queue_.size() >= options_.max_queue_requests) {
      return ResourceExhausted("write queue is full (" + std::to_string(queue_.size()) +
                               " requests)");
    }
    queue_.push_back(std::move(request));
  }
  queue_cv_.notify_one();
  return Status::Ok();
}

void SqliteStore::AppendPredictions(std::vector<ingest::PredictionEvent> events,
                                    PredictionsDone done) {
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].id.empty() || events[i].model.empty()) {
      done(InvalidArgument("event " + std::to_string(i) + " has an empty id or model"));
      return;
    }
  }
  WriteRequest request;
  request.kind = WriteRequest::Kind::kPredictions;
  request.received_at_ms = clock_->NowMillis();
  request.events = std::move(events);
  request.predictions_done = std::move(done);
  if (Status s = Enqueue(request, /*bounded=*/true); !s.ok()) request.predictions_done(s);
}

void SqliteStore::AppendActuals(std::vector<ingest::ActualEvent> actuals, ActualsDone done) {
  for (size_t i = 0; i < actuals.size(); ++i) {
    if (actuals[i].id.empty()) {
      done(InvalidArgument("actual " + std::to_string(i) + " has an empty id"));
      return;
    }
  }
  WriteRequest request;
  request.kind = WriteRequest::Kind::kActuals;
  request.received_at_ms = clock_->NowMillis();
  request.actuals = std::move(actuals);
  request.actuals_done = std::move(done);
  if (Status s = Enqueue(request, /*bounded=*/true); !s.ok()) request.actuals_done(s);
}

Status SqliteStore::RunRegistryOp(std::function<Status()> op, bool sync) {
  // From a completion callback the writer is between groups: run the operation right here
  // (waiting for the queue would deadlock).
  // A move may be running on the writer's connection (StartMove): let it finish first.
  if (std::this_thread::get_id() == writer_thread_id_) {
    WaitMove();
    Status s = WalSyncFailure();
    if (s.ok()) s = op();
    if (s.ok() && sync) s = SyncWal();
    NoteWrite(s);
    return s;
  }
  WriteRequest request;
  request.kind = WriteRequest::Kind::kRegistry;
  request.registry_op = std::move(op);
  request.registry_sync = sync;
  std::future<Status> done = request.registry_done.get_future();
  // Registry writes are rare and synchronous: not bounded by max_queue_requests.
  if (Status s = Enqueue(request, /*bounded=*/false); !s.ok()) return s;
  return done.get();
}

Status SqliteStore::UpsertModel(const registry::ModelInfo& model) {
  if (model.name.empty()) return InvalidArgument("model name is empty");
  return RunRegistryOp([this, &model] { return DoUpsertModel(model); });
}

Status SqliteStore::UpsertModelVersion(const registry::ModelVersionInfo& version) {
  if (version.model.empty()) return InvalidArgument("model name is empty");
  if (version.version.empty()) return InvalidArgument("version is empty");
  return RunRegistryOp([this, &version] { return DoUpsertModelVersion(version); });
}

Status SqliteStore::FlushIdIndex() { return ids_->Flush(); }

void SqliteStore::Observe(std::string_view operation, double seconds) const {
  if (options_.observer != nullptr) options_.observer->OnQuery(operation, seconds);
}

int SqliteStore::OnWalCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  auto* store = static_cast<SqliteStore*>(self);
  // Runs on the writer thread, inside COMMIT.
  if (frames < store->wal_frames_) {  // the WAL restarted
    ++store->wal_cycle_;
    store->next_background_checkpoint_ = 0;
    store->next_writer_checkpoint_ = kWriterCheckpointFrames;
  }
  store->wal_frames_ = frames;
  if (frames >= store->next_background_checkpoint_ + kBackgroundCheckpointFrames) {
    store->next_background_checkpoint_ = frames;
    {
      std::lock_guard lock(store->checkpoint_mu_);
      store->checkpoint_wanted_ = true;
      store->checkpoint_request_ = WalPosition(store->wal_cycle_, frames);
    }
    store->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::CheckpointerLoop() {
  std::unique_lock lock(checkpoint_mu_);
  while (true) {
    checkpoint_cv_.wait(lock, [&] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    const int64_t request = checkpoint_request_;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    // PASSIVE never waits for the writer or readers; frames it cannot copy yet wait for the
    // next round. Failures (e.g. SQLITE_BUSY) are harmless: the WAL just stays longer.
    checkpoint_running_ = true;
    (void)sqlite3_wal_checkpoint_v2(checkpointer_db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                    nullptr, nullptr);
    checkpoint_running_ = false;
    checkpoint_done_ = request;
    RunBackgroundPass(options_.errors, "store_checkpointer", [&] {
      Observe("checkpoint",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    });
    lock.lock();
  }
}

// A passive checkpoint on another connection cannot catch up with a writer that keeps
// appending, and SQLite restarts the WAL from its beginning only when a write transaction starts
// with every frame copied back. So once the WAL is long and a checkpointer pass that started
// past that length has finished, the writer, between groups, copies the few frames committed
// during that pass itself; its next commit then restarts the WAL. Should the checkpointer fall
// far behind, the writer does the whole job. Failures are harmless: the WAL only stays longer.
void SqliteStore::FinishCheckpoint() {
  if (wal_frames_ < next_writer_checkpoint_) return;
  const bool overdue = wal_frames_ >= 4 * kWriterCheckpointFrames;
  const bool pass_done = checkpoint_done_ >= WalPosition(wal_cycle_, next_writer_checkpoint_);
  if (!overdue && (!pass_done || checkpoint_running_)) return;
  const auto start = std::chrono::steady_clock::now();
  (void)sqlite3_wal_checkpoint_v2(writer_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
  // Normally the next commit restarts the WAL; if it cannot (a reader still uses old frames),
  // try again after more frames rather than after every group.
  next_writer_checkpoint_ = wal_frames_ + kBackgroundCheckpointFrames;
  Observe("checkpoint_finish",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

Status SqliteStore::Ping() const {
  if (Status s = WalSyncFailure(); !s.ok()) return s;
  if (Status s = WriterFailure(); !s.ok()) return s;
  auto stmt = pool_->Prepare("SELECT 1");
  if (!stmt) return stmt.error();
  return (*stmt)->Step().status();
}

Result<StoreStats> SqliteStore::Stats() const {
  StoreStats stats;
  stats.pool = pool_->Stats();
  {
    std::lock_guard lock(queue_mu_);
    stats.write_queue_depth = static_cast<int64_t>(queue_.size());
  }
  auto lease = pool_->Acquire();
  if (!lease) return lease.error();
  // Table names from a fixed list (identifiers cannot be bound).
  for (const char* table : {"pending_actuals", "models", "model_versions", "reference_profiles",
                            "evaluation_snapshots"}) {
    auto stmt = (*lease)->Prepare(std::string("SELECT count(*) FROM ") + table);
    if (!stmt) return stmt.error();
    sqlite::StmtResetter reset(**stmt);
    auto row = (*stmt)->Step();
    if (!row) return row.error();
    stats.table_rows[table] = (*stmt)->ColumnInt(0);
  }
  stats.table_rows["prediction_logs"] = prediction_rows_.load();
  stats.table_rows["id_index"] = ids_->file_entries();
  stats.table_rows["id_index_tail"] = static_cast<int64_t>(ids_->tail_size());
  for (const std::string& base : {options_.path, ids_path_}) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(base + suffix, ec);
      if (!ec) stats.size_bytes += static_cast<int64_t>(size);
    }
  }
  return stats;
}

}  // namespace mw::store
