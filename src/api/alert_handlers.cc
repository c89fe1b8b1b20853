// Built-in alert engine routes:
//   GET /v1/alerts            ?state=pending|firing|resolved, alertname=   active and resolved
//   alerts GET /v1/alerts/history    ?alertname=, state=, fingerprint=, from=, to=, before_id=,
//   limit= GET /v1/rules             every rule with its health and last evaluation
// 404 problem when the engine is off (alerting.enabled: false).
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "common/time_format.h"

namespace mw::api {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(FormatRfc3339Millis(ms)) : Json(nullptr); }

// A float as JSON: NaN and infinities (possible values of a condition) as strings, as
// Prometheus' API writes sample values.
Json Value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return v;
}

http::Response Disabled(const http::Request& req) {
  return http::Problem(404, "Not Found",
                       "the built-in alert engine is off (alerting.enabled: false)", req.path);
}

std::optional<int64_t> ParsePositive(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) return std::nullopt;
  return v;
}

bool ValidState(const std::string& s, bool allow_resolved) {
  return s == "pending" || s == "firing" || (allow_resolved && s == "resolved");
}

}  // namespace

http::Handler GetAlerts(const AlertContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    if (ctx.alerts == nullptr) return respond(Disabled(req));
    const std::string* state = req.query_param("state");
    const std::string* alertname = req.query_param("alertname");
    if (state != nullptr && !ValidState(*state, true)) {
      return respond(http::Problem(400, "Invalid query parameters", "1 invalid parameter(s)",
                                   req.path,
                                   {{"/query/state", "must be pending, firing or resolved"}}));
    }
    Json alerts = Json::array();
    for (const alerting::ActiveAlert& a : ctx.alerts->Alerts()) {
      const std::string_view s = alerting::AlertStateName(a.state);
      if (state != nullptr && s != *state) continue;
      if (alertname != nullptr && a.alertname != *alertname) continue;
      alerts.push_back(Json{{"alertname", a.alertname},
                            {"state", s},
                            {"labels", a.labels},
                            {"annotations", a.annotations},
                            {"active_at", TimeOrNull(a.active_at_ms)},
                            {"fired_at", TimeOrNull(a.fired_at_ms)},
                            {"resolved_at", TimeOrNull(a.resolved_at_ms)},
                            {"last_evaluation", TimeOrNull(a.last_evaluation_ms)},
                            {"value", Value(a.value)},
                            {"fingerprint", a.fingerprint},
                            {"group", a.group}});
    }
    respond(JsonResponse(200, Json{{"alerts", alerts}}));
  };
}

http::Handler GetAlertHistory(const AlertContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    if (ctx.alerts == nullptr) return respond(Disabled(req));
    alerting::HistoryQuery q;
    std::vector<http::ProblemField> errors;
    if (const std::string* v = req.query_param("alertname")) q.alertname = *v;
    if (const std::string* v = req.query_param("fingerprint")) q.fingerprint = *v;
    if (const std::string* v = req.query_param("state")) {
      if (!ValidState(*v, true)) {
        errors.push_back({"/query/state", "must be pending, firing or resolved"});
      }
      q.state = *v;
    }
    if (const std::string* v = req.query_param("from")) {
      auto t = ParseTime(*v);
      if (!t) errors.push_back({"/query/from", std::string(kTimeParameterReason)});
      q.from_ms = t.value_or(0);
    }
    if (const std::string* v = req.query_param("to")) {
      auto t = ParseTime(*v);
      if (!t) errors.push_back({"/query/to", std::string(kTimeParameterReason)});
      q.to_ms = t.value_or(0);
    }
    if (const std::string* v = req.query_param("before_id")) {
      auto id = ParsePositive(*v);
      if (!id) errors.push_back({"/query/before_id", "must be a positive integer"});
      q.before_id = id.value_or(0);
    }
    if (const std::string* v = req.query_param("limit")) {
      auto n = ParsePositive(*v);
      if (!n || *n > 1000) errors.push_back({"/query/limit", "must be an integer from 1 to 1000"});
      q.limit = static_cast<int>(n.value_or(100));
    }
    if (!errors.empty()) {
      return respond(http::Problem(400, "Invalid query parameters",
                                   std::to_string(errors.size()) + " invalid parameter(s)",
                                   req.path, errors));
    }
    auto history = ctx.alerts->History(q);
    if (!history.has_value()) return respond(StoreProblem(history.error(), req.path));
    Json out = Json::array();
    for (const alerting::AlertTransition& t : *history) {
      out.push_back(Json{{"id", t.id},
                         {"at", FormatRfc3339Millis(t.at_ms)},
                         {"alertname", t.alertname},
                         {"state", t.state},
                         {"labels", t.labels},
                         {"annotations", t.annotations},
                         {"value", Value(t.value)},
                         {"active_at", TimeOrNull(t.active_at_ms)},
                         {"fingerprint", t.fingerprint}});
    }
    Json body{{"history", out}};
    // The next page: ids below the last one returned.
    if (static_cast<int>(history->size()) == q.limit && !history->empty()) {
      body["next_before_id"] = history->back().id;
    }
    respond(JsonResponse(200, body));
  };
}

http::Handler GetRules(const AlertContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    if (ctx.alerts == nullptr) return respond(Disabled(req));
    Json groups = Json::array();
    for (const alerting::RuleStatus& r : ctx.alerts->Rules()) {
      if (groups.empty() || groups.back()["name"] != r.group) {
        groups.push_back(Json{{"name", r.group}, {"rules", Json::array()}});
      }
      groups.back()["rules"].push_back(Json{{"alert", r.alert},
                                            {"expr", r.expr},
                                            {"for_seconds", static_cast<double>(r.for_ms) / 1000},
                                            {"labels", r.labels},
                                            {"health", r.health},
                                            {"last_error", r.last_error},
                                            {"last_evaluation", TimeOrNull(r.last_evaluation_ms)},
                                            {"evaluation_seconds", r.last_duration_seconds},
                                            {"pending", r.pending},
                                            {"firing", r.firing}});
    }
    respond(JsonResponse(200, Json{{"groups", groups}}));
  };
}

}  // namespace mw::api
