// modelwatch configuration: one YAML file, every key overridable by a MODELWATCH_* environment
// variable (the key path upper-cased, dots and dashes to underscores: server.listen ->
// MODELWATCH_SERVER_LISTEN) and by command-line flags, in that order of precedence (flag > env >
// file > default). Validated as a whole at start-up; an error names the key and the reason.
// The documented example is config/modelwatch.example.yaml.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::config {

enum class Role { kIngest, kRead, kAdmin };

// "ingest" | "read" | "admin". Declared here (not in auth/) because config validation needs them;
// auth/auth.h re-exports them.
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);  // exact, lower-case names only

struct ApiToken {
  std::string name;   // shown in logs, never the token itself
  std::string token;  // the bearer secret
  std::vector<Role> roles;
};

struct Config {
  struct Server {
    std::string host = "127.0.0.1";
    uint16_t port = 8000;               // 0 = pick a free port (printed at start-up)
    int threads = 0;                    // HTTP I/O threads; 0 = number of cores
    int64_t max_body_bytes = 16 << 20;  // larger bodies get 413
    int64_t request_timeout_seconds = 30;
    int64_t max_connections = 10000;  // connections served at once; one more gets 503 and close
  } server;

  struct Storage {
    std::string backend = "sqlite";  // only sqlite for now
    std::string data_dir = "./data";
    std::string sqlite_synchronous = "full";  // full: fsync per group commit | normal
    bool sqlite_preallocate_wal = true;       // write the WAL file's length at start-up
    // Free space the data directory's disk should keep: below it /health is degraded
    // (checks.disk_space "low"), and the WAL is not preallocated when that would go below it.
    int64_t min_free_bytes = int64_t{128} << 20;
    int read_connections = 4;
    int64_t max_rows_per_commit = 20000;
    int64_t max_queue_requests = 4096;
  } storage;

  struct Metrics {
    std::string prefix = "ml";              // metric-name prefix: ml_api_requests_total, ...
    std::string segment_label = "segment";  // e.g. restaurant_id
    int64_t max_segments = 1000;  // distinct segment label values; later ones export as "other"
  } metrics;

  struct Ingest {
    int64_t max_future_seconds = 300;  // timestamps further ahead of now are rejected (422)
    int64_t max_events_per_request = 100000;
    // Most distinct models the server knows (registered or seen in traffic); events of a new
    // model beyond it get 422 (api/model_catalog.h). Registrations are never refused by it.
    int64_t max_models = 1000;
    // When true, events of a model that is not registered (PUT /v1/models/{model}, a version, or
    // `registry import`) get 422.
    bool require_registered_models = false;
  } ingest;

  struct Logging {
    std::string level = "info";  // trace|debug|info|warn|error
    std::string dir;             // default: <data_dir>/logs; "-" = stdout only
    bool stdout_enabled = true;
    bool access_log = true;
    int64_t max_file_bytes = 64 << 20;  // rotate past this size
    int64_t app_retention_days = 30;
    int64_t audit_retention_days = 90;
  } logging;

  struct Auth {
    std::vector<ApiToken> tokens;  // empty = no auth
  } auth;

  struct Redis {
    std::string url;  // empty = not configured (health reports redis_connected: null)
  } redis;

  // The quality engine (monitor/): performance, drift and data quality per model and segment.
  struct Quality {
    int64_t evaluation_interval_seconds = 60;  // evaluator period; 0 = no background evaluator
    int64_t window_seconds = 86400;            // default evaluation window: the last 24 h
    int64_t min_samples = 10;                  // fewer rows with actuals -> insufficient_data
    double degradation_threshold = 0.2;        // performance drift when degradation > 20 %
    // Per-model overrides, "model:0.3,other:0.1" (YAML: the same string).
    std::map<std::string, double> model_degradation_thresholds;
    double classification_threshold = 0.5;  // predicted positive iff score >= threshold
    double drift_share_threshold = 0.5;     // dataset drift when >= this share of features drift
    // False-alarm budget of model_drift_detected per (model, segment) evaluation: performance
    // drift and dataset drift are each decided at half of it (docs/quality.md).
    double alarm_level = 0.01;
    // Level of each per-feature drift test (p <= this) and of Benjamini-Hochberg across features.
    double feature_drift_alpha = 0.05;
    // A classifier's AUC needs at least this many positives and negatives in the window.
    int64_t min_class_samples = 5;
    int64_t profile_cache_size = 10;   // reference profiles kept loaded (LRU)
    int64_t max_window_rows = 200000;  // rows per model and segment the evaluator keeps
  } quality;

  // Notifications (alerting/notify/, docs/notifications.md): where alerts are sent and how they
  // are grouped. Secrets (webhook URLs, PagerDuty keys, SMTP passwords) may come from environment
  // variables named by *_env keys; they are resolved into the plain fields at load.
  struct AlertChannel {
    std::string name;  // unique; routes and `modelwatch alert test --channel` use it
    std::string type;  // slack | webhook | alertmanager | pagerduty | email
    // slack, webhook: the endpoint; alertmanager: the base URL (POST <url>/api/v2/alerts);
    // pagerduty: the Events API v2 endpoint. http:// or https:// only.
    std::string url;
    std::string url_env;                 // the variable url was read from, or ""
    int64_t timeout_ms = 10000;          // per delivery attempt
    bool send_resolved = true;           // also notify when alerts resolve (slack, webhook, email)
    int64_t resend_interval_ms = 60000;  // alertmanager: firing alerts are re-sent this often
    std::string routing_key;             // pagerduty integration key
    std::string routing_key_env;
    std::string source = "modelwatch";  // pagerduty payload.source
    std::string smtp_url;               // email: smtp://host:port or smtps://host:port
    std::string from;
    std::vector<std::string> to;
    std::string username;
    std::string password;  // from password_env only, never written in the file
    std::string password_env;
    bool starttls = false;  // email over smtp://: require STARTTLS
  };
  struct AlertRoute {
    std::map<std::string, std::string> match;     // label == value, every entry
    std::map<std::string, std::string> match_re;  // label matches the regex (fully anchored)
    std::vector<std::string> severity;            // any of these; empty = any severity
    std::vector<std::string> channels;            // channel names; at least one
    std::vector<std::string> group_by = {"alertname"};
    int64_t group_wait_ms = 30000;             // before a new group's first notification
    int64_t group_interval_ms = 5 * 60000;     // between notifications about a changed group
    int64_t repeat_interval_ms = 4 * 3600000;  // re-notify a group that is still firing
    bool continue_matching = false;            // YAML `continue`: also try the next routes
  };
  struct Alerting {
    // The built-in rule engine (alerting/engine/engine.h): on unless turned off.
    bool enabled = true;
    // The rules file; "" = the rules compiled into the binary (config/rules/default.yml).
    std::string rules_file;
    // How often rule groups without their own `interval` are evaluated.
    int64_t evaluation_interval_seconds = 30;
    // Alert transitions (GET /v1/alerts/history) older than this are deleted.
    int64_t history_retention_days = 30;
    std::string external_url;  // this modelwatch as receivers should link to it; "" = none
    // Queued notifications older than this are given up (counted as failed, reason "expired").
    int64_t notification_max_age_seconds = 86400;
    std::vector<AlertChannel> channels;
    // First match wins unless the route says continue. No routes: every alert to every channel.
    std::vector<AlertRoute> routes;
  } alerting;

  // The sidecar proxy in front of the watched prediction API (docs/proxy.md): off while upstream
  // is "". Durations are milliseconds. Config checks what it can on its own (URLs, ranges, required
  // pairs, the syntax of capture sources); the route templates, capture pointers' "*" rules and
  // duplicate routes are checked where the proxy's parsers are (cli/wiring).
  struct ProxySource {  // where one part of a captured event comes from
    // kConstant: `value` itself; kRequest/kResponse: an RFC 6901 pointer into the body ("" = the
    // whole body, "*" marks the batch axis); kPath: a template parameter; kHeader: a request
    // header.
    enum class Kind { kConstant, kRequest, kResponse, kPath, kHeader };
    Kind kind = Kind::kConstant;
    std::string value;
  };
  struct ProxyCapture {  // YAML: model: demand_forecast, segment: {path: restaurant_id}, ...
    std::optional<ProxySource> model;  // required
    std::optional<ProxySource> segment, version, features, prediction;
    std::optional<ProxySource> id;           // unset = the request id
    std::vector<std::string> feature_names;  // names of an array row's features, by position
    std::string output;                      // Open Inference v2 output tensor; "" = the first
    std::optional<int> output_index;         // element of an array prediction
    double sample = 1.0;                     // (0, 1], by a hash of the event id
  };
  struct ProxyCache {              // YAML: cache: {ttl: 300s, key: [/features]}
    int64_t ttl_ms = 300000;       // 1s .. 30d
    std::vector<std::string> key;  // JSON pointers into the request body; empty = the whole body
  };
  struct ProxyRoute {
    std::string path;                  // a template: /predict/{restaurant_id}
    std::vector<std::string> methods;  // upper-case; empty = every method
    std::optional<ProxyCapture> capture;
    std::optional<ProxyCache> cache;
  };
  struct Proxy {
    std::string upstream;     // http://HOST:PORT of the prediction API; "" = proxy off
    std::string listen;       // HOST:PORT of the proxy's listener, as written; port 0 = any
    std::string listen_host;  // listen, parsed
    uint16_t listen_port = 0;
    int threads = 0;  // proxy I/O threads; 0 = one per core
    int64_t max_connections = 10000;
    int64_t max_upstream_connections = 256;
    int64_t upstream_idle_timeout_ms = 4000;  // keep under the upstream's keep-alive
    int64_t connect_timeout_ms = 1000;        // -> 502
    int64_t response_timeout_ms = 30000;      // -> 504
    int64_t client_timeout_ms = 30000;        // idle keep-alive / slow client
    int64_t max_body_bytes = 104857600;       // request bodies above: 413
    int64_t max_capture_bytes = 1048576;      // bodies above pass uncaptured and uncached
    bool preserve_host = false;
    bool trust_forwarded_headers = false;
    std::string request_id_header = "X-Request-Id";
    bool access_log = true;
    std::string health_path = "/health";        // "" = no prober
    std::string health_db_path = "/health/db";  // "" = none
    int64_t health_interval_ms = 10000;
    int64_t health_timeout_ms = 2000;
    std::string openapi_path = "/openapi.json";  // "" = no learning
    int64_t openapi_refresh_ms = 300000;
    int64_t max_routes = 200;
    int64_t capture_queue_events = 100000;
    int64_t capture_queue_bytes = 67108864;
    int64_t capture_batch_events = 1000;
    int64_t capture_flush_interval_ms = 20;
    std::string forward_to;         // http(s):// of a central modelwatch; "" = store locally
    std::string forward_token_env;  // the variable holding the token (ingest role)
    std::string forward_token;      // its value, resolved at load; never logged
    int64_t forward_buffer_events = 100000;
    int64_t forward_timeout_ms = 5000;
    struct Cache {
      std::string backend = "memory";  // memory | redis
      int64_t max_bytes = 67108864;    // memory backend
      std::string redis_url;           // redis://[user:pass@]host[:port][/db] | unix:///path
      int64_t redis_pool_size = 2;
      int64_t redis_timeout_ms = 50;
      int64_t redis_retry_interval_ms = 1000;
      std::vector<std::string> vary_headers = {"Authorization"};
      bool capture_hits = true;  // cached answers are captured (without latency_ms)
    } cache;
    std::vector<ProxyRoute> routes;
    bool enabled() const { return !upstream.empty(); }
  } proxy;

  // Scheduled maintenance (maintenance/, docs/operations.md): which tasks run when, and their
  // settings. Schedules are 5-field cron expressions in UTC (common/cron.h). A task runs on the
  // schedule of the set that lists it, or on its own entry in `schedules`, which wins; a task in
  // no set and without an entry runs only when asked (`modelwatch maintain TASK`).
  struct MaintenanceRetrain {
    // Run with /bin/sh -c; MODEL, SEGMENT, VERSION and REASON in its environment. "" = none.
    std::string command;
    std::string webhook_url;           // POSTed a JSON request; "" = none
    int64_t cooldown_seconds = 86400;  // no new request for a (model, segment) within this
    int64_t timeout_seconds = 3600;    // a command or webhook still running then has failed
  };
  struct Maintenance {
    bool enabled = true;  // the scheduler inside serve; `modelwatch maintain` works regardless
    std::string daily_schedule = "0 2 * * *";
    std::string weekly_schedule = "0 3 * * 0";
    std::string monthly_schedule = "0 4 1 * *";
    std::vector<std::string> daily = {"check-performance", "cleanup-logs", "retention", "backup"};
    std::vector<std::string> weekly = {"check-drift-and-retrain", "cleanup-model-versions",
                                       "compress-models", "vacuum", "weekly-report"};
    std::vector<std::string> monthly = {"retrain-all", "archive-predictions", "monthly-report"};
    // Per-task cron expressions (task -> cron), winning over the sets.
    std::map<std::string, std::string> schedules = {{"health-check", "*/5 * * * *"}};
    std::string archive_dir;                 // "" = <data_dir>/archive
    int64_t prediction_retention_days = 90;  // older prediction rows are archived, then deleted
    int64_t snapshot_retention_days = 90;    // evaluation snapshots
    int64_t outbox_retention_days = 7;       // delivered or given-up notifications
    std::string backup_dir;                  // "" = <data_dir>/backups
    int64_t backup_keep = 7;                 // newest backups kept
    std::string models_dir;      // the on-disk model registry (registry import layout); "" = none
    int64_t keep_versions = 10;  // per (model, segment); the latest version is always kept
    std::string reports_dir;     // "" = <data_dir>/reports
    MaintenanceRetrain retrain;

    // Whether retraining can be triggered (maintenance.retrain.command or webhook_url is set).
    bool HasRetrainTarget() const;
    // The tasks of a set ("daily", "weekly", "monthly") as they run, in order: without
    // check-drift-and-retrain and retrain-all while there is no retraining target (they could
    // only be refused, so they are neither scheduled nor run with their set); nullopt for any
    // other name.
    std::optional<std::vector<std::string>> RunnableSet(std::string_view set) const;
    // Whether the scheduler runs `task` on its own maintenance.schedules entry (the same rule).
    bool RunnableOnItsOwn(std::string_view task) const;
  } maintenance;

  // Resolved helpers.
  // The directory for log files: logging.dir when set, else <storage.data_dir>/logs; "" when
  // logging.dir is "-" (stdout only, no log files).
  std::string LogDir() const;
  // maintenance.archive_dir / backup_dir / reports_dir when set, else <storage.data_dir>/archive,
  // /backups, /reports.
  std::string ArchiveDir() const;
  std::string BackupDir() const;
  std::string ReportsDir() const;
};

// Every maintenance task's name (maintenance/, docs/operations.md), in the order `modelwatch
// maintain --help` lists them; the sets and `maintenance.schedules` may name only these.
inline constexpr std::array<std::string_view, 13> kMaintenanceTaskNames = {
    "check-performance",
    "check-drift-and-retrain",
    "retrain-all",
    "cleanup-logs",
    "retention",
    "archive-predictions",
    "vacuum",
    "backup",
    "cleanup-model-versions",
    "compress-models",
    "weekly-report",
    "monthly-report",
    "health-check"};

// A config problem: the key (dotted path, e.g. "server.port") and why it is wrong.
struct ConfigError {
  std::string key;
  std::string reason;
};

// Where values come from. `flags` holds key -> value pairs from the command line (e.g.
// {"server.listen": "127.0.0.1:0"}); `env` is the process environment (tests pass their own).
//
// Environment: MODELWATCH_<KEY> with the dotted key upper-cased and dots to underscores
// (storage.data_dir -> MODELWATCH_STORAGE_DATA_DIR). A MODELWATCH_* variable that names no key is
// an error (typo protection), except the allow-list: MODELWATCH_CONFIG (the config file path, read
// by the CLI) and any variable named by an auth.tokens[].token_env entry of the file or an
// alerting.channels[] url_env / routing_key_env / password_env entry or proxy.forward_token_env
// (from any source). Variables
// without the MODELWATCH_ prefix are ignored except as such targets.
//
// auth.tokens is a list in YAML; from the environment (MODELWATCH_AUTH_TOKENS) or a flag
// ("auth.tokens") it takes the compact form "name:token:role1+role2,name2:token2:admin" (the
// token is everything between the first and the last ':'; tokens cannot contain ','). A
// higher-precedence source replaces the whole list; an empty value means "no tokens".
//
// server.listen "HOST:PORT" sets server.host and server.port; "[::1]:8000" for IPv6 hosts;
// ":8000" means all IPv4 interfaces (0.0.0.0). Setting server.listen together with server.host or
// server.port in the same source is an error.
struct ConfigSources {
  std::optional<std::string> file;  // YAML path; nullopt = defaults only
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> flags;
};

// Loads and validates. On failure returns every error found (unknown keys, wrong types, out of
// range values, unreadable file), each naming its key; `config` is then nullopt. On success
// `errors` is empty. A YAML syntax error or unreadable file is reported under key "config" with
// "<path>:<line>:<column>: <problem>" (1-based) as the reason. Never throws.
struct ConfigLoadResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
};
ConfigLoadResult LoadConfig(const ConfigSources& sources);

// One line per error, each "config error: <key>: <reason>\n". The CLI prints it and exits 2.
std::string FormatConfigErrors(const std::vector<ConfigError>& errors);

// The environment variable for a dotted key: "server.listen" -> "MODELWATCH_SERVER_LISTEN".
std::string EnvVarName(std::string_view key);

// Every scalar key accepted in the file, env and flags ("server.host", ...), plus "auth.tokens",
// in documentation order. Keys of a nested section have three parts ("proxy.cache.backend"; in
// the file under proxy: cache: backend:). ("alerting.channels" and "alerting.routes" are lists: in
// the file as YAML lists, from the environment or a flag as the same list in YAML flow style, e.g.
// MODELWATCH_ALERTING_CHANNELS='[{name: ops, type: slack, url_env: SLACK_URL}]'; a
// higher-precedence source replaces the whole list. proxy.routes and proxy.cache.vary_headers
// are lists in the same way.)
std::vector<std::string> ConfigKeyNames();

// Reads the whole current process environment into a map. (MODELWATCH_* variables are config
// keys; others may be referenced by auth.tokens[].token_env, so they are included too.)
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace mw::config
