// POST /v1/predictions and POST /v1/actuals: decode + validate (ingest/decode.h), then hand the
// batch to the store's group-commit writer; answer 202 only once the store reports it durable.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/handlers.h"
#include "api/ingest_pipeline.h"
#include "common/json.h"  // AppendJsonString: the decoders' JSON string escaper
#include "common/json_limits.h"
#include "common/time_format.h"
#include "common/truncate.h"
#include "ingest/decode.h"

namespace mw::api {
namespace {

using nlohmann::json;

// Content negotiation shared by both ingest routes. Returns nullopt after answering 415.
std::optional<ingest::BodyFormat> RequireIngestMediaType(const http::Request& req,
                                                         const http::Responder& respond) {
  const std::string media = req.media_type();
  if (media == "application/json") return ingest::BodyFormat::kJson;
  if (media == "application/x-ndjson" || media == "application/ndjson" ||
      media == "application/jsonl") {
    return ingest::BodyFormat::kNdjson;
  }
  http::Response r =
      http::Problem(415, "Unsupported Media Type",
                    "Content-Type must be application/json or application/x-ndjson, got '" +
                        TruncateForEcho(req.header("content-type")) + "'",
                    req.path, {{"", "unsupported content type"}});
  r.headers.emplace_back("Accept-Post", "application/json, application/x-ndjson");
  respond(std::move(r));
  return std::nullopt;
}

// "5 invalid field(s); nothing was stored", or with more than the decoder lists
// "5000 invalid field(s), the first 100 listed; nothing was stored".
template <typename Decoded>
std::string InvalidFieldsDetail(const Decoded& decoded) {
  const size_t total = std::max(decoded.error_count, decoded.errors.size());
  std::string detail = std::to_string(total) + " invalid field(s)";
  if (total > decoded.errors.size()) {
    detail += ", the first " + std::to_string(decoded.errors.size()) + " listed";
  }
  return detail + "; nothing was stored";
}

// Answers 400/413/422 for a failed decode. Returns true when it answered.
template <typename Decoded>
bool AnswerDecodeFailure(const IngestContext& ctx, const http::Request& req, const Decoded& decoded,
                         const http::Responder& respond) {
  switch (decoded.failure) {
    case ingest::DecodeFailure::kNone:
      return false;
    case ingest::DecodeFailure::kMalformed:
      ctx.metrics->RecordRejected("malformed");
      respond(http::Problem(400, "Malformed request body",
                            decoded.errors.empty() ? "not valid JSON" : decoded.errors[0].detail,
                            req.path, decoded.errors));
      return true;
    case ingest::DecodeFailure::kTooManyEvents:
      ctx.metrics->RecordRejected("too_many_events");
      respond(http::Problem(413, "Too many events",
                            "a request may carry at most " +
                                std::to_string(ctx.limits->max_events_per_request) + " events",
                            req.path, decoded.errors));
      return true;
    case ingest::DecodeFailure::kInvalid:
      ctx.metrics->RecordRejected("invalid");
      respond(http::Problem(422, "Invalid request body", InvalidFieldsDetail(decoded), req.path,
                            decoded.errors));
      return true;
  }
  return false;
}

// Whether a JSON body is the {"events":[...]} envelope: its first key is "events" (a single event
// cannot have that key: unknown fields are rejected), so a feature named "events" does not count.
bool StartsWithEventsKey(std::string_view body) {
  body = StripUtf8Bom(body);  // as the decoder does
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < body.size() &&
           (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) {
      ++i;
    }
  };
  skip_ws();
  if (i >= body.size() || body[i] != '{') return false;
  ++i;
  skip_ws();
  return body.substr(i).starts_with("\"events\"");
}

// The pointer of the event carrying `id`, for a 409 naming the offending field.
std::string PointerOfId(const std::vector<std::string>& ids, ingest::BodyFormat format,
                        bool enveloped, const std::string& message) {
  // From the end: for an id repeated inside the batch, the later occurrence is the offending one.
  for (size_t i = ids.size(); i-- > 0;) {
    if (message.find("id \"" + ids[i] + "\"") != std::string::npos) {
      if (format == ingest::BodyFormat::kNdjson) return "/" + std::to_string(i) + "/id";
      return enveloped ? "/events/" + std::to_string(i) + "/id" : "/id";
    }
  }
  return "";
}

// The pointer of event `index` (in decoded order), as the decoder names it: "/events/<i>" or ""
// for the JSON shapes, "/<line>" for NDJSON, where blank lines count (decode.h).
std::string EventPointer(std::string_view body, ingest::BodyFormat format, bool enveloped,
                         size_t index) {
  if (format == ingest::BodyFormat::kJson)
    return enveloped ? "/events/" + std::to_string(index) : "";
  size_t line = 0, seen = 0, start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view text = body.substr(start, end - start);
    if (text.find_first_not_of(" \t\r") != std::string_view::npos) {
      if (seen++ == index) break;
    }
    ++line;
    start = end + 1;
  }
  return "/" + std::to_string(line);
}

// Admits the batch's models (ingest.max_models, ingest.require_registered_models; see
// ModelCatalog). On refusal answers 422 naming the "/model" of every event of a refused model
// (at most 100) and returns null; nothing of the request is stored.
std::shared_ptr<ModelCatalog::Admission> AdmitModels(
    const IngestContext& ctx, const http::Request& req, ingest::BodyFormat format,
    const std::vector<ingest::PredictionEvent>& events, const http::Responder& respond) {
  const AdmissionPolicy policy{static_cast<size_t>(ctx.limits->max_models),
                               ctx.limits->require_registered_models};
  ModelCatalog::AdmitResult admitted = AdmitEventModels(ctx, events);
  if (admitted.refused.empty()) return std::move(admitted.admission);

  const bool over_cap = admitted.refused[0].reason == ModelCatalog::Refusal::Reason::kOverCap;
  ctx.metrics->RecordRejected(over_cap ? "max_models" : "unregistered_model");
  std::map<std::string_view, std::string> details;
  for (const auto& r : admitted.refused) {
    details[r.model] =
        r.reason == ModelCatalog::Refusal::Reason::kOverCap
            ? "model \"" + r.model + "\" is new and the server already knows " +
                  std::to_string(ctx.catalog->size()) + " models, the limit ingest.max_models (" +
                  std::to_string(policy.max_models) + "); register it first (PUT /v1/models/" +
                  r.model + ") or raise ingest.max_models"
            : "model \"" + r.model +
                  "\" is not registered and ingest.require_registered_models is on; register it "
                  "first (PUT /v1/models/" +
                  r.model + ")";
  }
  const bool enveloped = format == ingest::BodyFormat::kJson && StartsWithEventsKey(req.body);
  std::vector<http::ProblemField> fields;
  for (size_t i = 0; i < events.size() && fields.size() < ingest::kMaxReportedFieldErrors; ++i) {
    auto it = details.find(events[i].model);
    if (it == details.end()) continue;
    fields.push_back({EventPointer(req.body, format, enveloped, i) + "/model", it->second});
  }
  respond(http::Problem(422, over_cap ? "Too many models" : "Model not registered",
                        fields[0].detail + "; nothing was stored", req.path, fields));
  return nullptr;
}

}  // namespace

bool RequireJsonDepth(std::string_view body, const http::Request& req,
                      const http::Responder& respond) {
  const Status depth = CheckJsonDepth(body);
  if (depth.ok()) return true;
  respond(http::Problem(400, "Malformed request body", depth.message(), req.path,
                        {{"", depth.message()}}));
  return false;
}

std::optional<nlohmann::ordered_json> ReadJsonObjectBody(const http::Request& req,
                                                         const http::Responder& respond,
                                                         bool empty_is_object) {
  const std::string_view text = StripUtf8Bom(req.body);
  if (!RequireJsonDepth(text, req, respond)) return std::nullopt;
  nlohmann::ordered_json doc = text.empty() && empty_is_object
                                   ? nlohmann::ordered_json::object()
                                   : nlohmann::ordered_json::parse(text, nullptr, false);
  if (!doc.is_object()) {
    respond(http::Problem(400, "Malformed request body", "not a JSON object", req.path,
                          {{"", "not a JSON object"}}));
    return std::nullopt;
  }
  return doc;
}

http::Response StoreProblem(const Status& status, const std::string& instance) {
  switch (status.code()) {
    case StatusCode::kAlreadyExists:
      return http::Problem(409, "Conflict", status.message(), instance);
    case StatusCode::kResourceExhausted: {
      auto r = http::Problem(503, "Overloaded", status.message(), instance);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case StatusCode::kUnavailable: {
      auto r = http::Problem(503, "Storage unavailable", status.message(), instance);
      r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    case StatusCode::kNotFound:
      return http::Problem(404, "Not Found", status.message(), instance);
    case StatusCode::kInvalidArgument:
      return http::Problem(422, "Invalid request", status.message(), instance);
    default:
      return http::Problem(500, "Internal Server Error", status.message(), instance);
  }
}

http::Handler PostPredictions(const IngestContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    const auto format = RequireIngestMediaType(req, respond);
    if (!format) return;
    ingest::DecodedPredictions decoded =
        ingest::DecodePredictions(req.body, *format, MakeDecodeOptions(ctx));
    if (AnswerDecodeFailure(ctx, req, decoded, respond)) return;
    std::shared_ptr<ModelCatalog::Admission> admission =
        AdmitModels(ctx, req, *format, decoded.events, respond);
    if (!admission) return;
    const bool enveloped = *format == ingest::BodyFormat::kJson && StartsWithEventsKey(req.body);

    const int64_t batch_size = static_cast<int64_t>(decoded.events.size());
    ctx.metrics->RecordBatch(batch_size);
    // What the response needs of the events once the store owns them: each event's id (to point
    // a 409 at its event) and its (model, segment) label set (to count newly stored predictions).
    auto labels = std::make_shared<BatchLabels>(LabelBatch(decoded.events));
    ctx.store->AppendPredictions(
        std::move(decoded.events),
        [&ctx, respond = std::move(respond), labels, format = *format, enveloped, path = req.path,
         admission](Result<store::PredictionBatchResult> result) {
          // Stored: the batch's new models are known for good. Refused: dropping the admission
          // with this callback gives their slots back.
          if (result) admission->Commit();
          if (!result) {
            ctx.metrics->RecordRejected(result.error().code() == StatusCode::kAlreadyExists
                                            ? "conflict"
                                            : "store_unavailable");
            http::Response r = StoreProblem(result.error(), path);
            if (result.error().code() == StatusCode::kAlreadyExists) {
              r = http::Problem(
                  409, "Conflict", result.error().message(), path,
                  {{PointerOfId(labels->ids, format, enveloped, result.error().message()),
                    "id already stored with different content"}});
            }
            return respond(std::move(r));
          }
          // Counted and rendered on the I/O thread, so the store's writer moves on at once.
          http::Response r;
          r.status = 202;
          r.render = [&ctx, labels,
                      batch = std::make_shared<store::PredictionBatchResult>(std::move(*result))](
                         http::Response& out) {
            CountStoredPredictions(ctx, *labels, *batch);
            out.body = R"({"accepted":)" + std::to_string(batch->ids.size()) + R"(,"inserted":)" +
                       std::to_string(batch->inserted) + R"(,"duplicates":)" +
                       std::to_string(batch->duplicates) + R"(,"actuals_joined":)" +
                       std::to_string(batch->actuals_joined) + R"(,"ids":[)";
            for (size_t i = 0; i < batch->ids.size(); ++i) {
              if (i > 0) out.body += ',';
              AppendJsonString(&out.body, batch->ids[i]);
            }
            out.body += "]}";
          };
          respond(std::move(r));
        });
  };
}

http::Handler PostActuals(const IngestContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    const auto format = RequireIngestMediaType(req, respond);
    if (!format) return;
    ingest::DecodedActuals decoded =
        ingest::DecodeActuals(req.body, *format, MakeDecodeOptions(ctx));
    if (AnswerDecodeFailure(ctx, req, decoded, respond)) return;
    ctx.metrics->RecordBatch(static_cast<int64_t>(decoded.actuals.size()));
    ctx.store->AppendActuals(
        std::move(decoded.actuals), [&ctx, respond = std::move(respond),
                                     path = req.path](Result<store::ActualBatchResult> result) {
          if (!result) return respond(StoreProblem(result.error(), path));
          ctx.metrics->RecordActuals(static_cast<int64_t>(result->matched.size()),
                                     static_cast<int64_t>(result->unmatched.size()));
          json body = {{"matched_count", result->matched.size()},
                       {"unmatched_count", result->unmatched.size()},
                       {"matched", std::move(result->matched)},
                       {"unmatched", std::move(result->unmatched)}};
          respond(JsonResponse(202, body));
        });
  };
}

http::Handler GetPrediction(const IngestContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    const auto& id = params.at("id");
    auto found = ctx.store->GetPrediction(id);
    if (!found && found.error().code() == StatusCode::kNotFound) {
      return respond(http::Problem(
          404, "Not Found", "no prediction with id '" + TruncateForEcho(id) + "'", req.path));
    }
    if (!found) return respond(StoreProblem(found.error(), req.path));
    const ingest::PredictionRecord& p = *found;
    json body = {{"id", p.id},
                 {"model", p.model},
                 {"version", p.version.empty() ? json(nullptr) : json(p.version)},
                 {"segment", p.segment.empty() ? json(nullptr) : json(p.segment)},
                 {"timestamp", FormatRfc3339Millis(p.created_at_ms)},
                 {"prediction", p.prediction},
                 {"features", json::parse(p.features_json, nullptr, false)},
                 {"actual", p.actual ? json(*p.actual) : json(nullptr)},
                 {"actual_timestamp",
                  p.actual_at_ms ? json(FormatRfc3339Millis(*p.actual_at_ms)) : json(nullptr)},
                 {"latency_ms", p.latency_ms ? json(*p.latency_ms) : json(nullptr)}};
    respond(JsonResponse(200, body));
  };
}

}  // namespace mw::api
