// Route handlers, grouped by concern: ingest_handlers.cc, registry_handlers.cc,
// quality_handlers.cc, alert_handlers.cc, health_handlers.cc. Each returns an http::Handler bound
// to its group's context (api.h), which must outlive the handler.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "http/http.h"
#include "ingest/decode.h"

namespace mw::api {

http::Handler PostPredictions(const IngestContext& ctx);
http::Handler PostActuals(const IngestContext& ctx);
http::Handler GetPrediction(const IngestContext& ctx);

http::Handler ListModels(const RegistryContext& ctx);
http::Handler GetModel(const RegistryContext& ctx);
http::Handler PutModel(const RegistryContext& ctx);
http::Handler PutModelVersion(const RegistryContext& ctx);

// Quality engine (quality_handlers.cc).
http::Handler GetPerformance(const QualityContext& ctx);
http::Handler GetDrift(const QualityContext& ctx);
http::Handler GetQuality(const QualityContext& ctx);
http::Handler GetHistory(const QualityContext& ctx);
http::Handler PostReference(const QualityContext& ctx);
http::Handler ListReferences(const QualityContext& ctx);
http::Handler GetProfileCache(const QualityContext& ctx);
http::Handler PostProfileUnload(const QualityContext& ctx);
http::Handler GetEvaluator(const QualityContext& ctx);
http::Handler GetImportanceChange(const QualityContext& ctx);

// Built-in alert engine (alert_handlers.cc).
http::Handler GetAlerts(const AlertContext& ctx);
http::Handler GetAlertHistory(const AlertContext& ctx);
http::Handler GetRules(const AlertContext& ctx);

// Maintenance runs and tasks (maintenance_handlers.cc).
http::Handler ListMaintenanceRuns(const MaintenanceContext& ctx);
http::Handler GetMaintenanceRun(const MaintenanceContext& ctx);
http::Handler PostMaintenanceRun(const MaintenanceContext& ctx);
http::Handler ListMaintenanceTasks(const MaintenanceContext& ctx);

// Retraining requests (retrain_handlers.cc).
http::Handler ListRetrainRequests(const RetrainContext& ctx);

// Performance reports (report_handlers.cc).
http::Handler ListReports(const ReportContext& ctx);
http::Handler GetReportFile(const ReportContext& ctx);
http::Handler GetModelReport(const ReportContext& ctx);

http::Handler GetMetrics(const HealthContext& ctx);
http::Handler GetHealth(const HealthContext& ctx);
http::Handler GetHealthDb(const HealthContext& ctx);
http::Handler GetLivez(const HealthContext& ctx);
http::Handler GetReadyz(const HealthContext& ctx);

// A time query parameter (from, to): common/time_format.h's ParseTimeParameter (RFC 3339 or unix
// seconds within 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z).
std::optional<int64_t> ParseTime(const std::string& text);
// What a problem says about a bad time parameter.
inline constexpr std::string_view kTimeParameterReason =
    "must be RFC 3339 or unix seconds, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

// Maps a store failure to a problem response (409 conflict, 503 unavailable/overloaded, 500).
http::Response StoreProblem(const Status& status, const std::string& instance);

// A JSON response; invalid UTF-8 in strings is replaced rather than making the dump throw.
template <typename Json>
http::Response JsonResponse(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

// Who made a request, for the audit log: its X-Modelwatch-Actor header, or "anonymous".
inline std::string Actor(const http::Request& req) {
  const auto actor = req.header("x-modelwatch-actor");
  return actor.empty() ? "anonymous" : std::string(actor);
}

// A 400 problem naming "/path/model" or "/path/version" when such a path parameter (decoded)
// breaks the name rules of common/names.h (UTF-8, no control characters, 128 bytes); nullopt when
// every one is fine. Guard runs it on every route, after authentication.
std::optional<http::Response> CheckPathNames(const http::Request& req,
                                             const http::PathParams& params);

// Checks the nesting of a JSON request body (common/json_limits.h) before it is parsed with
// nlohmann (whose dump() and copies recurse). Returns true when it is within the limit; else
// answers 400 naming the limit and returns false.
bool RequireJsonDepth(std::string_view body, const http::Request& req,
                      const http::Responder& respond);
// A request body that must be one JSON object (a UTF-8 byte order mark skipped, the nesting
// checked first by RequireJsonDepth); with `empty_is_object` an empty body reads as {}. Anything
// else is answered 400 "not a JSON object" (or the depth problem) and gives nullopt.
std::optional<nlohmann::ordered_json> ReadJsonObjectBody(const http::Request& req,
                                                         const http::Responder& respond,
                                                         bool empty_is_object = false);

}  // namespace mw::api
