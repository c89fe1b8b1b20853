#include "maintenance/retention_task.h"

#include <functional>
#include <string>

#include "alerting/engine/engine.h"
#include "alerting/outbox/outbox.h"
#include "common/time_format.h"

namespace mw::maintenance {

int64_t RetentionCutoff(int64_t now_ms, int64_t days) { return now_ms - days * 86'400'000; }

Result<TaskOutcome> RetentionTask::Run(TaskContext& ctx) {
  const int64_t now = ctx.clock.NowMillis();
  const char* verb = ctx.dry_run ? "would delete" : "deleted";
  TaskOutcome outcome;
  std::string parts;
  // One table: deletes (or counts), logs, and adds to the outcome.
  auto one = [&](std::string_view table, int64_t days,
                 const std::function<Result<int64_t>(int64_t)>& run) -> Status {
    if (ctx.cancelled()) return Unavailable("cancelled");
    const int64_t cutoff = RetentionCutoff(now, days);
    auto rows = run(cutoff);
    if (!rows) {
      return Status(rows.error().code(), std::string(table) + ": " + rows.error().message() +
                                             (parts.empty() ? "" : " (already " + parts + ")"));
    }
    ctx.log.Info(verb, {{"db.table", table},
                        {"modelwatch.rows", *rows},
                        {"modelwatch.cutoff", FormatRfc3339Millis(cutoff)}});
    outcome.items += *rows;
    parts += (parts.empty() ? "" : ", ") + std::to_string(*rows) + " " + std::string(table) +
             " rows older than " + std::to_string(days) + " days";
    return Status::Ok();
  };
  ctx.progress.SetTotal(3);
  Status s = one("evaluation_snapshots", options_.snapshot_days,
                 [&](int64_t cutoff) { return store_.DeleteSnapshotsBefore(cutoff, ctx.dry_run); });
  if (!s.ok()) return s;
  ctx.progress.Update(1, "evaluation snapshots");
  std::string skipped;
  if (engine_ != nullptr) {
    s = one("alert_history", options_.alert_history_days,
            [&](int64_t cutoff) { return engine_->DeleteHistoryBefore(cutoff, ctx.dry_run); });
    if (!s.ok()) return s;
  } else {
    skipped += "; alert history skipped (no rule engine in this process)";
  }
  ctx.progress.Update(2, "alert history");
  if (outbox_ != nullptr) {
    s = one("outbox", options_.outbox_days,
            [&](int64_t cutoff) { return outbox_->DeleteFailedBefore(cutoff, ctx.dry_run); });
    if (!s.ok()) return s;
  } else {
    skipped += "; outbox skipped (no notification outbox in this process)";
  }
  ctx.progress.Update(3, "outbox");
  outcome.message = std::string(verb) + " " + parts + skipped;
  return outcome;
}

}  // namespace mw::maintenance
