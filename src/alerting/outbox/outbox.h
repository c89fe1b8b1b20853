// Outbox: the durable queue between deciding to notify and reaching the receiver. A notification
// is written (and fsync'd) to SQLite before Enqueue returns; a sender thread then delivers it,
// retrying with exponential backoff, and deletes it once the receiver accepted it. Rows left by
// a process that stopped or crashed are delivered by the next one that opens the same file.
//
// Why a file of its own (<data_dir>/outbox.db) and not a table of the Store: the outbox needs
// small synchronous transactions (insert, update after each attempt) on the sender's schedule,
// while the Store's writer is tuned for group-committed ingest batches and is an interface that
// will get a PostgreSQL backend; a private SQLite file keeps notifications off the ingest path,
// keeps the Store interface free of a queue API, and lets `modelwatch alert test` and the rule
// engine's restarts work without opening the main database. It still uses the shared SQLite
// building block (sqlite/handle.h) and its versioned-migration runner (sqlite/migrations.h).
//
// Delivery order: per channel, first in first out. Only the oldest pending notification of a
// channel is attempted; while it waits for a retry, later ones of that channel wait behind it
// (so a resolve never overtakes its trigger). Channels do not block each other.
//
// Retry policy (after attempt n fails with a retryable result): wait
// min(initial_backoff * 2^(n-1), max_backoff) — 1 s, 2 s, 4s … 5 min by default — or the
// receiver's Retry-After when longer (capped at max_retry_after). Permanent failures (4xx other
// than 408/429, SMTP 5xx, unknown channel) are kept with state "failed" and their error, and do
// not block the channel. A notification still undelivered max_age after it was queued fails with
// reason "expired". Failed rows are deleted after failed_retention.
//
// Superseding: Enqueue with a supersede key replaces the payload of a still-pending notification
// of the same channel and key in place (used for Alertmanager, whose every message carries the
// full current state); its age for max_age starts again. A payload replaced while it was being
// sent is sent again.
//
// Metrics (on options.registry, when set; modelwatch's own, so their prefix is fixed):
//   modelwatch_notifications_sent_total{channel}            delivered notifications
//   modelwatch_notifications_failed_total{channel,reason}   given up (permanent or expired)
//   modelwatch_notification_retries_total{channel,reason}   failed attempts to be retried
//   modelwatch_notifications_queued{channel}                pending notifications
//
// Thread-safety: every public method may be called from any thread. Deliverer::Deliver runs on
// the sender thread (or the thread calling DeliverDue), never under the outbox's lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alerting/notify/queue.h"
#include "alerting/notify/transport.h"
#include "common/background.h"
#include "common/clock.h"
#include "common/status.h"

namespace prometheus {
class Registry;
}

namespace mw::alerting {

struct OutboxOptions {
  std::string path;  // the SQLite file; created when missing (its directory must exist)
  int64_t initial_backoff_ms = 1000;
  int64_t max_backoff_ms = 5 * 60 * 1000;
  int64_t max_retry_after_ms = 60 * 60 * 1000;
  int64_t max_age_ms = 24 * 3600 * 1000;
  int64_t failed_retention_ms = 7 * 24 * 3600 * 1000LL;
  // Longest the sender sleeps before looking again (it is also woken by Enqueue). Bounds how
  // late a retry can be after its time, and how soon a FakeClock's advance is noticed.
  int64_t idle_wait_ms = 1000;
  prometheus::Registry* registry = nullptr;  // metrics; nullptr = none
  // Where a sender pass that threw is reported (thread "outbox"); the sender then waits
  // idle_wait_ms and goes on. Null: stderr.
  BackgroundErrorReporter* errors = nullptr;
};

struct OutboxEntry {
  int64_t id = 0;
  std::string channel;
  std::string payload;
  std::string supersede_key;
  std::string state;  // "pending" | "failed"
  int64_t attempts = 0;
  int64_t next_attempt_at_ms = 0;
  int64_t created_at_ms = 0;
  std::string last_error;  // "<reason>: <detail>" of the last failed attempt
};

class Outbox final : public NotificationQueue {
 public:
  // Opens (or creates) the file and applies its migrations. Pending rows from earlier processes
  // are kept and delivered once Start() runs. `clock` and `deliverer` must outlive the outbox.
  // kInvalidArgument for bad options; kUnavailable when the file cannot be opened.
  static Result<std::unique_ptr<Outbox>> Open(const OutboxOptions& options, const Clock& clock,
                                              Deliverer& deliverer);
  ~Outbox() override;  // Stop()s the sender
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  Status Enqueue(std::string_view channel, std::string_view payload,
                 std::string_view supersede_key) override;

  // Starts the sender thread (no-op when running). Stop() waits for an attempt in progress (at
  // most the channel's timeout) and joins; both idempotent.
  void Start();
  void Stop();

  // One pass of the sender, on the calling thread: for every channel, attempts its pending
  // notifications in order while they are due and are delivered or fail permanently. Returns
  // the number of delivery attempts made. (The sender thread runs exactly this; tests call it
  // directly with a FakeClock.) After Stop() it returns at once.
  int DeliverDue();

  // Rows in `state` ("pending" or "failed"), oldest first.
  Result<std::vector<OutboxEntry>> List(std::string_view state) const;

  // Retention (the maintenance task `retention`): deletes the given-up ("failed") rows whose last
  // attempt was before cutoff_ms (a row at exactly cutoff_ms stays); with dry_run only counts
  // them. Pending rows are never touched; delivered rows are deleted at delivery already.
  // Returns the number of rows (to be) deleted.
  Result<int64_t> DeleteFailedBefore(int64_t cutoff_ms, bool dry_run);

 private:
  struct Impl;
  Outbox(const OutboxOptions& options, const Clock& clock, Deliverer& deliverer);
  void Run();
  int64_t NextWaitMs();

  std::unique_ptr<Impl> impl_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread sender_;
};

// The wait before retry number `attempts` (>= 1) under `options` (see above).
int64_t BackoffMs(const OutboxOptions& options, int64_t attempts, int64_t retry_after_ms);

}  // namespace mw::alerting
