#include "proxy/health/prober.h"

#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/json_limits.h"
#include "common/truncate.h"
#include "proxy/health/gauges.h"

namespace mw::proxy {
namespace {

// This file is compiled in unity batches with the rest of mw_proxy: its helpers carry the
// Health prefix so that no other file's anonymous-namespace names collide with them.

using HealthJson = nlohmann::json;

// Health answers are a few hundred bytes; a larger one is cut (and then is not JSON).
constexpr size_t kHealthMaxBodyBytes = 1 << 20;
constexpr size_t kHealthMaxTables = 100;
constexpr size_t kHealthMaxTableNameBytes = 128;
// `error` is shown in modelwatch's own /health: a line, not a page of libcurl detail.
constexpr size_t kHealthMaxErrorBytes = 200;

// libcurl's curl_easy_strerror(CURLE_COULDNT_CONNECT): http::Client reports it as kNetwork with
// this summary (refused, or no route to the host).
constexpr std::string_view kHealthCouldNotConnect = "Couldn't connect to server";

// The body as a JSON object, or null when it is not one (not JSON, too deep, another type).
HealthJson ParseHealthObject(std::string_view body) {
  body = StripUtf8Bom(body);
  if (!CheckJsonDepth(body).ok()) return nullptr;
  HealthJson json = HealthJson::parse(body.begin(), body.end(), nullptr,
                                      /*allow_exceptions=*/false);
  if (!json.is_object()) return nullptr;
  return json;
}

std::optional<bool> HealthBool(const HealthJson& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

// A count: a non-negative integer, also when written as an integral float (10.0).
std::optional<int64_t> HealthCount(const HealthJson& value) {
  if (value.is_number_unsigned()) {
    const uint64_t n = value.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(n);
  }
  if (value.is_number_integer()) {
    const int64_t n = value.get<int64_t>();
    if (n < 0) return std::nullopt;
    return n;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^53: every integer below is exact in a double.
    if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// The count under the first of `keys` that `object` has, or nullopt when it has none. A key
// present with something else than a count sets `bad` (it is what the service sent for that
// field, so the other spellings are not looked at).
std::optional<int64_t> HealthFirstCount(const HealthJson& object,
                                        std::initializer_list<const char*> keys, bool& bad) {
  for (const char* key : keys) {
    const auto it = object.find(key);
    if (it == object.end()) continue;
    const std::optional<int64_t> count = HealthCount(*it);
    if (!count) bad = true;
    return count;
  }
  return std::nullopt;
}

std::optional<UpstreamHealth::DbPool> ReadHealthPool(const HealthJson& body) {
  auto it = body.find("connection_pool");
  if (it == body.end()) it = body.find("pool");
  if (it == body.end() || !it->is_object()) return std::nullopt;
  bool bad = false;
  std::optional<int64_t> total = HealthFirstCount(*it, {"total", "size", "pool_size"}, bad);
  std::optional<int64_t> active =
      HealthFirstCount(*it, {"active", "checked_out", "checkedout", "in_use"}, bad);
  std::optional<int64_t> idle = HealthFirstCount(*it, {"idle", "checked_in", "checkedin"}, bad);
  if (bad) return std::nullopt;
  // Two of the three give the third; a derived count below zero means they disagree.
  if (!total && active && idle) total = *active + *idle;
  if (total && !active && idle && *total >= *idle) active = *total - *idle;
  if (total && active && !idle && *total >= *active) idle = *total - *active;
  if (!total || !active || !idle) return std::nullopt;
  return UpstreamHealth::DbPool{*total, *active, *idle};
}

// nullopt when the body has no `table_stats` object (so a body without it changes nothing).
std::optional<std::map<std::string, int64_t>> ReadHealthTables(const HealthJson& body) {
  const auto it = body.find("table_stats");
  if (it == body.end() || !it->is_object()) return std::nullopt;
  std::map<std::string, int64_t> tables;
  // nlohmann keeps object members sorted by key: the first 100 by name.
  for (const auto& [name, value] : it->items()) {
    if (tables.size() == kHealthMaxTables) break;
    if (name.empty() || name.size() > kHealthMaxTableNameBytes) continue;
    bool bad = false;
    const std::optional<int64_t> rows = value.is_object()
                                            ? HealthFirstCount(value, {"rows", "row_count"}, bad)
                                            : HealthCount(value);
    if (rows) tables.emplace(name, *rows);
  }
  return tables;
}

// The database fields of either body; those present replace what `health` holds.
void ReadHealthDatabaseFields(const HealthJson& body, UpstreamHealth& health) {
  if (auto connected = HealthBool(body, "database_connected")) {
    health.database_connected = connected;
  }
  if (auto pool = ReadHealthPool(body)) health.pool = pool;
  if (auto tables = ReadHealthTables(body)) health.table_rows = std::move(*tables);
}

void ReadHealthServiceFields(const HealthJson& body, UpstreamHealth& health) {
  if (const auto it = body.find("status"); it != body.end() && it->is_string()) {
    health.status = it->get<std::string>();
  }
  health.redis_connected = HealthBool(body, "redis_connected");
  health.model_loaded = HealthBool(body, "model_loaded");
  ReadHealthDatabaseFields(body, health);
}

std::string HealthTransferError(const http::ClientResponse& response) {
  return TruncateForEcho(response.error_detail, kHealthMaxErrorBytes);
}

ProbeResult ClassifyHealthFailure(const http::ClientResponse& response) {
  switch (response.error) {
    case http::TransferError::kTimeout:
      return ProbeResult::kTimeout;
    case http::TransferError::kNetwork:
      return response.error_summary == kHealthCouldNotConnect ? ProbeResult::kRefused
                                                              : ProbeResult::kError;
    default:
      return ProbeResult::kError;
  }
}

// Judges /health's answer: result, up, error, and the fields of its body.
void JudgeHealthAnswer(const http::ClientResponse& response, UpstreamHealth& health) {
  if (!response.answered()) {
    health.result = ClassifyHealthFailure(response);
    health.error = HealthTransferError(response);
    return;
  }
  health.result = response.status < 400 ? ProbeResult::kOk : ProbeResult::kHttpError;
  const HealthJson body = ParseHealthObject(response.body);
  const auto status = body.find("status");  // end() when the body is not an object
  health.up = response.status < 500 || (status != body.end() && status->is_string());
  if (!health.up) {
    // A down service reports nothing: its fields would be guesses.
    health.error = "HTTP " + std::to_string(response.status) + " without a JSON \"status\"";
    return;
  }
  if (body.is_object()) ReadHealthServiceFields(body, health);
}

}  // namespace

std::string_view ProbeResultName(ProbeResult result) {
  switch (result) {
    case ProbeResult::kOk:
      return "ok";
    case ProbeResult::kHttpError:
      return "http_error";
    case ProbeResult::kTimeout:
      return "timeout";
    case ProbeResult::kRefused:
      return "refused";
    case ProbeResult::kError:
      break;
  }
  return "error";
}

HealthProber::HealthProber(HealthProberOptions options, HealthGauges* gauges, const Clock& clock,
                           BackgroundErrorReporter* errors)
    : options_(std::move(options)),
      base_url_(options_.base_url.ends_with('/')
                    ? options_.base_url.substr(0, options_.base_url.size() - 1)
                    : options_.base_url),
      gauges_(gauges),
      clock_(clock),
      errors_(errors) {
  Result<std::unique_ptr<http::Client>> client = http::Client::Create();
  if (client.has_value()) {
    client_ = std::move(*client);
  } else {
    client_error_ = "no HTTP client: " + client.error().message();
  }
}

HealthProber::~HealthProber() { Stop(); }

void HealthProber::Start() {
  std::lock_guard lock(loop_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void HealthProber::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthProber::Run() {
  std::unique_lock lock(loop_mu_);
  while (!stop_) {
    lock.unlock();
    // An exception (out of memory at worst) is reported and the next interval probes again.
    RunBackgroundPass(errors_, "health_prober", [this] { (void)Probe(/*from_loop=*/true); });
    lock.lock();
    loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                      [this] { return stop_; });
  }
}

bool HealthProber::StopRequested() {
  std::lock_guard lock(loop_mu_);
  return stop_;
}

UpstreamHealth HealthProber::Current() const {
  std::lock_guard lock(current_mu_);
  return current_;
}

UpstreamHealth HealthProber::ProbeOnce() { return Probe(/*from_loop=*/false); }

http::ClientResponse HealthProber::Get(const std::string& path) {
  http::ClientRequest request;
  request.url = base_url_ + path;
  request.headers = {"Accept: application/json", "User-Agent: modelwatch-health"};
  request.timeout_ms = options_.timeout_ms;
  request.connect_timeout_ms = options_.timeout_ms;
  request.max_body_bytes = kHealthMaxBodyBytes;
  return client_->Send(request);
}

UpstreamHealth HealthProber::Probe(bool from_loop) {
  std::lock_guard probe_lock(probe_mu_);
  UpstreamHealth health;
  health.probed = true;
  health.last_probe_ms = clock_.NowMillis();
  if (client_ == nullptr) {
    health.result = ProbeResult::kError;
    health.error = client_error_;
  } else {
    // Durations are measured on the steady clock (Clock gives the wall-clock time of day).
    const auto started = std::chrono::steady_clock::now();
    const http::ClientResponse response = Get(options_.health_path);
    health.probe_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    JudgeHealthAnswer(response, health);
    // A stop during /health: answer with what we have rather than hold Stop up another timeout.
    if (health.up && !options_.db_path.empty() && !(from_loop && StopRequested())) {
      const http::ClientResponse db = Get(options_.db_path);
      if (db.answered()) {
        const HealthJson body = ParseHealthObject(db.body);
        if (body.is_object()) ReadHealthDatabaseFields(body, health);
      }
    }
  }
  if (gauges_ != nullptr) gauges_->Update(health);
  {
    std::lock_guard lock(current_mu_);
    current_ = health;
  }
  return health;
}

}  // namespace mw::proxy
