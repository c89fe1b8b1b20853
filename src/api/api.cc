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
http::Handler Guard(const ApiContext& ctx, Role role, http::Handler handler) {
  return [&ctx, role, handler = std::move(handler)](
             http::Request& req, const http::PathParams& params, http::Responder respond) {
    req.headers.erase("x-modelwatch-actor");
    if (!ctx.auth->enabled()) {
      if (auto bad = CheckPathNames(req, params)) return respond(std::move(*bad));
      return handler(req, params, std::move(respond));
    }
    auto token = ctx.auth->Authenticate(req.header("authorization"));
    if (!token) {
      http::Response r = http::Problem(401, "Unauthorized", token.error().message(), req.path);
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"modelwatch\"");
      return respond(std::move(r));
    }
    if (!Authenticator::Allows(**token, role)) {
      return respond(http::Problem(
          403, "Forbidden",
          "token '" + (*token)->name + "' lacks the role " + std::string(RoleName(role)),
          req.path));
    }
    req.headers["x-modelwatch-actor"] = (*token)->name;
    if (auto bad = CheckPathNames(req, params)) return respond(std::move(*bad));
    handler(req, params, std::move(respond));
  };
}

void RegisterRoutes(http::Router& router, const ApiContext& ctx) {
  router.Add("POST", "/v1/predictions", Guard(ctx, Role::kIngest, PostPredictions(ctx)));
  router.Add("POST", "/v1/actuals", Guard(ctx, Role::kIngest, PostActuals(ctx)));
  router.Add("GET", "/v1/models", Guard(ctx, Role::kRead, ListModels(ctx)));
  router.Add("GET", "/v1/models/{model}", Guard(ctx, Role::kRead, GetModel(ctx)));
  router.Add("PUT", "/v1/models/{model}", Guard(ctx, Role::kAdmin, PutModel(ctx)));
  router.Add("PUT", "/v1/models/{model}/versions/{version}",
             Guard(ctx, Role::kAdmin, PutModelVersion(ctx)));
  router.Add("GET", "/v1/predictions/{id}", Guard(ctx, Role::kRead, GetPrediction(ctx)));
  router.Add("GET", "/v1/models/{model}/performance", Guard(ctx, Role::kRead, GetPerformance(ctx)));
  router.Add("GET", "/v1/models/{model}/drift", Guard(ctx, Role::kRead, GetDrift(ctx)));
  router.Add("GET", "/v1/models/{model}/quality", Guard(ctx, Role::kRead, GetQuality(ctx)));
  router.Add("GET", "/v1/models/{model}/history", Guard(ctx, Role::kRead, GetHistory(ctx)));
  router.Add("POST", "/v1/models/{model}/versions/{version}/reference",
             Guard(ctx, Role::kAdmin, PostReference(ctx)));
  router.Add("GET", "/v1/models/{model}/references", Guard(ctx, Role::kRead, ListReferences(ctx)));
  router.Add("GET", "/v1/admin/profiles", Guard(ctx, Role::kAdmin, GetProfileCache(ctx)));
  router.Add("POST", "/v1/admin/profiles/unload", Guard(ctx, Role::kAdmin, PostProfileUnload(ctx)));
  router.Add("GET", "/v1/admin/evaluator", Guard(ctx, Role::kAdmin, GetEvaluator(ctx)));
  router.Add("GET", "/v1/models/{model}/importance-change",
             Guard(ctx, Role::kRead, GetImportanceChange(ctx)));
  router.Add("GET", "/v1/alerts", Guard(ctx, Role::kRead, GetAlerts(ctx)));
  router.Add("GET", "/v1/alerts/history", Guard(ctx, Role::kRead, GetAlertHistory(ctx)));
  router.Add("GET", "/v1/rules", Guard(ctx, Role::kRead, GetRules(ctx)));
  router.Add("GET", "/metrics", Guard(ctx, Role::kRead, GetMetrics(ctx)));
  router.Add("GET", "/health", GetHealth(ctx));
  router.Add("GET", "/health/db", GetHealthDb(ctx));
  router.Add("GET", "/livez", GetLivez(ctx));
  router.Add("GET", "/readyz", GetReadyz(ctx));
}

}  // namespace mw::api
