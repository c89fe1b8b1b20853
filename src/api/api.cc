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
  router.Add("POST", "/v1/predictions",
             Guard(ctx.auth, config::Role::kIngest, PostPredictions(ctx.ingest)));
  router.Add("POST", "/v1/actuals",
             Guard(ctx.auth, config::Role::kIngest, PostActuals(ctx.ingest)));
  router.Add("GET", "/v1/models", Guard(ctx.auth, config::Role::kRead, ListModels(ctx.registry)));
  router.Add("GET", "/v1/models/{model}",
             Guard(ctx.auth, config::Role::kRead, GetModel(ctx.registry)));
  router.Add("PUT", "/v1/models/{model}",
             Guard(ctx.auth, config::Role::kAdmin, PutModel(ctx.registry)));
  router.Add("PUT", "/v1/models/{model}/versions/{version}",
             Guard(ctx.auth, config::Role::kAdmin, PutModelVersion(ctx.registry)));
  router.Add("GET", "/v1/predictions/{id}",
             Guard(ctx.auth, config::Role::kRead, GetPrediction(ctx.ingest)));
  router.Add("GET", "/v1/models/{model}/performance",
             Guard(ctx.auth, config::Role::kRead, GetPerformance(ctx.quality)));
  router.Add("GET", "/v1/models/{model}/drift",
             Guard(ctx.auth, config::Role::kRead, GetDrift(ctx.quality)));
  router.Add("GET", "/v1/models/{model}/quality",
             Guard(ctx.auth, config::Role::kRead, GetQuality(ctx.quality)));
  router.Add("GET", "/v1/models/{model}/history",
             Guard(ctx.auth, config::Role::kRead, GetHistory(ctx.quality)));
  router.Add("POST", "/v1/models/{model}/versions/{version}/reference",
             Guard(ctx.auth, config::Role::kAdmin, PostReference(ctx.quality)));
  router.Add("GET", "/v1/models/{model}/references",
             Guard(ctx.auth, config::Role::kRead, ListReferences(ctx.quality)));
  router.Add("GET", "/v1/admin/profiles",
             Guard(ctx.auth, config::Role::kAdmin, GetProfileCache(ctx.quality)));
  router.Add("POST", "/v1/admin/profiles/unload",
             Guard(ctx.auth, config::Role::kAdmin, PostProfileUnload(ctx.quality)));
  router.Add("GET", "/v1/admin/evaluator",
             Guard(ctx.auth, config::Role::kAdmin, GetEvaluator(ctx.quality)));
  router.Add("GET", "/v1/models/{model}/importance-change",
             Guard(ctx.auth, config::Role::kRead, GetImportanceChange(ctx.quality)));
  router.Add("GET", "/v1/alerts", Guard(ctx.auth, config::Role::kRead, GetAlerts(ctx.alerts)));
  router.Add("GET", "/v1/alerts/history",
             Guard(ctx.auth, config::Role::kRead, GetAlertHistory(ctx.alerts)));
  router.Add("GET", "/v1/rules", Guard(ctx.auth, config::Role::kRead, GetRules(ctx.alerts)));
  router.Add("GET", "/metrics", Guard(ctx.auth, config::Role::kRead, GetMetrics(ctx.health)));
  router.Add("GET", "/health", GetHealth(ctx.health));
  router.Add("GET", "/health/db", GetHealthDb(ctx.health));
  router.Add("GET", "/livez", GetLivez(ctx.health));
  router.Add("GET", "/readyz", GetReadyz(ctx.health));
}

}  // namespace mw::api
