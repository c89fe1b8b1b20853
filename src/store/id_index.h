// IdIndex: finds the prediction rows (by seq) that may hold a client id, without a random-key
// index in the ingest transaction.
//
// Why: prediction_logs is appended in seq (rowid) order, so each group commit dirties only the
// last pages of the table and of its two time-ordered indexes. A secondary index on the (random)
// id would dirty pages all over that index in every commit: measured on the target machine, it
// cuts the append rate from ~88k to ~17k rows/s at 1000 rows per commit.
//
// Design (a two-level, LSM-like structure):
//   * The id file (<db>-ids, a separate SQLite database in WAL mode) holds a table
//     id_index(id_hash, seq), a WITHOUT ROWID B-tree keyed by (id_hash, seq), and a watermark:
//     every prediction row with seq <= watermark is in it. Entries and watermark change in the
//     same transaction, so the file is always self-consistent.
//   * The tail: rows with seq > watermark live in memory (id_hash -> seq), added by the writer
//     right after each group commit (AddCommitted).
//   * An indexer thread moves the tail into the file in large batches sorted by id_hash (when the
//     tail holds batch_rows entries, every max_delay, on Flush and on Stop), then trims the tail
//     (deferred while a lookup session pins it, see BeginSession).
//     Large sorted batches touch each index page once per batch instead of once per commit, and
//     this work runs off the ingest path.
//   * Lookup returns the union of tail and file candidates. The hash is 64 bits, so collisions
//     are possible in principle: callers verify a candidate by reading the row's real id.
//   * A Bloom filter (store/detail/hash_filter.h) over the file's hashes lets Lookup skip the
//     file for almost every id that is not in it (the common case: a new prediction). The
//     indexer builds it when it starts (until then every lookup reads the file), adds each batch
//     after the batch's commit and before the tail is trimmed (so an entry is always in the tail
//     or in the filter), and rebuilds it twice as large from the file when the file outgrows it.
//   * The main database is the truth. At Open the id file is rebuilt from prediction_logs when it
//     is missing, unreadable, of another format version or paired with another database (the
//     file records the main database's uuid); entries beyond the main table's last seq (a main
//     database that lost its last commits with synchronous=NORMAL) are dropped; then the tail is
//     reloaded by scanning prediction_logs where seq > watermark (a rowid range scan).
//   * The id file uses synchronous=NORMAL: losing its last commits only lowers the watermark.
//
// Limits: the file is one B-tree, so when it outgrows the page cache each batch rewrites a large
// share of its pages (write amplification grows with size / batch_rows). Levelled runs with
// per-run Bloom filters (a real LSM) would bound that; not needed at the volumes we target.
//
// Thread-safety: AddCommitted is called by one writer thread; Lookup, Flush, tail_size and
// watermark from any thread (each thread uses its own Reader); Start/Stop from the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/background.h"
#include "common/status.h"
#include "sqlite/handle.h"
#include "store/detail/hash_filter.h"

namespace mw::store {

// The 64-bit hash of an id under which the id file stores it. Hand-written (FNV-1a with a
// splitmix64 finalizer) because it is persisted: std::hash is not stable across builds, and the
// packaged libraries offer no stable 64-bit string hash. Changing it requires bumping
// IdIndex::kFormatVersion, which makes Open rebuild the file.
uint64_t IdHash(std::string_view id);

struct IdEntry {
  uint64_t id_hash = 0;
  int64_t seq = 0;
};

struct IdIndexOptions {
  std::string path;          // the id file
  std::string main_db_uuid;  // store_meta 'uuid' of the main database
  size_t batch_rows = 50000;
  std::chrono::milliseconds max_delay{2000};
  uint64_t filter_min_capacity = uint64_t{1} << 20;  // entries; the filter is 10 bits per entry
  // Where a pass of the indexer thread that threw is reported (thread "store_id_index"); a batch
  // write that threw is retried later like one that failed. Null: stderr.
  BackgroundErrorReporter* errors = nullptr;
};

class IdIndex {
 public:
  static constexpr std::string_view kFormatVersion = "1";

  // A read-only connection to the id file, for one thread at a time.
  class Reader {
   public:
    Reader() = default;
    Reader(Reader&&) = default;
    Reader& operator=(Reader&&) = default;

   private:
    friend class IdIndex;
    sqlite::Db db_;
    sqlite::Stmt select_;
  };

  // Opens (validating, and rebuilding from `main` when needed) the id file and loads the tail.
  // `main` is a connection to the migrated main database, used only during the call.
  // kUnavailable when either database fails.
  static Result<std::unique_ptr<IdIndex>> Open(const IdIndexOptions& options,
                                               const sqlite::Db& main);
  ~IdIndex();  // Stop()
  IdIndex(const IdIndex&) = delete;
  IdIndex& operator=(const IdIndex&) = delete;

  // True when Open had to rebuild the file.
  bool rebuilt() const { return rebuilt_; }

  void Start();  // starts the indexer thread
  void Stop();   // indexes what is left in the tail (best effort) and joins; idempotent

  // Records rows that are committed in the main database; seqs increase across calls.
  void AddCommitted(std::span<const IdEntry> entries);

  // page_cache_kib: the reader's page cache.
  Result<Reader> OpenReader(int64_t page_cache_kib) const;

  // Appends to `seqs` (sorted, unique) every seq that may hold an id with this hash.
  Status Lookup(uint64_t id_hash, Reader& reader, std::vector<int64_t>* seqs) const;

  // A lookup session: many Lookups on one read snapshot of the file (no locking per lookup),
  // while the tail is pinned (the indexer defers trimming), so an entry is always in the tail or
  // in the snapshot. Keep sessions short: they also hold back the file's checkpoints.
  Status BeginSession(Reader& reader);
  void EndSession(Reader& reader);

  // Moves the whole current tail into the file and waits for it. Requires Start(). Returns the
  // indexer's error, or kUnavailable when stopped.
  Status Flush();

  int64_t watermark() const;
  size_t tail_size() const;
  int64_t file_entries() const;      // entries in the id file
  uint64_t filter_capacity() const;  // 0 until the indexer has built the filter

 private:
  explicit IdIndex(IdIndexOptions options) : options_(std::move(options)) {}

  Status OpenWriter();
  Status Validate(const sqlite::Db& main, bool* usable);
  Status Rebuild(const sqlite::Db& main);
  Status LoadTail(const sqlite::Db& main);
  Status WriteBatch(std::vector<IdEntry> batch, int64_t new_watermark);
  Status BuildFilter();  // indexer thread
  void IndexerLoop();
  void TrimLocked(int64_t up_to_seq);
  std::deque<IdEntry>::const_iterator FirstUnindexedLocked() const;
  size_t UnindexedLocked() const;

  const IdIndexOptions options_;
  bool rebuilt_ = false;
  sqlite::Db writer_;  // used only by Open and then by the indexer thread
  sqlite::Stmt insert_;
  sqlite::Stmt set_watermark_;

  mutable std::mutex mu_;
  std::condition_variable wake_;        // indexer: work or stop
  std::condition_variable progressed_;  // Flush waiters
  std::deque<IdEntry> order_;           // the tail in seq order
  std::unordered_multimap<uint64_t, int64_t> tail_;
  int64_t watermark_ = 0;
  int64_t file_entries_ = 0;
  // Replaced (under mu_) only by the indexer thread, which alone also adds to it.
  std::shared_ptr<detail::HashFilter> filter_;
  int64_t flush_target_ = 0;  // seq that a Flush waits for
  int pins_ = 0;              // open sessions; while > 0 the tail is not trimmed
  int64_t trim_to_ = 0;       // the tail up to this seq is in the file and may be trimmed
  Status last_error_;
  bool stop_ = false;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace mw::store
