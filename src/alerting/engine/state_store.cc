#include "alerting/engine/detail/state_store.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "sqlite/migrations.h"

namespace mw::alerting::detail {
namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Txn;
using LabelMap = std::map<std::string, std::string>;

// The state file's own migrations (append-only).
const std::array<sqlite::Migration, 1> kAlertStateMigrations = {{
    {1,
     "alert state and history",
     {
         "CREATE TABLE alert_state ("
         " rule_key TEXT NOT NULL,"
         " fingerprint TEXT NOT NULL,"
         " group_name TEXT NOT NULL,"
         " alertname TEXT NOT NULL,"
         " labels TEXT NOT NULL,"
         " annotations TEXT NOT NULL,"
         " state TEXT NOT NULL,"
         " active_at BIGINT NOT NULL,"
         " fired_at BIGINT NOT NULL,"
         " resolved_at BIGINT NOT NULL,"
         " last_evaluation BIGINT NOT NULL,"
         " value DOUBLE PRECISION,"
         " PRIMARY KEY (rule_key, fingerprint))",
         "CREATE TABLE alert_history ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT,"
         " at BIGINT NOT NULL,"
         " alertname TEXT NOT NULL,"
         " fingerprint TEXT NOT NULL,"
         " labels TEXT NOT NULL,"
         " annotations TEXT NOT NULL,"
         " state TEXT NOT NULL,"
         " value DOUBLE PRECISION,"
         " active_at BIGINT NOT NULL)",
         "CREATE INDEX alert_history_at ON alert_history (at)",
         "CREATE INDEX alert_history_alertname ON alert_history (alertname, id)",
     }},
}};

std::string LabelsToJson(const LabelMap& m) {
  return nlohmann::json(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

LabelMap LabelsFromJson(std::string_view text) {
  LabelMap m;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) m[it.key()] = it.value().get<std::string>();
  }
  return m;
}

std::optional<ActiveAlert::State> StateFromName(std::string_view s) {
  if (s == "pending") return ActiveAlert::State::kPending;
  if (s == "firing") return ActiveAlert::State::kFiring;
  if (s == "resolved") return ActiveAlert::State::kResolved;
  return std::nullopt;
}

// NaN and infinities are stored as NULL (and read back as NaN).
std::optional<double> FiniteOrNull(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

Status SaveRuleAlerts(const Db& db, const std::vector<RuleAlerts>& rules) {
  auto del = Stmt::Prepare(db, "DELETE FROM alert_state WHERE rule_key = ?", false);
  if (!del) return del.error();
  auto ins = Stmt::Prepare(db,
                           "INSERT INTO alert_state (rule_key, fingerprint, group_name, alertname,"
                           " labels, annotations, state, active_at, fired_at, resolved_at,"
                           " last_evaluation, value) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                           false);
  if (!ins) return ins.error();
  for (const RuleAlerts& r : rules) {
    del->BindText(1, r.rule_key);
    if (Status s = del->Run(); !s.ok()) return s;
    for (const auto& [fp, a] : *r.alerts) {
      ins->BindText(1, r.rule_key);
      ins->BindText(2, fp);
      ins->BindText(3, a.group);
      ins->BindText(4, a.alertname);
      ins->BindText(5, LabelsToJson(a.labels));
      ins->BindText(6, LabelsToJson(a.annotations));
      ins->BindText(7, AlertStateName(a.state));
      ins->BindInt(8, a.active_at_ms);
      ins->BindInt(9, a.fired_at_ms);
      ins->BindInt(10, a.resolved_at_ms);
      ins->BindInt(11, a.last_evaluation_ms);
      ins->BindOptionalDouble(12, FiniteOrNull(a.value));
      if (Status s = ins->Run(); !s.ok()) return s;
    }
  }
  return Status();
}

Status AppendHistory(const Db& db, const std::vector<AlertTransition>& transitions) {
  if (transitions.empty()) return Status();
  auto hist = Stmt::Prepare(db,
                            "INSERT INTO alert_history (at, alertname, fingerprint, labels,"
                            " annotations, state, value, active_at) VALUES (?,?,?,?,?,?,?,?)",
                            false);
  if (!hist) return hist.error();
  for (const AlertTransition& t : transitions) {
    hist->BindInt(1, t.at_ms);
    hist->BindText(2, t.alertname);
    hist->BindText(3, t.fingerprint);
    hist->BindText(4, LabelsToJson(t.labels));
    hist->BindText(5, LabelsToJson(t.annotations));
    hist->BindText(6, t.state);
    hist->BindOptionalDouble(7, FiniteOrNull(t.value));
    hist->BindInt(8, t.active_at_ms);
    if (Status s = hist->Run(); !s.ok()) return s;
  }
  return Status();
}

}  // namespace

Result<std::unique_ptr<AlertStateStore>> AlertStateStore::Open(const std::string& path,
                                                               int64_t now_ms) {
  auto db = Db::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db.error();
  if (Status s = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          " PRAGMA busy_timeout=10000;");
      !s.ok()) {
    return s;
  }
  auto applied = sqlite::ApplyMigrations(*db, kAlertStateMigrations, now_ms);
  if (!applied) return applied.error();
  return std::unique_ptr<AlertStateStore>(new AlertStateStore(std::move(*db)));
}

Status AlertStateStore::Save(const std::vector<RuleAlerts>& rules,
                             const std::vector<AlertTransition>& transitions, int64_t now_ms,
                             int64_t history_retention_ms) {
  std::lock_guard lock(mu_);
  Txn txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  if (Status s = SaveRuleAlerts(db_, rules); !s.ok()) return s;
  if (Status s = AppendHistory(db_, transitions); !s.ok()) return s;
  if (now_ms - last_history_cleanup_ms_ >= 3600 * 1000) {
    auto clean = Stmt::Prepare(db_, "DELETE FROM alert_history WHERE at < ?", false);
    if (!clean) return clean.error();
    clean->BindInt(1, now_ms - history_retention_ms);
    if (Status s = clean->Run(); !s.ok()) return s;
    last_history_cleanup_ms_ = now_ms;
  }
  return txn.Commit();
}

Result<std::vector<StoredAlert>> AlertStateStore::Load() const {
  std::lock_guard lock(mu_);
  auto stmt = Stmt::Prepare(db_,
                            "SELECT rule_key, fingerprint, group_name, alertname, labels,"
                            " annotations, state, active_at, fired_at, resolved_at,"
                            " last_evaluation, value FROM alert_state",
                            false);
  if (!stmt) return stmt.error();
  std::vector<StoredAlert> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    auto state = StateFromName(stmt->ColumnTextView(6));
    if (!state) continue;
    StoredAlert stored;
    stored.rule_key = stmt->ColumnText(0);
    ActiveAlert& a = stored.alert;
    a.fingerprint = stmt->ColumnText(1);
    a.group = stmt->ColumnText(2);
    a.alertname = stmt->ColumnText(3);
    a.labels = LabelsFromJson(stmt->ColumnTextView(4));
    a.annotations = LabelsFromJson(stmt->ColumnTextView(5));
    a.state = *state;
    a.active_at_ms = stmt->ColumnInt(7);
    a.fired_at_ms = stmt->ColumnInt(8);
    a.resolved_at_ms = stmt->ColumnInt(9);
    a.last_evaluation_ms = stmt->ColumnInt(10);
    a.value = stmt->ColumnOptionalDouble(11).value_or(std::nan(""));
    out.push_back(std::move(stored));
  }
  stmt->Reset();
  return out;
}

Status AlertStateStore::Forget(const std::vector<ActiveAlert>& alerts) {
  if (alerts.empty()) return Status();
  std::lock_guard lock(mu_);
  // A guard, not a raw BEGIN ... COMMIT: an error on the way rolls the deletes back instead of
  // leaving the transaction open on the handle.
  Txn txn(db_);
  if (Status s = txn.Begin(); !s.ok()) return s;
  auto del = Stmt::Prepare(db_, "DELETE FROM alert_state WHERE fingerprint = ?", false);
  if (!del) return del.error();
  for (const ActiveAlert& a : alerts) {
    del->BindText(1, a.fingerprint);
    if (Status s = del->Run(); !s.ok()) return s;
  }
  return txn.Commit();
}

Result<std::vector<AlertTransition>> AlertStateStore::History(const HistoryQuery& query) const {
  std::string sql =
      "SELECT id, at, alertname, fingerprint, labels, annotations, state, value, active_at"
      " FROM alert_history WHERE 1 = 1";
  if (!query.alertname.empty()) sql += " AND alertname = :alertname";
  if (!query.fingerprint.empty()) sql += " AND fingerprint = :fingerprint";
  if (!query.state.empty()) sql += " AND state = :state";
  if (query.from_ms > 0) sql += " AND at >= :from";
  if (query.to_ms > 0) sql += " AND at < :to";
  if (query.before_id > 0) sql += " AND id < :before";
  sql += " ORDER BY id DESC LIMIT :limit";
  std::lock_guard lock(mu_);
  auto stmt = Stmt::Prepare(db_, sql, false);
  if (!stmt) return stmt.error();
  auto bind_text = [&](const char* name, const std::string& v) {
    const int i = sqlite3_bind_parameter_index(stmt->get(), name);
    if (i > 0) stmt->BindText(i, v);
  };
  auto bind_int = [&](const char* name, int64_t v) {
    const int i = sqlite3_bind_parameter_index(stmt->get(), name);
    if (i > 0) stmt->BindInt(i, v);
  };
  bind_text(":alertname", query.alertname);
  bind_text(":fingerprint", query.fingerprint);
  bind_text(":state", query.state);
  bind_int(":from", query.from_ms);
  bind_int(":to", query.to_ms);
  bind_int(":before", query.before_id);
  bind_int(":limit", std::max(query.limit, 1));
  std::vector<AlertTransition> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    AlertTransition t;
    t.id = stmt->ColumnInt(0);
    t.at_ms = stmt->ColumnInt(1);
    t.alertname = stmt->ColumnText(2);
    t.fingerprint = stmt->ColumnText(3);
    t.labels = LabelsFromJson(stmt->ColumnTextView(4));
    t.annotations = LabelsFromJson(stmt->ColumnTextView(5));
    t.state = stmt->ColumnText(6);
    t.value = stmt->ColumnOptionalDouble(7).value_or(std::nan(""));
    t.active_at_ms = stmt->ColumnInt(8);
    out.push_back(std::move(t));
  }
  stmt->Reset();
  return out;
}

Result<int64_t> AlertStateStore::DeleteHistoryBefore(int64_t cutoff_ms, bool dry_run) {
  std::lock_guard lock(mu_);
  auto stmt = Stmt::Prepare(db_,
                            dry_run ? "SELECT count(*) FROM alert_history WHERE at < ?"
                                    : "DELETE FROM alert_history WHERE at < ?",
                            false);
  if (!stmt) return stmt.error();
  stmt->BindInt(1, cutoff_ms);
  auto row = stmt->Step();
  if (!row) return row.error();
  if (dry_run) return *row ? stmt->ColumnInt(0) : int64_t{0};
  return static_cast<int64_t>(sqlite3_changes(db_.get()));
}

}  // namespace mw::alerting::detail
