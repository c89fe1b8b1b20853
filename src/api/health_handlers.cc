// Health and metrics routes. /livez answers without touching dependencies; /readyz, /health and
// /health/db check the store. Formats: ../shared/docs/conventions.md section 7.
#include <nlohmann/json.hpp>

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

}  // namespace

http::Handler GetMetrics(const ApiContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    http::Response r;
    r.status = 200;
    r.content_type = Metrics::kContentType;
    r.body = ctx.metrics->Serialize();
    respond(std::move(r));
  };
}

http::Handler GetHealth(const ApiContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status db = ctx.store->Ping();
    const bool db_ok = db.ok();
    const bool model_loaded = ctx.catalog->size() > 0;
    // Redis is optional: null when not configured; when configured and down we are degraded.
    Json redis_connected = nullptr;
    std::string redis_check = "not_configured";
    if (!ctx.config->redis.url.empty()) {
      const Status redis = ProbeRedis(ctx.config->redis.url, std::chrono::milliseconds(250));
      redis_connected = redis.ok();
      redis_check = redis.ok() ? "up" : "down";
    }
    Json checks = {{"database", db_ok ? "up" : "down"}, {"redis", redis_check}};
    std::string status = db_ok ? "healthy" : "unhealthy";
    if (db_ok && redis_check == "down") status = "degraded";
    if (db_ok) {
      auto stats = ctx.store->Stats();
      const auto queue_limit = ctx.config->storage.max_queue_requests;
      if (stats && stats->write_queue_depth * 10 >= queue_limit * 8) {
        status = "degraded";
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
                 {"checks", checks}};
    if (!db_ok) body["error"] = db.message();
    respond(NoStoreJsonResponse(status == "unhealthy" ? 503 : 200, body));
  };
}

http::Handler GetHealthDb(const ApiContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status db = ctx.store->Ping();
    auto stats = ctx.store->Stats();
    Json body = {{"database_status", db.ok() ? "connected" : "disconnected"},
                 {"backend", ctx.config->storage.backend}};
    if (stats) {
      body["connection_pool"] = {
          {"total", stats->pool.total}, {"active", stats->pool.active}, {"idle", stats->pool.idle}};
      body["table_stats"] = stats->table_rows;
      body["size_bytes"] = stats->size_bytes;
      body["write_queue_depth"] = stats->write_queue_depth;
    } else {
      body["error"] = stats.error().message();
    }
    if (!db.ok()) body["error"] = db.message();
    respond(NoStoreJsonResponse(db.ok() && stats ? 200 : 503, body));
  };
}

http::Handler GetLivez(const ApiContext&) {
  return [](http::Request&, const http::PathParams&, http::Responder respond) {
    http::Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok\n";
    respond(std::move(r));
  };
}

http::Handler GetReadyz(const ApiContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    const Status db = ctx.store->Ping();
    http::Response r;
    r.status = db.ok() ? 200 : 503;
    r.content_type = "text/plain; charset=utf-8";
    r.body = db.ok() ? "ok\n" : "not ready: " + db.message() + "\n";
    respond(std::move(r));
  };
}

}  // namespace mw::api
