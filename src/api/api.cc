#include "api/api.h"

#include "api/handlers.h"
#include "common/names.h"

namespace mw::api {

std::optional<http::Response> CheckPathNames(const http::Request& req,
                                             const http::PathParams& params) {
  std::vector<http::ProblemField> fields;
  for (const auto& [name, value] : params) {
    const size_t limit = name == "model"     ? kMaxModelNameBytes
                         : name == "version" ? kMaxVersionNameBytes
                                             : 0;
    if (limit == 0) continue;  // ids are not names (any string an ingest client sent)
    if (auto problem = NameProblem(value, limit)) fields.push_back({"/path/" + name, *problem});
  }
  if (fields.empty()) return std::nullopt;
  return http::Problem(400, "Invalid path parameter",
                       "the " + fields[0].pointer.substr(6) + " in the path " + fields[0].detail,
                       req.path, fields);
}

// The acting token's name travels to handlers (audit log) as the internal header
// x-modelwatch-actor; a client-sent header of that name is dropped first so it cannot be spoofed.
http::Handler Guard(const auth::Authenticator* auth, config::Role role, http::Handler handler) {
  return [auth, role, handler = std::move(handler)](
             http::Request& req, const http::PathParams& params, http::Responder respond) {
    req.headers.erase("x-modelwatch-actor");
    if (!auth->enabled()) {
      if (auto bad = CheckPathNames(req, params)) return respond(std::move(*bad));
      return handler(req, params, std::move(respond));
    }
    auto token = auth->Authenticate(req.header("authorization"));
    if (!token) {
      http::Response r = http::Problem(401, "Unauthorized", token.error().message(), req.path);
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"modelwatch\"");
      return respond(std::move(r));
    }
    if (!auth::Authenticator::Allows(**token, role)) {
      return respond(http::Problem(
          403, "Forbidden",
          "token '" + (*token)->name + "' lacks the role " + std::string(config::RoleName(role)),
          req.path));
    }
    req.headers["x-modelwatch-actor"] = (*token)->name;
    if (auto bad = CheckPathNames(req, params)) return respond(std::move(*bad));
    handler(req, params, std::move(respond));
  };
}

void RegisterRoutes(http::Router& router, const ApiContext& ctx) {
  using config::Role;
  struct Route {
    const char* method;
    const char* path;
    Role role;  // what the token needs when auth is enabled
    http::Handler handler;
  };
  // The routes behind authentication.
  Route guarded[] = {
      {"POST", "/v1/predictions", Role::kIngest, PostPredictions(ctx.ingest)},
      {"POST", "/v1/actuals", Role::kIngest, PostActuals(ctx.ingest)},
      {"GET", "/v1/models", Role::kRead, ListModels(ctx.registry)},
      {"GET", "/v1/models/{model}", Role::kRead, GetModel(ctx.registry)},
      {"PUT", "/v1/models/{model}", Role::kAdmin, PutModel(ctx.registry)},
      {"PUT", "/v1/models/{model}/versions/{version}", Role::kAdmin, PutModelVersion(ctx.registry)},
      {"GET", "/v1/predictions/{id}", Role::kRead, GetPrediction(ctx.ingest)},
      {"GET", "/v1/models/{model}/performance", Role::kRead, GetPerformance(ctx.quality)},
      {"GET", "/v1/models/{model}/drift", Role::kRead, GetDrift(ctx.quality)},
      {"GET", "/v1/models/{model}/quality", Role::kRead, GetQuality(ctx.quality)},
      {"GET", "/v1/models/{model}/history", Role::kRead, GetHistory(ctx.quality)},
      {"POST", "/v1/models/{model}/versions/{version}/reference", Role::kAdmin,
       PostReference(ctx.quality)},
      {"GET", "/v1/models/{model}/references", Role::kRead, ListReferences(ctx.quality)},
      {"GET", "/v1/admin/profiles", Role::kAdmin, GetProfileCache(ctx.quality)},
      {"POST", "/v1/admin/profiles/unload", Role::kAdmin, PostProfileUnload(ctx.quality)},
      {"GET", "/v1/admin/evaluator", Role::kAdmin, GetEvaluator(ctx.quality)},
      {"GET", "/v1/models/{model}/importance-change", Role::kRead,
       GetImportanceChange(ctx.quality)},
      {"GET", "/v1/alerts", Role::kRead, GetAlerts(ctx.alerts)},
      {"GET", "/v1/alerts/history", Role::kRead, GetAlertHistory(ctx.alerts)},
      {"GET", "/v1/rules", Role::kRead, GetRules(ctx.alerts)},
      {"GET", "/v1/retrain-requests", Role::kRead, ListRetrainRequests(ctx.retrain)},
      {"GET", "/v1/reports", Role::kRead, ListReports(ctx.reports)},
      {"GET", "/v1/reports/{model}/{name}", Role::kRead, GetReportFile(ctx.reports)},
      {"GET", "/v1/models/{model}/report", Role::kRead, GetModelReport(ctx.reports)},
      {"GET", "/metrics", Role::kRead, GetMetrics(ctx.health)},
      {"GET", "/v1/maintenance/runs", Role::kRead, ListMaintenanceRuns(ctx.maintenance)},
      {"GET", "/v1/maintenance/runs/{id}", Role::kRead, GetMaintenanceRun(ctx.maintenance)},
      {"POST", "/v1/maintenance/runs", Role::kAdmin, PostMaintenanceRun(ctx.maintenance)},
      {"GET", "/v1/maintenance/tasks", Role::kRead, ListMaintenanceTasks(ctx.maintenance)},
  };
  for (Route& r : guarded) {
    router.Add(r.method, r.path, Guard(ctx.auth, r.role, std::move(r.handler)));
  }
  // Health stays open: probes and load balancers carry no token.
  router.Add("GET", "/health", GetHealth(ctx.health));
  router.Add("GET", "/health/db", GetHealthDb(ctx.health));
  router.Add("GET", "/livez", GetLivez(ctx.health));
  router.Add("GET", "/readyz", GetReadyz(ctx.health));
}

}  // namespace mw::api
