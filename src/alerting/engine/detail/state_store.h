// AlertStateStore: the rule engine's SQLite file (EngineOptions::state_path, e.g.
// <data_dir>/alerts.db) — the state of every active alert, by rule, and the history of
// transitions. Persistence only: which alerts are kept, restored or dropped is the engine's
// decision (engine.cc).
//
// Why a file of its own rather than Store tables: the same reasons as the outbox
// (alerting/outbox/outbox.h) — small synchronous writes on the engine's schedule, off the ingest
// writer, and no alert API in the Store interface.
//
// Every write runs in one transaction (sqlite::Txn): an error rolls it back, so the file holds
// either all of a Save or none of it.
//
// Thread-safety: every method may be called from any thread (one internal lock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/engine/engine.h"
#include "common/status.h"
#include "sqlite/handle.h"

namespace mw::alerting::detail {

// The alerts of one rule (by fingerprint) as they are to be stored.
struct RuleAlerts {
  std::string_view rule_key;
  const std::map<std::string, ActiveAlert>* alerts = nullptr;
};

// One stored alert and the rule it belongs to.
struct StoredAlert {
  std::string rule_key;
  ActiveAlert alert;
};

class AlertStateStore {
 public:
  // Opens (creates) the file in WAL mode with full sync and applies its migrations.
  // kUnavailable when it cannot be opened.
  static Result<std::unique_ptr<AlertStateStore>> Open(const std::string& path, int64_t now_ms);

  // In one transaction: replaces the stored alerts of every rule in `rules`, appends
  // `transitions` to the history and, at most once an hour, deletes history older than
  // now_ms - history_retention_ms.
  Status Save(const std::vector<RuleAlerts>& rules, const std::vector<AlertTransition>& transitions,
              int64_t now_ms, int64_t history_retention_ms);

  // Every stored alert; rows with an unknown state are skipped.
  Result<std::vector<StoredAlert>> Load() const;

  // Deletes the stored alerts with these fingerprints, in one transaction.
  Status Forget(const std::vector<ActiveAlert>& alerts);

  // Transitions matching `query`, newest first.
  Result<std::vector<AlertTransition>> History(const HistoryQuery& query) const;

  // History rows with at < cutoff_ms: deleted (counted only with dry_run); their number.
  Result<int64_t> DeleteHistoryBefore(int64_t cutoff_ms, bool dry_run);

 private:
  explicit AlertStateStore(sqlite::Db db) : db_(std::move(db)) {}

  mutable std::mutex mu_;
  sqlite::Db db_;
  int64_t last_history_cleanup_ms_ = 0;
};

}  // namespace mw::alerting::detail
