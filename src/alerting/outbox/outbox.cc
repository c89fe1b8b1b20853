#include "alerting/outbox/outbox.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "sqlite/handle.h"
#include "sqlite/migrations.h"

namespace mw::alerting {
namespace {

using sqlite::Db;
using sqlite::Stmt;

// The outbox file's own migrations (append-only, like the store's).
const std::array<sqlite::Migration, 1> kOutboxMigrations = {{
    {1,
     "notification outbox",
     {
         // AUTOINCREMENT: ids are never reused, so an attempt's (id, version) names exactly the
         // payload it sent even if rows are deleted meanwhile.
         "CREATE TABLE outbox ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " channel TEXT NOT NULL,"
         " payload TEXT NOT NULL,"
         " supersede_key TEXT NOT NULL DEFAULT '',"
         " version BIGINT NOT NULL DEFAULT 1,"
         " state TEXT NOT NULL DEFAULT 'pending',"
         " attempts BIGINT NOT NULL DEFAULT 0,"
         " next_attempt_at BIGINT NOT NULL,"
         " created_at BIGINT NOT NULL,"
         " last_attempt_at BIGINT,"
         " last_error TEXT NOT NULL DEFAULT '')",
         "CREATE INDEX outbox_state_channel_id ON outbox (state, channel, id)",
     }},
}};

constexpr std::string_view kColumns =
    "id, channel, payload, supersede_key, state, attempts, next_attempt_at, created_at, "
    "last_error, version";

OutboxEntry ReadEntry(const Stmt& s) {
  OutboxEntry e;
  e.id = s.ColumnInt(0);
  e.channel = s.ColumnText(1);
  e.payload = s.ColumnText(2);
  e.supersede_key = s.ColumnText(3);
  e.state = s.ColumnText(4);
  e.attempts = s.ColumnInt(5);
  e.next_attempt_at_ms = s.ColumnInt(6);
  e.created_at_ms = s.ColumnInt(7);
  e.last_error = s.ColumnText(8);
  return e;
}

}  // namespace

int64_t BackoffMs(const OutboxOptions& options, int64_t attempts, int64_t retry_after_ms) {
  int64_t delay = options.initial_backoff_ms;
  for (int64_t i = 1; i < attempts && delay < options.max_backoff_ms; ++i) delay *= 2;
  delay = std::min(delay, options.max_backoff_ms);
  if (retry_after_ms > delay) delay = std::min(retry_after_ms, options.max_retry_after_ms);
  return delay;
}

struct Outbox::Impl {
  Impl(const OutboxOptions& o, const Clock& c, Deliverer& d) : options(o), clock(c), deliverer(d) {}

  // The metric series of one channel, created on first use.
  prometheus::Counter* Sent(const std::string& channel) {
    return sent_family ? &sent_family->Add({{"channel", channel}}) : nullptr;
  }
  void CountFailed(const std::string& channel, const std::string& reason) {
    if (failed_family) failed_family->Add({{"channel", channel}, {"reason", reason}}).Increment();
  }
  void CountRetry(const std::string& channel, const std::string& reason) {
    if (retries_family) retries_family->Add({{"channel", channel}, {"reason", reason}}).Increment();
  }

  // Sets modelwatch_notifications_queued from the table (db_mutex held).
  void UpdateQueued() {
    if (queued_family == nullptr) return;
    auto stmt = Stmt::Prepare(
        db, "SELECT channel, COUNT(*) FROM outbox WHERE state = 'pending' GROUP BY channel", false);
    if (!stmt) return;
    std::map<std::string, int64_t> counts;
    while (true) {
      auto row = stmt->Step();
      if (!row || !*row) break;
      counts[stmt->ColumnText(0)] = stmt->ColumnInt(1);
    }
    for (const std::string& channel : queued_channels) {
      if (!counts.contains(channel)) queued_family->Add({{"channel", channel}}).Set(0);
    }
    for (const auto& [channel, n] : counts) {
      queued_family->Add({{"channel", channel}}).Set(static_cast<double>(n));
      queued_channels.insert(channel);
    }
  }

  // The oldest pending row of `channel`, with its version (db_mutex held).
  Result<std::optional<std::pair<OutboxEntry, int64_t>>> Head(const std::string& channel) {
    auto stmt = Stmt::Prepare(db,
                              "SELECT " + std::string(kColumns) +
                                  " FROM outbox WHERE state = 'pending' AND channel = ?"
                                  " ORDER BY id LIMIT 1",
                              false);
    if (!stmt) return stmt.error();
    stmt->BindText(1, channel);
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::pair<OutboxEntry, int64_t>>();
    return std::optional<std::pair<OutboxEntry, int64_t>>(
        std::make_pair(ReadEntry(*stmt), stmt->ColumnInt(9)));
  }

  Result<std::vector<std::string>> PendingChannels() {
    auto stmt = Stmt::Prepare(db,
                              "SELECT channel, MIN(id) AS first FROM outbox WHERE state = 'pending'"
                              " GROUP BY channel ORDER BY first",
                              false);
    if (!stmt) return stmt.error();
    std::vector<std::string> channels;
    while (true) {
      auto row = stmt->Step();
      if (!row) return row.error();
      if (!*row) break;
      channels.push_back(stmt->ColumnText(0));
    }
    return channels;
  }

  Status MarkFailed(int64_t id, int64_t attempts, const std::string& error, int64_t now) {
    auto stmt = Stmt::Prepare(db,
                              "UPDATE outbox SET state = 'failed', attempts = ?, last_error = ?,"
                              " last_attempt_at = ? WHERE id = ?",
                              false);
    if (!stmt) return stmt.error();
    stmt->BindInt(1, attempts);
    stmt->BindText(2, error);
    stmt->BindInt(3, now);
    stmt->BindInt(4, id);
    return stmt->Run();
  }

  Status ScheduleRetry(int64_t id, int64_t attempts, int64_t next, const std::string& error,
                       int64_t now) {
    auto stmt = Stmt::Prepare(db,
                              "UPDATE outbox SET attempts = ?, next_attempt_at = ?,"
                              " last_error = ?, last_attempt_at = ? WHERE id = ?",
                              false);
    if (!stmt) return stmt.error();
    stmt->BindInt(1, attempts);
    stmt->BindInt(2, next);
    stmt->BindText(3, error);
    stmt->BindInt(4, now);
    stmt->BindInt(5, id);
    return stmt->Run();
  }

  // Deletes the delivered row if its payload is still the one that was sent; otherwise (it was
  // superseded while in flight) makes the new payload due now. Returns whether it was deleted.
  Result<bool> Delivered(int64_t id, int64_t version, int64_t now) {
    auto del = Stmt::Prepare(db, "DELETE FROM outbox WHERE id = ? AND version = ?", false);
    if (!del) return del.error();
    del->BindInt(1, id);
    del->BindInt(2, version);
    if (Status s = del->Run(); !s.ok()) return s;
    if (sqlite3_changes(db.get()) > 0) return true;
    auto again = Stmt::Prepare(
        db, "UPDATE outbox SET attempts = 0, next_attempt_at = ?, last_error = '' WHERE id = ?",
        false);
    if (!again) return again.error();
    again->BindInt(1, now);
    again->BindInt(2, id);
    if (Status s = again->Run(); !s.ok()) return s;
    return false;
  }

  void PruneFailed(int64_t now) {
    auto stmt = Stmt::Prepare(
        db, "DELETE FROM outbox WHERE state = 'failed' AND last_attempt_at < ?", false);
    if (!stmt) return;
    stmt->BindInt(1, now - options.failed_retention_ms);
    (void)stmt->Run();  // housekeeping; the next pass tries again
  }

  const OutboxOptions options;
  const Clock& clock;
  Deliverer& deliverer;

  mutable std::mutex db_mutex;
  Db db;
  std::set<std::string> queued_channels;  // channels with a queued gauge series

  prometheus::Family<prometheus::Counter>* sent_family = nullptr;
  prometheus::Family<prometheus::Counter>* failed_family = nullptr;
  prometheus::Family<prometheus::Counter>* retries_family = nullptr;
  prometheus::Family<prometheus::Gauge>* queued_family = nullptr;
};

Outbox::Outbox(const OutboxOptions& options, const Clock& clock, Deliverer& deliverer)
    : impl_(std::make_unique<Impl>(options, clock, deliverer)) {}

Outbox::~Outbox() { Stop(); }

Result<std::unique_ptr<Outbox>> Outbox::Open(const OutboxOptions& options, const Clock& clock,
                                             Deliverer& deliverer) {
  if (options.path.empty()) return InvalidArgument("outbox path is empty");
  if (options.initial_backoff_ms < 1 || options.max_backoff_ms < options.initial_backoff_ms ||
      options.max_age_ms < 1 || options.idle_wait_ms < 1) {
    return InvalidArgument("outbox backoff, max age and idle wait must be positive");
  }
  std::unique_ptr<Outbox> outbox(new Outbox(options, clock, deliverer));
  Impl& impl = *outbox->impl_;
  auto db = Db::Open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  impl.db = std::move(*db);
  // WAL + FULL: an Enqueue that returned is on disk, and readers do not block the sender.
  if (Status s = impl.db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              " PRAGMA busy_timeout=10000;");
      !s.ok()) {
    return s;
  }
  auto applied = sqlite::ApplyMigrations(impl.db, kOutboxMigrations, clock.NowMillis());
  if (!applied) return applied.error();
  if (options.registry != nullptr) {
    impl.sent_family = &prometheus::BuildCounter()
                            .Name("modelwatch_notifications_sent_total")
                            .Help("Notifications delivered to a channel's receiver.")
                            .Register(*options.registry);
    impl.failed_family =
        &prometheus::BuildCounter()
             .Name("modelwatch_notifications_failed_total")
             .Help("Notifications given up: rejected by the receiver, or expired undelivered.")
             .Register(*options.registry);
    impl.retries_family = &prometheus::BuildCounter()
                               .Name("modelwatch_notification_retries_total")
                               .Help("Delivery attempts that failed and will be retried.")
                               .Register(*options.registry);
    impl.queued_family = &prometheus::BuildGauge()
                              .Name("modelwatch_notifications_queued")
                              .Help("Notifications waiting in the outbox to be delivered.")
                              .Register(*options.registry);
    std::lock_guard lock(impl.db_mutex);
    impl.UpdateQueued();
  }
  return outbox;
}

Status Outbox::Enqueue(std::string_view channel, std::string_view payload,
                       std::string_view supersede_key) {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.db_mutex);
    const int64_t now = impl.clock.NowMillis();
    bool replaced = false;
    if (!supersede_key.empty()) {
      auto update = Stmt::Prepare(impl.db,
                                  "UPDATE outbox SET payload = ?, version = version + 1,"
                                  " created_at = ? WHERE state = 'pending' AND channel = ?"
                                  " AND supersede_key = ?",
                                  false);
      if (!update) return update.error();
      update->BindText(1, payload);
      update->BindInt(2, now);  // fresh content: its age starts again
      update->BindText(3, channel);
      update->BindText(4, supersede_key);
      if (Status s = update->Run(); !s.ok()) return s;
      replaced = sqlite3_changes(impl.db.get()) > 0;
    }
    if (!replaced) {
      auto insert = Stmt::Prepare(impl.db,
                                  "INSERT INTO outbox (channel, payload, supersede_key,"
                                  " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
                                  false);
      if (!insert) return insert.error();
      insert->BindText(1, channel);
      insert->BindText(2, payload);
      insert->BindText(3, supersede_key);
      insert->BindInt(4, now);
      insert->BindInt(5, now);
      if (Status s = insert->Run(); !s.ok()) return s;
    }
    impl.UpdateQueued();
  }
  {
    std::lock_guard lock(wake_mutex_);
    woken_ = true;
  }
  wake_.notify_one();
  return Status::Ok();
}

int Outbox::DeliverDue() {
  Impl& impl = *impl_;
  int attempts_made = 0;
  std::unique_lock lock(impl.db_mutex);
  impl.PruneFailed(impl.clock.NowMillis());
  auto channels = impl.PendingChannels();
  if (!channels) return 0;
  for (const std::string& channel : *channels) {
    while (true) {
      {
        std::lock_guard wake_lock(wake_mutex_);
        if (stop_) break;
      }
      const int64_t now = impl.clock.NowMillis();
      auto head = impl.Head(channel);
      if (!head || !head->has_value()) break;
      const auto [entry, version] = **head;
      if (entry.next_attempt_at_ms > now) break;  // waiting for a retry: the channel waits too
      if (now - entry.created_at_ms >= impl.options.max_age_ms) {
        const std::string error = "expired: undelivered after " +
                                  std::to_string(impl.options.max_age_ms / 1000) + " s; " +
                                  entry.last_error;
        if (!impl.MarkFailed(entry.id, entry.attempts, error, now).ok()) break;
        impl.CountFailed(channel, "expired");
        continue;
      }
      lock.unlock();
      const DeliveryResult result = impl.deliverer.Deliver(channel, entry.payload);
      lock.lock();
      ++attempts_made;
      const int64_t after = impl.clock.NowMillis();
      const int64_t attempts = entry.attempts + 1;
      const std::string error = result.reason + ": " + result.detail;
      if (result.delivered()) {
        auto deleted = impl.Delivered(entry.id, version, after);
        if (!deleted) break;
        if (prometheus::Counter* sent = impl.Sent(channel)) sent->Increment();
        continue;
      }
      if (result.outcome == DeliveryResult::Outcome::kPermanent) {
        if (!impl.MarkFailed(entry.id, attempts, error, after).ok()) break;
        impl.CountFailed(channel, result.reason);
        continue;
      }
      const int64_t delay = BackoffMs(impl.options, attempts, result.retry_after_ms);
      (void)impl.ScheduleRetry(entry.id, attempts, after + delay, error, after);
      impl.CountRetry(channel, result.reason);
      break;
    }
  }
  impl.UpdateQueued();
  return attempts_made;
}

Result<std::vector<OutboxEntry>> Outbox::List(std::string_view state) const {
  std::lock_guard lock(impl_->db_mutex);
  auto stmt = Stmt::Prepare(
      impl_->db, "SELECT " + std::string(kColumns) + " FROM outbox WHERE state = ? ORDER BY id",
      false);
  if (!stmt) return stmt.error();
  stmt->BindText(1, state);
  std::vector<OutboxEntry> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadEntry(*stmt));
  }
  return out;
}

Result<int64_t> Outbox::DeleteFailedBefore(int64_t cutoff_ms, bool dry_run) {
  std::lock_guard lock(impl_->db_mutex);
  auto stmt = Stmt::Prepare(impl_->db,
                            dry_run ? "SELECT count(*) FROM outbox WHERE state = 'failed'"
                                      " AND last_attempt_at < ?"
                                    : "DELETE FROM outbox WHERE state = 'failed'"
                                      " AND last_attempt_at < ?",
                            false);
  if (!stmt) return stmt.error();
  stmt->BindInt(1, cutoff_ms);
  auto row = stmt->Step();
  if (!row) return row.error();
  if (dry_run) return *row ? stmt->ColumnInt(0) : int64_t{0};
  return static_cast<int64_t>(sqlite3_changes(impl_->db.get()));
}

int64_t Outbox::NextWaitMs() {
  std::lock_guard lock(impl_->db_mutex);
  const int64_t idle = impl_->options.idle_wait_ms;
  auto next = impl_->db.QueryInt("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'");
  if (!next || !next->has_value()) return idle;
  return std::clamp<int64_t>(**next - impl_->clock.NowMillis(), 0, idle);
}

void Outbox::Start() {
  std::lock_guard lock(wake_mutex_);
  if (sender_.joinable()) return;
  stop_ = false;
  sender_ = std::thread([this] { Run(); });
}

void Outbox::Stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void Outbox::Run() {
  while (true) {
    int64_t wait_ms = impl_->options.idle_wait_ms;  // also after a pass that threw
    RunBackgroundPass(impl_->options.errors, "outbox", [&] {
      DeliverDue();
      wait_ms = NextWaitMs();
    });
    std::unique_lock lock(wake_mutex_);
    if (stop_) return;
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_ || woken_; });
    woken_ = false;
    if (stop_) return;
  }
}

}  // namespace mw::alerting
