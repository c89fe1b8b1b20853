#include "store/id_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "common/hash.h"

namespace mw::store {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Txn;

constexpr size_t kRebuildChunk = 1 << 22;  // entries sorted in memory at once while rebuilding

int64_t ToSql(uint64_t hash) { return std::bit_cast<int64_t>(hash); }

Status ConfigureWriter(const sqlite::Db& db) {
  return db.Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
      "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
}

Status CreateSchema(const sqlite::Db& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS id_index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS id_index ("
      " id_hash INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id_hash, seq))"
      " WITHOUT ROWID;");
}

Status SetMeta(const sqlite::Db& db, std::string_view key, std::string_view value) {
  auto stmt = sqlite::Stmt::Prepare(db,
                                    "INSERT INTO id_index_meta (key, value) VALUES (?, ?)"
                                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                    false);
  if (!stmt) return stmt.error();
  stmt->BindText(1, key);
  stmt->BindText(2, value);
  return stmt->Run();
}

// Reads a meta value; nullopt when absent.
Result<std::optional<std::string>> GetMeta(const sqlite::Db& db, std::string_view key) {
  auto stmt = sqlite::Stmt::Prepare(db, "SELECT value FROM id_index_meta WHERE key = ?", false);
  if (!stmt) return stmt.error();
  stmt->BindText(1, key);
  auto row = stmt->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

std::optional<int64_t> ParseInt(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// fsync of a file or directory; the id file is derived data, but a renamed-in file whose pages
// never reached the disk would look valid and miss entries after a power loss.
Status SyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDWR);
  if (fd < 0) return Unavailable("open " + path + " for fsync failed");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Unavailable("fsync " + path + " failed");
  return Status::Ok();
}

void RemoveDbFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
  }
}

}  // namespace

uint64_t IdHash(std::string_view id) {
  // The finaliser spreads FNV's weak high bits over the whole word.
  return SplitMix64Finalize(Fnv1a64(id));
}

Result<std::unique_ptr<IdIndex>> IdIndex::Open(const IdIndexOptions& options,
                                               const sqlite::Db& main) {
  std::unique_ptr<IdIndex> index(new IdIndex(options));
  index->tail_.reserve(std::min<size_t>(options.batch_rows, 1 << 20));
  bool usable = false;
  if (std::filesystem::exists(options.path)) {
    Status s = index->Validate(main, &usable);
    if (!s.ok()) return s;
  }
  if (!usable) {
    Status s = index->Rebuild(main);
    if (!s.ok()) return s;
    index->rebuilt_ = true;
  }
  if (Status s = index->OpenWriter(); !s.ok()) return s;
  if (Status s = index->LoadTail(main); !s.ok()) return s;
  return index;
}

// Opens the id file for writing and prepares the indexer's statements; reads the watermark.
Status IdIndex::OpenWriter() {
  auto db = sqlite::Db::Open(options_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  writer_ = std::move(*db);
  if (Status s = ConfigureWriter(writer_); !s.ok()) return s;
  if (Status s = CreateSchema(writer_); !s.ok()) return s;
  auto watermark = GetMeta(writer_, "watermark");
  if (!watermark) return watermark.error();
  auto entries = GetMeta(writer_, "entries");
  if (!entries) return entries.error();
  watermark_ = ParseInt(*watermark).value_or(0);
  file_entries_ = ParseInt(*entries).value_or(0);
  auto insert =
      sqlite::Stmt::Prepare(writer_, "INSERT OR IGNORE INTO id_index (id_hash, seq) VALUES (?, ?)");
  if (!insert) return insert.error();
  insert_ = std::move(*insert);
  auto set = sqlite::Stmt::Prepare(writer_,
                                   "INSERT INTO id_index_meta (key, value) VALUES (?, ?)"
                                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!set) return set.error();
  set_watermark_ = std::move(*set);
  return Status::Ok();
}

// Decides whether the existing file can be used. Damage or a mismatch yields usable=false (and
// OK); only a failure of the main database is an error.
Status IdIndex::Validate(const sqlite::Db& main, bool* usable) {
  *usable = false;
  auto db = sqlite::Db::Open(options_.path, SQLITE_OPEN_READWRITE);
  if (!db) return Status::Ok();
  if (!ConfigureWriter(*db).ok()) return Status::Ok();
  auto format = GetMeta(*db, "format_version");
  auto uuid = GetMeta(*db, "main_db_uuid");
  auto watermark = GetMeta(*db, "watermark");
  if (!format || !uuid || !watermark || !format->has_value() || !uuid->has_value() ||
      !watermark->has_value()) {
    return Status::Ok();
  }
  if (**format != kFormatVersion || **uuid != options_.main_db_uuid) return Status::Ok();
  const std::optional<int64_t> stored_watermark = ParseInt(*watermark);
  if (!stored_watermark) return Status::Ok();
  // Cheap structural check of the index B-tree's first pages.
  if (!db->QueryInt("SELECT count(*) FROM (SELECT 1 FROM id_index LIMIT 1000)")) {
    return Status::Ok();
  }
  auto max_seq = main.QueryInt("SELECT max(seq) FROM prediction_logs");
  if (!max_seq) return max_seq.error();
  const int64_t last = max_seq->value_or(0);
  if (*stored_watermark > last) {
    // The main database lost commits the id file had indexed: drop entries past its end.
    sqlite::Txn txn(*db);
    if (!txn.Begin().ok()) return Status::Ok();
    auto del = sqlite::Stmt::Prepare(*db, "DELETE FROM id_index WHERE seq > ?", false);
    if (!del) return Status::Ok();
    del->BindInt(1, last);
    if (!del->Run().ok()) return Status::Ok();
    auto count = db->QueryInt("SELECT count(*) FROM id_index");
    if (!count || !SetMeta(*db, "entries", std::to_string(count->value_or(0))).ok() ||
        !SetMeta(*db, "watermark", std::to_string(last)).ok() || !txn.Commit().ok()) {
      return Status::Ok();
    }
  }
  *usable = true;
  return Status::Ok();
}

// Builds a fresh id file from prediction_logs into a temporary file, then renames it into place.
Status IdIndex::Rebuild(const sqlite::Db& main) {
  const std::string tmp = options_.path + ".rebuild";
  RemoveDbFiles(tmp);
  int64_t entries = 0;
  int64_t watermark = 0;
  {
    auto db = sqlite::Db::Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!db) return db.error();
    if (Status s = db->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                            "PRAGMA cache_size=-131072;");
        !s.ok()) {
      return s;
    }
    if (Status s = CreateSchema(*db); !s.ok()) return s;
    auto insert =
        sqlite::Stmt::Prepare(*db, "INSERT OR IGNORE INTO id_index (id_hash, seq) VALUES (?, ?)");
    if (!insert) return insert.error();
    // One read transaction on main, so the scan and the watermark agree.
    sqlite::Txn read(main);
    if (Status s = read.Begin(/*immediate=*/false); !s.ok()) return s;
    auto scan =
        sqlite::Stmt::Prepare(main, "SELECT seq, id FROM prediction_logs ORDER BY seq", false);
    if (!scan) return scan.error();
    std::vector<IdEntry> chunk;
    chunk.reserve(std::min<size_t>(kRebuildChunk, 1 << 16));
    auto flush_chunk = [&]() -> Status {
      std::sort(chunk.begin(), chunk.end(),
                [](const IdEntry& a, const IdEntry& b) { return a.id_hash < b.id_hash; });
      sqlite::Txn txn(*db);
      if (Status s = txn.Begin(); !s.ok()) return s;
      for (const IdEntry& e : chunk) {
        insert->BindInt(1, ToSql(e.id_hash));
        insert->BindInt(2, e.seq);
        if (Status s = insert->Run(); !s.ok()) return s;
      }
      entries += static_cast<int64_t>(chunk.size());
      chunk.clear();
      return txn.Commit();
    };
    while (true) {
      auto row = scan->Step();
      if (!row) return row.error();
      if (!*row) break;
      watermark = scan->ColumnInt(0);
      chunk.push_back({IdHash(scan->ColumnTextView(1)), watermark});
      if (chunk.size() >= kRebuildChunk) {
        if (Status s = flush_chunk(); !s.ok()) return s;
      }
    }
    if (Status s = flush_chunk(); !s.ok()) return s;
    sqlite::Txn txn(*db);
    if (Status s = txn.Begin(); !s.ok()) return s;
    for (auto [key, value] :
         {std::pair<std::string_view, std::string>{"format_version", std::string(kFormatVersion)},
          {"main_db_uuid", options_.main_db_uuid},
          {"watermark", std::to_string(watermark)},
          {"entries", std::to_string(entries)}}) {
      if (Status s = SetMeta(*db, key, value); !s.ok()) return s;
    }
    if (Status s = txn.Commit(); !s.ok()) return s;
  }
  // The temporary file is complete and closed (journal off: no side files). Make it durable,
  // then replace the old file and its WAL.
  if (Status s = SyncPath(tmp, false); !s.ok()) return s;
  RemoveDbFiles(options_.path);
  std::error_code ec;
  std::filesystem::rename(tmp, options_.path, ec);
  if (ec) return Unavailable("rename " + tmp + ": " + ec.message());
  const std::filesystem::path dir = std::filesystem::absolute(options_.path).parent_path();
  return SyncPath(dir.string(), true);
}

Status IdIndex::LoadTail(const sqlite::Db& main) {
  auto scan = sqlite::Stmt::Prepare(
      main, "SELECT seq, id FROM prediction_logs WHERE seq > ? ORDER BY seq", false);
  if (!scan) return scan.error();
  scan->BindInt(1, watermark_);
  std::vector<IdEntry> entries;
  while (true) {
    auto row = scan->Step();
    if (!row) return row.error();
    if (!*row) break;
    entries.push_back({IdHash(scan->ColumnTextView(1)), scan->ColumnInt(0)});
  }
  AddCommitted(entries);
  return Status::Ok();
}

IdIndex::~IdIndex() { Stop(); }

void IdIndex::Start() {
  std::lock_guard lock(mu_);
  if (running_ || stop_) return;
  running_ = true;
  thread_ = std::thread([this] { IndexerLoop(); });
}

void IdIndex::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  progressed_.notify_all();
}

void IdIndex::AddCommitted(std::span<const IdEntry> entries) {
  if (entries.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    for (const IdEntry& e : entries) {
      order_.push_back(e);
      tail_.emplace(e.id_hash, e.seq);
    }
    wake = UnindexedLocked() >= options_.batch_rows;
  }
  if (wake) wake_.notify_one();
}

Result<IdIndex::Reader> IdIndex::OpenReader(int64_t page_cache_kib) const {
  Reader reader;
  auto db = sqlite::Db::Open(options_.path, SQLITE_OPEN_READONLY);
  if (!db) return db.error();
  reader.db_ = std::move(*db);
  Status s = reader.db_.Exec("PRAGMA busy_timeout=10000; PRAGMA cache_size=-" +
                             std::to_string(page_cache_kib) + "; PRAGMA mmap_size=268435456;");
  if (!s.ok()) return s;
  auto select = sqlite::Stmt::Prepare(reader.db_, "SELECT seq FROM id_index WHERE id_hash = ?");
  if (!select) return select.error();
  reader.select_ = std::move(*select);
  return reader;
}

Status IdIndex::Lookup(uint64_t id_hash, Reader& reader, std::vector<int64_t>* seqs) const {
  const size_t first = seqs->size();
  std::shared_ptr<const detail::HashFilter> filter;
  {
    std::lock_guard lock(mu_);
    auto [begin, end] = tail_.equal_range(id_hash);
    for (auto it = begin; it != end; ++it) seqs->push_back(it->second);
    filter = filter_;
  }
  // An entry trimmed from the tail before the lock above was added to the filter before its
  // trim, so a "no" from the filter means the file has no entry for this hash either.
  if (filter == nullptr || filter->MayContain(id_hash)) {
    // After the tail: an entry trimmed meanwhile was committed to the file before the trim, and
    // this statement starts a new read snapshot, so it sees it.
    sqlite::StmtResetter reset(reader.select_);
    reader.select_.BindInt(1, ToSql(id_hash));
    while (true) {
      auto row = reader.select_.Step();
      if (!row) return row.error();
      if (!*row) break;
      seqs->push_back(reader.select_.ColumnInt(0));
    }
  }
  if (seqs->size() - first > 1) {
    std::sort(seqs->begin() + static_cast<std::ptrdiff_t>(first), seqs->end());
    seqs->erase(std::unique(seqs->begin() + static_cast<std::ptrdiff_t>(first), seqs->end()),
                seqs->end());
  }
  return Status::Ok();
}

Status IdIndex::BeginSession(Reader& reader) {
  {
    std::lock_guard lock(mu_);
    ++pins_;
  }
  // The snapshot starts at the first read, after the pin: every entry trimmed from now on stays
  // visible in the tail until EndSession, and every entry trimmed before is in the snapshot.
  Status s = reader.db_.Exec("BEGIN");
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    --pins_;
  }
  return s;
}

void IdIndex::EndSession(Reader& reader) {
  // A read-only transaction: COMMIT only ends the snapshot and cannot lose anything.
  (void)reader.db_.Exec("COMMIT");
  std::lock_guard lock(mu_);
  if (--pins_ == 0) TrimLocked(trim_to_);
}

Status IdIndex::Flush() {
  std::unique_lock lock(mu_);
  if (!running_ || stop_) return Unavailable("id index is not running");
  if (order_.empty()) return Status::Ok();
  const int64_t target = order_.back().seq;
  if (target <= watermark_) return Status::Ok();
  flush_target_ = std::max(flush_target_, target);
  last_error_ = Status::Ok();
  wake_.notify_one();
  progressed_.wait(lock, [&] { return watermark_ >= target || !last_error_.ok() || stop_; });
  if (watermark_ >= target) return Status::Ok();
  if (!last_error_.ok()) return last_error_;
  return Unavailable("id index stopped");
}

int64_t IdIndex::watermark() const {
  std::lock_guard lock(mu_);
  return watermark_;
}

size_t IdIndex::tail_size() const {
  std::lock_guard lock(mu_);
  return UnindexedLocked();
}

// Entries at or below the watermark are in the file already (only their trim is pending).
std::deque<IdEntry>::const_iterator IdIndex::FirstUnindexedLocked() const {
  return std::upper_bound(order_.begin(), order_.end(), watermark_,
                          [](int64_t seq, const IdEntry& e) { return seq < e.seq; });
}

size_t IdIndex::UnindexedLocked() const {
  return static_cast<size_t>(order_.end() - FirstUnindexedLocked());
}

int64_t IdIndex::file_entries() const {
  std::lock_guard lock(mu_);
  return file_entries_;
}

uint64_t IdIndex::filter_capacity() const {
  std::lock_guard lock(mu_);
  return filter_ != nullptr ? filter_->capacity() : 0;
}

// Builds a filter of every hash in the file, sized for twice the current entries, and swaps it
// in. Only the indexer thread writes the file, so nothing is added to the file meanwhile. On
// failure the old filter (or none) stays: it still holds every entry, only less precisely.
Status IdIndex::BuildFilter() {
  const uint64_t capacity =
      std::max<uint64_t>(options_.filter_min_capacity,
                         2 * static_cast<uint64_t>(std::max<int64_t>(file_entries(), 0)));
  auto filter = std::make_shared<detail::HashFilter>(capacity);
  auto scan = sqlite::Stmt::Prepare(writer_, "SELECT id_hash FROM id_index", false);
  if (!scan) return scan.error();
  while (true) {
    auto row = scan->Step();
    if (!row) return row.error();
    if (!*row) break;
    filter->Add(std::bit_cast<uint64_t>(scan->ColumnInt(0)));
  }
  std::lock_guard lock(mu_);
  filter_ = std::move(filter);
  return Status::Ok();
}

void IdIndex::IndexerLoop() {
  // Without the filter, lookups just read the file.
  RunBackgroundPass(options_.errors, "store_id_index", [this] { (void)BuildFilter(); });
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.max_delay, [&] {
      return stop_ || UnindexedLocked() >= options_.batch_rows ||
             (!order_.empty() && flush_target_ > watermark_);
    });
    // Everything in the tail past the watermark (entries at or below it are only waiting for a
    // pinned trim); the writer may append more while the batch is written.
    auto first = FirstUnindexedLocked();
    if (first == order_.end()) {
      if (stop_) return;
      continue;
    }
    std::vector<IdEntry> batch(first, order_.cend());
    const int64_t new_watermark = batch.back().seq;
    const bool stopping = stop_;
    lock.unlock();
    Status s = Internal("the id batch write failed with an exception (see the error log)");
    RunBackgroundPass(options_.errors, "store_id_index",
                      [&] { s = WriteBatch(std::move(batch), new_watermark); });
    lock.lock();
    if (s.ok()) {
      // Only after the file's commit: lookups never miss an entry.
      watermark_ = new_watermark;
      trim_to_ = new_watermark;
      if (pins_ == 0) TrimLocked(trim_to_);
      progressed_.notify_all();
    } else {
      last_error_ = s;
      progressed_.notify_all();
      if (stopping) return;
      // Retry later, not in a tight loop; the tail keeps serving lookups meanwhile.
      wake_.wait_for(lock, options_.max_delay, [&] { return stop_; });
      continue;
    }
    if (stopping) return;  // one last attempt on Stop; the tail is rebuilt at the next Open
  }
}

void IdIndex::TrimLocked(int64_t up_to_seq) {
  while (!order_.empty() && order_.front().seq <= up_to_seq) {
    const IdEntry e = order_.front();
    order_.pop_front();
    auto [begin, end] = tail_.equal_range(e.id_hash);
    for (auto it = begin; it != end; ++it) {
      if (it->second == e.seq) {
        tail_.erase(it);
        break;
      }
    }
  }
}

Status IdIndex::WriteBatch(std::vector<IdEntry> batch, int64_t new_watermark) {
  std::sort(batch.begin(), batch.end(), [](const IdEntry& a, const IdEntry& b) {
    return a.id_hash != b.id_hash ? a.id_hash < b.id_hash : a.seq < b.seq;
  });
  sqlite::Txn txn(writer_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  int64_t added = 0;
  for (const IdEntry& e : batch) {
    insert_.BindInt(1, ToSql(e.id_hash));
    insert_.BindInt(2, e.seq);
    if (Status s = insert_.Run(); !s.ok()) return s;
    added += sqlite3_changes(writer_.get());
  }
  int64_t entries = 0;
  {
    std::lock_guard lock(mu_);
    entries = file_entries_ + added;
  }
  for (auto [key, value] :
       {std::pair<std::string_view, int64_t>{"watermark", new_watermark}, {"entries", entries}}) {
    set_watermark_.BindText(1, key);
    set_watermark_.BindText(2, std::to_string(value));
    if (Status s = set_watermark_.Run(); !s.ok()) return s;
  }
  if (Status s = txn.Commit(); !s.ok()) return s;
  std::shared_ptr<detail::HashFilter> filter;
  {
    std::lock_guard lock(mu_);
    file_entries_ = entries;
    filter = filter_;
  }
  // Before IndexerLoop trims these entries from the tail.
  if (filter != nullptr) {
    for (const IdEntry& e : batch) filter->Add(e.id_hash);
    if (static_cast<uint64_t>(entries) > filter->capacity()) (void)BuildFilter();
  }
  return Status::Ok();
}

}  // namespace mw::store
