// retention: deletes what has outlived its configured age, so no table grows without bound:
//   - evaluation snapshots older than snapshot_days (the store),
//   - alert history older than alert_history_days (alerts.db, through the rule engine),
//   - given-up ("failed") outbox notifications older than outbox_days (outbox.db; delivered ones
//     are deleted at delivery, pending ones are never touched).
//
// Boundaries: cutoff = now - days * 86,400,000 ms; a row whose time is before the cutoff is
// deleted, a row at exactly the cutoff is kept (RetentionCutoff).
//
// The rule engine and the outbox are optional (null where the process has none, e.g.
// `modelwatch maintain` without a server): their part is skipped and the message says so; both
// also prune on their own schedule while they run.
//
// Thread-safety: Run is called by one thread at a time (the Runner's lock); the store, engine and
// outbox are thread-safe.
#pragma once

#include <cstdint>

#include "maintenance/task.h"
#include "store/store.h"

namespace mw::alerting {
class RuleEngine;
class Outbox;
}  // namespace mw::alerting

namespace mw::maintenance {

struct RetentionOptions {
  int64_t snapshot_days = 90;       // maintenance.snapshot_retention_days
  int64_t alert_history_days = 30;  // alerting.history_retention_days
  int64_t outbox_days = 7;          // maintenance.outbox_retention_days
};

// now_ms - days whole days. Pure.
int64_t RetentionCutoff(int64_t now_ms, int64_t days);

class RetentionTask final : public Task {
 public:
  // `engine` and `outbox` may be null; all must outlive the task.
  RetentionTask(store::Store& store, alerting::RuleEngine* engine, alerting::Outbox* outbox,
                RetentionOptions options)
      : store_(store), engine_(engine), outbox_(outbox), options_(options) {}
  std::string_view name() const override { return "retention"; }
  bool destructive() const override { return true; }
  // items: rows deleted over all tables; the message counts each table.
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  store::Store& store_;
  alerting::RuleEngine* engine_;
  alerting::Outbox* outbox_;
  const RetentionOptions options_;
};

}  // namespace mw::maintenance
