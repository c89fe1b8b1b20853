// HealthProber: how the watched prediction API says it is doing. Every interval it GETs the
// upstream's health path (FastAPI services answer `GET /health` with
// {"status":"healthy","database_connected":true,"redis_connected":true,"model_loaded":true}) and,
// when that answered, its database path (`GET /health/db`: {"connection_pool":{"total","active",
// "idle"},"table_stats":{table: rows}}), keeps what it learned (Current) and hands it to the
// gauges (gauges.h), which export P_service_up and the health gauges.
//
// Up. The service is up when /health gave an HTTP answer within timeout_ms with a status under
// 500, or a 5xx whose body is a JSON object with a string `status`: a service that answers 503
// {"status":"unhealthy"} is running and telling us so (up, status "unhealthy"). Refused, timed
// out, reset, or a 5xx without such a body: down, with `error` a short text saying why.
//
// Fields are read from JSON object bodies (any Content-Type; a body that is not JSON, is nested
// deeper than kMaxJsonDepth or is cut at 1 MiB simply has no fields), each only when present and
// of the right type, else left unknown:
//   - from /health: `status` (a string), `database_connected`, `redis_connected`,
//     `model_loaded` (booleans), and the database fields below when the service puts them there;
//   - from /health/db (any status, read only when /health said up; its failure never makes the
//     service down): `connection_pool` (or `pool`), an object of non-negative integers `total`
//     (or `size`, `pool_size`), `active` (or `checked_out`, `checkedout`, `in_use`) and `idle`
//     (or `checked_in`, `checkedin`) — SQLAlchemy's QueuePool calls them size/checkedout/
//     checkedin — where a missing one of the three is derived from the other two
//     (total = active + idle); `table_stats`, an object of table -> rows, each an integer or an
//     object {"rows"|"row_count": n}, the first 100 tables by name (names of 1-128 bytes); and
//     `database_connected`. What /health/db reports replaces what /health did.
// A field the service stops sending is unknown again at the next probe (its gauge goes away).
//
// Thread-safety: Start/Stop from one thread. Current() from any thread. ProbeOnce() from any
// thread, also while the loop runs (probes are serialised: one http::Client, one at a time).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/background.h"
#include "common/clock.h"
#include "http/client.h"

namespace mw::proxy {

class HealthGauges;

// How a probe's /health request ended: the `result` label of
// modelwatch_proxy_health_probes_total.
enum class ProbeResult {
  kOk,         // an HTTP answer with a status under 400
  kHttpError,  // an HTTP answer with a status of 400 or more (up or down: see UpstreamHealth::up)
  kTimeout,    // no answer within timeout_ms (connecting included)
  kRefused,    // no connection could be made: refused, or the host unreachable
  kError,      // any other failure: reset, an empty reply, a malformed URL, no HTTP client
};

// "ok", "http_error", "timeout", "refused", "error".
std::string_view ProbeResultName(ProbeResult result);

struct UpstreamHealth {
  bool probed = false;  // false until the first probe ended; then every field below is its answer
  bool up = false;
  std::optional<std::string> status;  // /health's `status`, as sent
  std::optional<bool> database_connected, redis_connected, model_loaded;
  struct DbPool {
    int64_t total = 0, active = 0, idle = 0;
  };
  std::optional<DbPool> pool;
  std::map<std::string, int64_t> table_rows;  // at most 100 tables
  int64_t last_probe_ms = 0;                  // when the probe started (Clock, ms since epoch)
  double probe_seconds = 0;                   // how long /health took to answer (or fail)
  std::string error;                          // why the service is down; "" when up
  ProbeResult result = ProbeResult::kError;   // meaningful once probed
};

struct HealthProberOptions {
  std::string base_url;  // http://HOST:PORT of the upstream (a trailing '/' is ignored)
  std::string health_path = "/health";
  std::string db_path = "/health/db";  // "" = not probed
  int64_t interval_ms = 10000;         // > 0; from the end of one probe to the next one's start
  int64_t timeout_ms = 2000;           // > 0; per request, connecting included
};

class HealthProber {
 public:
  // `gauges` (may be null: nothing exported), `clock` and `errors` (may be null: stderr) must
  // outlive the prober. Makes its http::Client now; when libcurl cannot make one, every probe
  // ends down with result kError and says so in `error`.
  HealthProber(HealthProberOptions options, HealthGauges* gauges, const Clock& clock,
               BackgroundErrorReporter* errors);
  ~HealthProber();  // Stop()
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  // Starts the thread: a probe at once, then one every interval_ms. No-op when running.
  void Start();
  // Wakes the thread at once and joins it. A probe in flight is not cut short: Stop waits for
  // its request (at most timeout_ms), and a probe that Stop interrupted skips /health/db.
  // Idempotent; Start may follow.
  void Stop();

  // The last probe's answer; probed == false before the first one.
  UpstreamHealth Current() const;

  // One probe now, on the calling thread (after any probe in flight): updates Current() and the
  // gauges, and returns the answer. The loop calls it too; tests call it without Start.
  UpstreamHealth ProbeOnce();

 private:
  UpstreamHealth Probe(bool from_loop);
  http::ClientResponse Get(const std::string& path);
  bool StopRequested();
  void Run();

  const HealthProberOptions options_;
  const std::string base_url_;  // without a trailing '/'
  HealthGauges* const gauges_;
  const Clock& clock_;
  BackgroundErrorReporter* const errors_;

  std::mutex probe_mu_;  // one probe at a time; guards client_
  std::unique_ptr<http::Client> client_;
  std::string client_error_;  // why client_ is null

  mutable std::mutex current_mu_;
  UpstreamHealth current_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mw::proxy
