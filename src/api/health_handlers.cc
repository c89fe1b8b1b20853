// Health and metrics routes. /livez answers without touching dependencies; /readyz, /health and
// /health/db check the store (that it answers and that writes succeed); /health also checks the
// data directory's free space. Formats: docs/api.md (health), the fields Kubernetes probes and
// load balancers read.
#include <sys/statvfs.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "api/handlers.h"
#include "api/redis_probe.h"
#include "common/time_format.h"

namespace mw::api {
namespace {

// Ordered, so documents read as documented: "status" first.
using Json = nlohmann::ordered_json;

// Health answers must never be served from a cache.
http::Response NoStoreJsonResponse(int status, const Json& body) {
  http::Response r = JsonResponse(status, body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// Free bytes for unprivileged writers on the disk of `dir` (statvfs), or nullopt when unknown.
std::optional<int64_t> DiskFreeBytes(const std::string& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

// Ping, then whether writes succeed: what /readyz and /health/db require.
Status StoreUsable(const store::Store& store) {
  if (Status s = store.Ping(); !s.ok()) return s;
  return store.WriteHealth();
}

// The `upstream` section of /health: what the proxy's prober last learned of the watched API.
Json UpstreamSection(const HealthContext& ctx, const proxy::UpstreamHealth& h) {
  auto optional_bool = [](const std::optional<bool>& v) { return v ? Json(*v) : Json(nullptr); };
  return {{"url", ctx.upstream_url},
          {"up", h.probed ? Json(h.up) : Json(nullptr)},
          {"status", h.status ? Json(*h.status) : Json(nullptr)},
          {"database_connected", optional_bool(h.database_connected)},
          {"redis_connected", optional_bool(h.redis_connected)},
          {"model_loaded", optional_bool(h.model_loaded)},
          {"last_probe", h.probed ? Json(FormatRfc3339Millis(h.last_probe_ms)) : Json(nullptr)},
          {"probe_seconds", h.probed ? Json(h.probe_seconds) : Json(nullptr)},
          {"error", h.error.empty() ? Json(nullptr) : Json(h.error)}};
}

}  // namespace

http::Handler GetMetrics(const HealthContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    http::Response r;
    r.status = 200;
    r.content_type = telemetry::Metrics::kContentType;
    r.body = ctx.metrics->Serialize();
    respond(std::move(r));
  };
}

// unhealthy (503): the database does not answer, or writes to it fail (a full disk);
// degraded (200): Redis down, the write queue over 80 % full, the disk's free space under
// storage.min_free_bytes, or (with the proxy) the watched upstream down. The upstream never makes
// modelwatch unhealthy: a sidecar restarted for its upstream's outage would only lose captures.
// With the proxy, `model_loaded` is what the upstream's /health says (null until it said it).
http::Handler GetHealth(const HealthContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status db = ctx.store->Ping();
    const bool db_ok = db.ok();
    const Status writes = ctx.store->WriteHealth();
    Json model_loaded = ctx.catalog->size() > 0;
    std::optional<proxy::UpstreamHealth> upstream;
    if (ctx.upstream != nullptr) {
      upstream = ctx.upstream->Current();
      model_loaded = upstream->model_loaded ? Json(*upstream->model_loaded) : Json(nullptr);
    }
    // Redis is optional: null when not configured; when configured and down we are degraded.
    Json redis_connected = nullptr;
    std::string redis_check = "not_configured";
    if (ctx.cache_redis_up) {
      const bool up = ctx.cache_redis_up();
      redis_connected = up;
      redis_check = up ? "up" : "down";
    } else if (!ctx.redis->url.empty()) {
      const Status redis = ProbeRedis(ctx.redis->url, std::chrono::milliseconds(250));
      redis_connected = redis.ok();
      redis_check = redis.ok() ? "up" : "down";
    }
    const std::string& data_dir = ctx.storage->data_dir;
    const int64_t min_free = ctx.storage->min_free_bytes;
    const std::optional<int64_t> free_bytes = DiskFreeBytes(data_dir);
    const std::string disk_check = !free_bytes ? "unknown" : *free_bytes < min_free ? "low" : "ok";
    Json checks = {{"database", db_ok ? "up" : "down"},
                   {"database_writes", writes.ok() ? "ok" : "failing"},
                   {"disk_space", disk_check},
                   {"redis", redis_check}};
    std::string upstream_check;
    if (upstream) {
      upstream_check = !upstream->probed ? "unknown" : upstream->up ? "up" : "down";
      checks["upstream"] = upstream_check;
    }
    const bool healthy = db_ok && writes.ok();
    std::string status = healthy ? "healthy" : "unhealthy";
    if (healthy && (redis_check == "down" || disk_check == "low" || upstream_check == "down")) {
      status = "degraded";
    }
    if (db_ok) {
      auto stats = ctx.store->Stats();
      const auto queue_limit = ctx.storage->max_queue_requests;
      if (stats && stats->write_queue_depth * 10 >= queue_limit * 8) {
        if (healthy) status = "degraded";
        checks["write_queue"] = "near_full";
      }
    }
    Json body = {{"status", status},
                 {"timestamp", FormatRfc3339Seconds(ctx.clock->NowMillis())},
                 {"database_connected", db_ok},
                 {"redis_connected", redis_connected},
                 {"model_loaded", model_loaded},
                 {"version", ctx.version},
                 {"uptime_seconds", (ctx.clock->NowMillis() - ctx.started_at_ms) / 1000.0},
                 {"checks", checks},
                 {"disk",
                  {{"path", data_dir},
                   {"free_bytes", free_bytes ? Json(*free_bytes) : Json(nullptr)},
                   {"min_free_bytes", min_free}}}};
    if (upstream) body["upstream"] = UpstreamSection(ctx, *upstream);
    if (!db_ok) {
      body["error"] = db.message();
    } else if (!writes.ok()) {
      body["error"] = writes.message();
    }
    respond(NoStoreJsonResponse(status == "unhealthy" ? 503 : 200, body));
  };
}

http::Handler GetHealthDb(const HealthContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status db = ctx.store->Ping();
    const Status writes = ctx.store->WriteHealth();
    auto stats = ctx.store->Stats();
    Json body = {{"database_status", db.ok() ? "connected" : "disconnected"},
                 {"writes", writes.ok() ? "ok" : "failing"},
                 {"backend", ctx.storage->backend}};
    if (stats) {
      body["connection_pool"] = {
          {"total", stats->pool.total}, {"active", stats->pool.active}, {"idle", stats->pool.idle}};
      body["table_stats"] = stats->table_rows;
      body["size_bytes"] = stats->size_bytes;
      body["write_queue_depth"] = stats->write_queue_depth;
    } else {
      body["error"] = stats.error().message();
    }
    if (!writes.ok()) body["error"] = writes.message();
    if (!db.ok()) body["error"] = db.message();
    respond(NoStoreJsonResponse(db.ok() && writes.ok() && stats ? 200 : 503, body));
  };
}

http::Handler GetLivez(const HealthContext&) {
  return [](http::Request&, const http::PathParams&, http::Responder respond) {
    http::Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok\n";
    respond(std::move(r));
  };
}

http::Handler GetReadyz(const HealthContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status usable = StoreUsable(*ctx.store);
    http::Response r;
    r.status = usable.ok() ? 200 : 503;
    r.content_type = "text/plain; charset=utf-8";
    r.body = usable.ok() ? "ok\n" : "not ready: " + usable.message() + "\n";
    respond(std::move(r));
  };
}

}  // namespace mw::api
