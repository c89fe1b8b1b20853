// Model registry routes: PUT /v1/models/{model}, PUT /v1/models/{model}/versions/{version},
// GET /v1/models, GET /v1/models/{model}. Writes are audited.
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "common/truncate.h"
#include "registry/document.h"

namespace mw::api {
namespace {

using nlohmann::json;

bool RequireJsonResponse(const http::Request& req, const http::Responder& respond) {
  if (req.media_type() == "application/json") return true;
  respond(http::Problem(415, "Unsupported Media Type",
                        "Content-Type must be application/json, got '" +
                            TruncateForEcho(req.header("content-type")) + "'",
                        req.path, {{"", "unsupported content type"}}));
  return false;
}

void RespondInvalid(const http::Request& req, const std::vector<FieldError>& errors, bool malformed,
                    const http::Responder& respond) {
  if (malformed) {
    respond(http::Problem(400, "Malformed request body",
                          errors.empty() ? "not valid JSON" : errors[0].detail, req.path, errors));
  } else {
    respond(http::Problem(422, "Invalid request body",
                          std::to_string(errors.size()) + " invalid field(s)", req.path, errors));
  }
}

}  // namespace

http::Handler ListModels(const RegistryContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    auto models = ctx.store->ListModels();
    if (!models) return respond(StoreProblem(models.error(), req.path));
    json list = json::array();
    for (const auto& m : *models) list.push_back(registry::ModelToJson(m));
    respond(JsonResponse(200, json{{"models", std::move(list)}}));
  };
}

http::Handler GetModel(const RegistryContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    const std::string& name = params.at("model");
    auto model = ctx.store->GetModel(name);
    if (!model) return respond(StoreProblem(model.error(), req.path));
    auto versions = ctx.store->ListModelVersions(name);
    if (!versions) return respond(StoreProblem(versions.error(), req.path));
    json body = registry::ModelToJson(*model);
    json list = json::array();
    for (const auto& v : *versions) list.push_back(registry::ModelVersionToJson(v));
    body["versions"] = std::move(list);
    respond(JsonResponse(200, body));
  };
}

http::Handler PutModel(const RegistryContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    if (!RequireJsonResponse(req, respond)) return;
    const std::string& name = params.at("model");
    auto parsed = registry::ParseModelDocument(name, req.body);
    if (!parsed.errors.empty())
      return RespondInvalid(req, parsed.errors, parsed.malformed, respond);
    registry::ModelInfo model = std::move(*parsed.value);
    const bool existed = ctx.store->GetModel(name).has_value();
    if (Status s = ctx.store->UpsertModel(model); !s.ok()) {
      return respond(StoreProblem(s, req.path));
    }
    ctx.catalog->Set(model.name, model.task);
    ctx.logger->Audit(Actor(req), existed ? "model.update" : "model.create", name,
                      {{"task", std::string(registry::ModelTaskName(model.task))},
                       {"client.address", req.remote_address}});
    auto stored = ctx.store->GetModel(name);
    if (!stored) return respond(StoreProblem(stored.error(), req.path));
    http::Response r = JsonResponse(existed ? 200 : 201, registry::ModelToJson(*stored));
    if (!existed) r.headers.emplace_back("Location", "/v1/models/" + name);
    respond(std::move(r));
  };
}

http::Handler PutModelVersion(const RegistryContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    if (!RequireJsonResponse(req, respond)) return;
    const std::string& name = params.at("model");
    const std::string& version = params.at("version");
    auto parsed = registry::ParseModelVersionDocument(name, version, req.body);
    if (!parsed.errors.empty())
      return RespondInvalid(req, parsed.errors, parsed.malformed, respond);
    registry::ModelVersionInfo info = std::move(*parsed.value);
    info.created_at_ms = ctx.clock->NowMillis();
    if (Status s = ctx.store->UpsertModelVersion(info); !s.ok()) {
      return respond(StoreProblem(s, req.path));
    }
    ctx.catalog->MarkRegistered(name);
    ctx.logger->Audit(Actor(req), "model_version.upsert", name + "/" + version,
                      {{"segment", info.segment},
                       {"latest", info.is_latest},
                       {"client.address", req.remote_address}});
    ctx.metrics->Record(info);
    respond(JsonResponse(200, registry::ModelVersionToJson(info)));
  };
}

}  // namespace mw::api
