// GET /v1/retrain-requests: the retraining requests of check-drift-and-retrain and retrain-all
// (maintenance/retrain_trigger.h), newest first.
#include <charconv>

#include "api/handlers.h"
#include "common/names.h"
#include "common/time_format.h"

namespace mw::api {
namespace {

using Json = nlohmann::ordered_json;

std::optional<int64_t> ParseRetrainLimit(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > 1000) {
    return std::nullopt;
  }
  return v;
}

Json RetrainRequestJson(const store::RetrainRequest& r) {
  return Json{{"id", r.id},
              {"model", r.model},
              {"segment", r.segment},
              {"version", r.version},
              {"reason", r.reason},
              {"task", r.task},
              {"requested_at", FormatRfc3339Millis(r.requested_at_ms)},
              {"finished_at",
               r.finished_at_ms ? Json(FormatRfc3339Millis(*r.finished_at_ms)) : Json(nullptr)},
              {"status", r.status},
              {"outcome", r.outcome}};
}

}  // namespace

http::Handler ListRetrainRequests(const RetrainContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    store::RetrainRequestQuery q;
    std::vector<http::ProblemField> errors;
    if (const std::string* v = req.query_param("model")) {
      if (auto problem = NameProblem(*v, kMaxModelNameBytes)) {
        errors.push_back({"/query/model", *problem});
      }
      q.model = *v;
    }
    if (const std::string* v = req.query_param("segment")) {
      if (!v->empty()) {
        if (auto problem = NameProblem(*v, kMaxSegmentNameBytes)) {
          errors.push_back({"/query/segment", *problem});
        }
      }
      q.segment = *v;  // "" = the model-wide requests
    }
    if (const std::string* v = req.query_param("limit")) {
      auto n = ParseRetrainLimit(*v);
      if (!n) errors.push_back({"/query/limit", "must be an integer from 1 to 1000"});
      q.limit = n.value_or(100);
    }
    if (!errors.empty()) {
      return respond(http::Problem(400, "Invalid query parameters",
                                   std::to_string(errors.size()) + " invalid parameter(s)",
                                   req.path, errors));
    }
    auto requests = ctx.store->ListRetrainRequests(q);
    if (!requests.has_value()) return respond(StoreProblem(requests.error(), req.path));
    Json list = Json::array();
    for (const store::RetrainRequest& r : *requests) list.push_back(RetrainRequestJson(r));
    respond(JsonResponse(200, Json{{"requests", std::move(list)}}));
  };
}

}  // namespace mw::api
