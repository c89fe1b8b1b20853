// Quality engine routes:
//   GET  /v1/models/{model}/performance|drift|quality   ?window=7d | from=&to=, segment=, version=
//   GET  /v1/models/{model}/history?metric=mae&bucket=1h (+ the window parameters)
//   POST /v1/models/{model}/versions/{version}/reference[?segment=S]   CSV, NDJSON or a JSON window
//   GET  /v1/models/{model}/references
//   GET  /v1/admin/profiles, POST /v1/admin/profiles/unload, GET /v1/admin/evaluator
// The computations run on the worker pool, never on an HTTP I/O thread.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "common/duration.h"
#include "common/json_limits.h"
#include "common/names.h"
#include "common/time_format.h"
#include "common/truncate.h"
#include "monitor/profile_key.h"
#include "profile/reference_builder.h"
#include "profile/serialize.h"
#include "stats/rank.h"

namespace mw::api {

std::optional<int64_t> ParseTime(const std::string& text) { return ParseTimeParameter(text); }

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kWindowReason =
    "must be a duration such as 15m, 24h, 7d, of at most 3650d (about 10 years)";

// The window of a request, or the problem fields explaining why not.
Result<monitor::WindowQuery> ParseWindow(const QualityContext& ctx, const http::Request& req,
                                         const std::string& model,
                                         std::vector<http::ProblemField>& errors) {
  monitor::WindowQuery q;
  q.model = model;
  const int64_t now = ctx.clock->NowMillis();
  q.to_ms = now + 1;
  q.from_ms = now - ctx.settings->window_seconds * 1000;
  const std::string* window = req.query_param("window");
  const std::string* from = req.query_param("from");
  const std::string* to = req.query_param("to");
  if (window != nullptr && (from != nullptr || to != nullptr)) {
    errors.push_back({"/query/window", "use either window or from/to, not both"});
  } else if (window != nullptr) {
    auto ms = ParseDurationMillis(*window);
    if (!ms || *ms > monitor::kMaxWindowMillis) {
      errors.push_back({"/query/window", std::string(kWindowReason)});
    } else {
      q.from_ms = now - *ms;
    }
  } else {
    if (from != nullptr) {
      auto t = ParseTime(*from);
      if (!t) errors.push_back({"/query/from", std::string(kTimeParameterReason)});
      if (t) q.from_ms = *t;
    }
    if (to != nullptr) {
      auto t = ParseTime(*to);
      if (!t) errors.push_back({"/query/to", std::string(kTimeParameterReason)});
      if (t) q.to_ms = *t;
    }
    if (errors.empty() && q.from_ms >= q.to_ms) {
      errors.push_back({"/query/from", "must be before to"});
    }
  }
  // Names in the query follow the same rules as in paths and bodies (common/names.h).
  if (const std::string* segment = req.query_param("segment")) {
    if (auto problem = NameProblem(*segment, kMaxSegmentNameBytes)) {
      errors.push_back({"/query/segment", *problem});
    }
    q.segment = *segment;
  }
  if (const std::string* version = req.query_param("version")) {
    if (auto problem = NameProblem(*version, kMaxVersionNameBytes)) {
      errors.push_back({"/query/version", *problem});
    }
    q.version = *version;
  }
  if (!errors.empty()) return InvalidArgument("invalid window");
  return q;
}

http::Response InvalidQuery(const http::Request& req, const std::vector<http::ProblemField>& f) {
  return http::Problem(400, "Invalid query parameters",
                       std::to_string(f.size()) + " invalid parameter(s)", req.path, f);
}

// Runs `work` on the worker pool and answers with its JSON (200) or its problem.
void OnWorkers(const QualityContext& ctx, std::string path, http::Responder respond,
               std::function<Result<Json>()> work) {
  boost::asio::post(*ctx.workers,
                    [path = std::move(path), respond = std::move(respond), work = std::move(work)] {
                      Result<Json> result = work();
                      if (!result.has_value()) return respond(StoreProblem(result.error(), path));
                      respond(JsonResponse(200, *result));
                    });
}

using ServiceCall = Result<Json> (monitor::QualityService::*)(const monitor::WindowQuery&);

http::Handler WindowRoute(const QualityContext& ctx, ServiceCall call) {
  return [&ctx, call](http::Request& req, const http::PathParams& params, http::Responder respond) {
    std::vector<http::ProblemField> errors;
    auto q = ParseWindow(ctx, req, params.at("model"), errors);
    if (!q.has_value()) return respond(InvalidQuery(req, errors));
    OnWorkers(ctx, req.path, std::move(respond),
              [&ctx, call, q = *q] { return (ctx.quality->*call)(q); });
  };
}

Json ProfileSummary(const profile::ReferenceProfile& p) {
  Json features = Json::array();
  for (const profile::FeatureProfile& f : p.features) {
    Json item{{"name", f.name}, {"type", std::string(profile::FeatureTypeName(f.type))}};
    if (f.type == profile::FeatureType::kNumeric) {
      item["missing"] = f.numeric.missing;
      item["min"] = f.min;
      item["max"] = f.max;
    } else {
      item["missing"] = f.categorical.missing;
      item["categories"] = static_cast<int64_t>(f.categorical.counts.size());
    }
    features.push_back(std::move(item));
  }
  return features;
}

}  // namespace

http::Handler GetPerformance(const QualityContext& ctx) {
  return WindowRoute(ctx, &monitor::QualityService::Performance);
}
http::Handler GetDrift(const QualityContext& ctx) {
  return WindowRoute(ctx, &monitor::QualityService::Drift);
}
http::Handler GetQuality(const QualityContext& ctx) {
  return WindowRoute(ctx, &monitor::QualityService::Quality);
}

http::Handler GetHistory(const QualityContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    std::vector<http::ProblemField> errors;
    auto q = ParseWindow(ctx, req, params.at("model"), errors);
    const std::string* metric = req.query_param("metric");
    if (metric == nullptr) {
      errors.push_back({"/query/metric", "is required (mae, rmse, mape, r2, auc, ...)"});
    } else if (!monitor::IsKnownMetric(*metric)) {
      errors.push_back({"/query/metric", "unknown metric \"" + TruncateForEcho(*metric) + "\""});
    }
    int64_t bucket_ms = 3'600'000;
    if (const std::string* bucket = req.query_param("bucket")) {
      auto ms = ParseDurationMillis(*bucket);
      if (!ms || *ms < 60'000 || *ms > monitor::kMaxWindowMillis) {
        errors.push_back({"/query/bucket", "must be a duration from 1m to 3650d (1h, 1d)"});
      } else {
        bucket_ms = *ms;
      }
    }
    if (!errors.empty()) return respond(InvalidQuery(req, errors));
    OnWorkers(ctx, req.path, std::move(respond), [&ctx, q = *q, metric = *metric, bucket_ms] {
      return ctx.quality->History(q, metric, bucket_ms);
    });
  };
}

namespace {

// A reference upload, as handed to the worker pool.
struct ReferenceUpload {
  std::string model, version;
  std::string segment;  // the ?segment= of the request ("" = the whole model)
  std::string media;    // text/csv, application/x-ndjson, or application/json (a window)
  std::shared_ptr<std::string> body;
  std::optional<monitor::WindowQuery> window;  // set for application/json
  std::string actor, client;
};

// The "from"/"to" of a window body: RFC 3339 or unix seconds; a problem field when missing or bad.
void ReadWindowTime(const Json& doc, const char* key, monitor::WindowQuery& q,
                    std::vector<http::ProblemField>& errors) {
  std::optional<int64_t> t;
  if (doc.contains(key) && doc[key].is_string()) t = ParseTime(doc[key].get<std::string>());
  // Unsigned first: a number past INT64_MAX is not read as a negative one.
  if (doc.contains(key) && doc[key].is_number_unsigned()) {
    const uint64_t seconds = doc[key].get<uint64_t>();
    if (seconds <= static_cast<uint64_t>(kMaxEpochMillis / 1000)) {
      t = UnixSecondsToMillis(static_cast<int64_t>(seconds));
    }
  }
  if (!t) {
    errors.push_back(
        {std::string("/") + key, "is required: " + std::string(kTimeParameterReason.substr(5))});
  } else {
    (std::string_view(key) == "from" ? q.from_ms : q.to_ms) = *t;
  }
}

// A JSON body names a window of logged predictions: {"from": ..., "to": ..., "segment": ...}.
// The window, or nullopt after answering 400/422.
std::optional<monitor::WindowQuery> ReadReferenceWindow(const http::Request& req,
                                                        const http::Responder& respond,
                                                        const std::string& model,
                                                        const std::string& segment) {
  const std::optional<Json> body = ReadJsonObjectBody(req, respond);
  if (!body) return std::nullopt;
  const Json& doc = *body;
  std::vector<http::ProblemField> errors;
  monitor::WindowQuery q;
  q.model = model;
  for (const char* key : {"from", "to"}) ReadWindowTime(doc, key, q, errors);
  if (errors.empty() && q.from_ms >= q.to_ms) errors.push_back({"/from", "must be before to"});
  if (!segment.empty()) q.segment = segment;
  if (doc.contains("segment")) {
    if (!doc["segment"].is_string()) {
      errors.push_back({"/segment", "must be a string"});
    } else if (auto problem =
                   doc["segment"].get<std::string>().empty()
                       ? std::nullopt
                       : NameProblem(doc["segment"].get<std::string>(), kMaxSegmentNameBytes)) {
      errors.push_back({"/segment", *problem});
    } else if (!doc["segment"].get<std::string>().empty()) {
      q.segment = doc["segment"].get<std::string>();
    }
  }
  if (!errors.empty()) {
    respond(http::Problem(422, "Invalid request body",
                          std::to_string(errors.size()) + " invalid field(s)", req.path, errors));
    return std::nullopt;
  }
  return q;
}

// The profile of an upload: of the window's logged predictions, or of the CSV/NDJSON rows.
// `source` and `segment` are set to what the stored record says.
Result<profile::ReferenceProfile> BuildReference(const QualityContext& ctx,
                                                 const ReferenceUpload& u, std::string& source,
                                                 std::string& segment) {
  source = "upload";
  segment = u.segment;
  Result<profile::ReferenceProfile> profile = InvalidArgument("no rows");
  if (u.window) {
    auto rows = ctx.quality->LoadRows(*u.window, nullptr);
    if (!rows.has_value()) return rows.error();
    if (rows->empty()) return InvalidArgument("the window holds no logged predictions");
    std::vector<profile::LoggedRow> logged;
    logged.reserve(rows->size());
    for (const monitor::Row& row : *rows) {
      logged.push_back({row.features_json, row.prediction, row.actual});
    }
    profile = profile::BuildProfileFromLogged(logged);
    source = "window";
    segment = u.window->segment.value_or("");
  } else if (u.media == "text/csv") {
    profile = profile::BuildProfileFromCsv(*u.body);
  } else {
    profile = profile::BuildProfileFromNdjson(*u.body);
  }
  if (!profile.has_value()) return InvalidArgument(profile.error().message());
  // Column names become feature names (common/names.h).
  for (const profile::FeatureProfile& f : profile->features) {
    if (auto problem = NameProblem(f.name, kMaxFieldNameBytes)) {
      return InvalidArgument("column \"" + ReplaceUnsafeText(f.name) + "\": the feature name " +
                             *problem);
    }
  }
  return profile;
}

// Builds, stores and audits the reference; the answer's JSON. Runs on the worker pool.
Result<Json> StoreReference(const QualityContext& ctx, const ReferenceUpload& u) {
  auto known = ctx.store->GetModel(u.model);
  if (!known.has_value()) return known.error();
  std::string source, seg;
  auto profile = BuildReference(ctx, u, source, seg);
  if (!profile.has_value()) return profile.error();
  store::ReferenceProfileRecord record;
  record.model = u.model;
  record.version = u.version;
  record.segment = seg;
  record.source = source;
  record.rows = profile->rows;
  record.profile = profile::SerializeProfile(*profile);
  if (Status s = ctx.store->PutReferenceProfile(record); !s.ok()) return s;
  // A replaced reference must not be served from the cache.
  ctx.profiles->Unload(monitor::ProfileKey{u.model, u.version, seg}.Encode());
  ctx.logger->Audit(u.actor, "reference.put", u.model + "/" + u.version,
                    {{"segment", seg},
                     {"source", source},
                     {"rows", profile->rows},
                     {"client.address", u.client}});
  Json out;
  out["model"] = u.model;
  out["version"] = u.version;
  out["segment"] = seg;
  out["source"] = source;
  out["rows"] = profile->rows;
  out["size_bytes"] = static_cast<int64_t>(record.profile.size());
  out["features"] = ProfileSummary(*profile);
  out["has_prediction"] = profile->prediction.has_value();
  out["has_actual"] = profile->actual.has_value();
  return out;
}

}  // namespace

http::Handler PostReference(const QualityContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    ReferenceUpload u;
    u.model = params.at("model");
    u.version = params.at("version");
    const std::string* segment_param = req.query_param("segment");
    u.segment = segment_param != nullptr ? *segment_param : "";
    if (auto problem =
            u.segment.empty() ? std::nullopt : NameProblem(u.segment, kMaxSegmentNameBytes)) {
      return respond(InvalidQuery(req, {{"/query/segment", *problem}}));
    }
    u.media = req.media_type();
    if (u.media != "text/csv" && u.media != "application/x-ndjson" &&
        u.media != "application/json") {
      return respond(
          http::Problem(415, "Unsupported Media Type",
                        "Content-Type must be text/csv, application/x-ndjson (training rows) or "
                        "application/json (a window of logged predictions), got '" +
                            TruncateForEcho(req.header("content-type")) + "'",
                        req.path, {{"", "unsupported content type"}}));
    }
    if (u.media == "application/json") {
      u.window = ReadReferenceWindow(req, respond, u.model, u.segment);
      if (!u.window) return;  // answered
    }
    u.body = std::make_shared<std::string>(std::move(req.body));
    u.actor = Actor(req);
    u.client = req.remote_address;
    OnWorkers(ctx, req.path, std::move(respond),
              [&ctx, u = std::move(u)]() -> Result<Json> { return StoreReference(ctx, u); });
  };
}

http::Handler ListReferences(const QualityContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    const std::string& model = params.at("model");
    auto known = ctx.store->GetModel(model);
    if (!known.has_value()) return respond(StoreProblem(known.error(), req.path));
    auto list = ctx.store->ListReferenceProfiles(model);
    if (!list.has_value()) return respond(StoreProblem(list.error(), req.path));
    Json items = Json::array();
    for (const store::ReferenceProfileRecord& r : *list) {
      items.push_back({{"version", r.version},
                       {"segment", r.segment},
                       {"source", r.source},
                       {"rows", r.rows},
                       {"size_bytes", r.size_bytes},
                       {"created_at", FormatRfc3339Millis(r.created_at_ms)}});
    }
    respond(JsonResponse(200, Json{{"model", model}, {"references", std::move(items)}}));
  };
}

http::Handler GetProfileCache(const QualityContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    Json keys = Json::array();
    for (const std::string& encoded : ctx.profiles->Keys()) {
      const monitor::ProfileKey key = monitor::ProfileKey::Decode(encoded);
      keys.push_back({{"model", key.model}, {"version", key.version}, {"segment", key.segment}});
    }
    respond(JsonResponse(200, Json{{"capacity", ctx.profiles->capacity()},
                                   {"loaded", ctx.profiles->size()},
                                   {"hits", ctx.profiles->hits()},
                                   {"misses", ctx.profiles->misses()},
                                   {"evictions", ctx.profiles->evictions()},
                                   {"profiles", std::move(keys)}}));
  };
}

// Body {"model": M, "version": V?, "segment": S?}: unloads the matching profiles ({} = all).
http::Handler PostProfileUnload(const QualityContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    const std::optional<Json> body = ReadJsonObjectBody(req, respond, /*empty_is_object=*/true);
    if (!body) return;
    const Json& doc = *body;
    std::vector<http::ProblemField> errors;
    std::map<std::string, std::string> filter;
    for (const auto& [key, value] : doc.items()) {
      if (key != "model" && key != "version" && key != "segment") {
        errors.push_back({"/" + key, "unknown field (model, version, segment)"});
      } else if (!value.is_string()) {
        errors.push_back({"/" + key, "must be a string"});
      } else {
        filter[key] = value.get<std::string>();
      }
    }
    if (!errors.empty()) {
      return respond(http::Problem(422, "Invalid request body",
                                   std::to_string(errors.size()) + " invalid field(s)", req.path,
                                   errors));
    }
    Json unloaded = Json::array();
    for (const std::string& encoded : ctx.profiles->Keys()) {
      const monitor::ProfileKey key = monitor::ProfileKey::Decode(encoded);
      const std::map<std::string, std::string> parts = {
          {"model", key.model}, {"version", key.version}, {"segment", key.segment}};
      bool match = true;
      for (const auto& [field, value] : filter) match = match && parts.at(field) == value;
      if (match && ctx.profiles->Unload(encoded)) unloaded.push_back(parts);
    }
    ctx.logger->Audit(Actor(req), "profiles.unload", doc.value("model", "*"),
                      {{"unloaded", static_cast<int64_t>(unloaded.size())}});
    respond(JsonResponse(200, Json{{"unloaded", std::move(unloaded)}}));
  };
}

// GET /v1/models/{model}/importance-change?from=V1&to=V2[&segment=S]: how the feature importance
// of two registered versions differs (Spearman rank correlation, the features whose rank moved
// most). Without from/to: the two most recently registered versions of the segment.
http::Handler GetImportanceChange(const QualityContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    const std::string& model = params.at("model");
    const std::string* segment_param = req.query_param("segment");
    const std::string segment = segment_param != nullptr ? *segment_param : "";
    auto versions = ctx.store->ListModelVersions(model);
    if (!versions.has_value()) return respond(StoreProblem(versions.error(), req.path));
    if (versions->empty() && !ctx.store->GetModel(model).has_value()) {
      return respond(
          http::Problem(404, "Not Found", "model \"" + model + "\" not found", req.path));
    }
    std::vector<const registry::ModelVersionInfo*> of_segment;
    for (const registry::ModelVersionInfo& v : *versions) {
      if (v.segment == segment) of_segment.push_back(&v);
    }
    std::sort(of_segment.begin(), of_segment.end(),
              [](const registry::ModelVersionInfo* a, const registry::ModelVersionInfo* b) {
                return a->created_at_ms < b->created_at_ms;
              });
    auto find = [&](const std::string& name) -> const registry::ModelVersionInfo* {
      for (const registry::ModelVersionInfo* v : of_segment) {
        if (v->version == name) return v;
      }
      return nullptr;
    };
    std::vector<http::ProblemField> errors;
    const registry::ModelVersionInfo* from = nullptr;
    const registry::ModelVersionInfo* to = nullptr;
    const std::string* from_param = req.query_param("from");
    const std::string* to_param = req.query_param("to");
    if (from_param != nullptr || to_param != nullptr) {
      if (from_param == nullptr || (from = find(*from_param)) == nullptr) {
        errors.push_back({"/query/from", "must name a registered version of the segment"});
      }
      if (to_param == nullptr || (to = find(*to_param)) == nullptr) {
        errors.push_back({"/query/to", "must name a registered version of the segment"});
      }
    } else if (of_segment.size() < 2) {
      errors.push_back(
          {"/query/from", "the segment has fewer than two versions; name from and to"});
    } else {
      from = of_segment[of_segment.size() - 2];
      to = of_segment.back();
    }
    if (!errors.empty()) return respond(InvalidQuery(req, errors));
    const stats::ImportanceChange change =
        stats::CompareFeatureImportance(from->feature_importance, to->feature_importance);
    Json moves = Json::array();
    for (const stats::RankMove& m : change.moves) {
      moves.push_back({{"feature", m.feature},
                       {"old_rank", m.old_rank},
                       {"new_rank", m.new_rank},
                       {"moved", m.moved}});
    }
    respond(JsonResponse(
        200, Json{{"model", model},
                  {"segment", segment},
                  {"from", from->version},
                  {"to", to->version},
                  {"spearman", change.spearman ? Json(*change.spearman) : Json(nullptr)},
                  {"common_features", change.common_features},
                  {"moves", std::move(moves)},
                  {"only_in_from", change.only_in_old},
                  {"only_in_to", change.only_in_new}}));
  };
}

http::Handler GetEvaluator(const QualityContext& ctx) {
  return [&ctx](http::Request&, const http::PathParams&, http::Responder respond) {
    if (ctx.evaluator == nullptr) {
      return respond(JsonResponse(200, Json{{"enabled", false}}));
    }
    const monitor::EvaluatorStatus s = ctx.evaluator->status();
    respond(JsonResponse(
        200, Json{{"enabled", true},
                  {"interval_seconds", ctx.settings->evaluation_interval_seconds},
                  {"passes", s.passes},
                  {"last_pass_at", s.last_pass_at_ms ? Json(FormatRfc3339Millis(s.last_pass_at_ms))
                                                     : Json(nullptr)},
                  {"last_pass_seconds", s.last_pass_seconds},
                  {"windows", s.windows},
                  {"rows_held", s.rows_held},
                  {"pending_actuals", s.pending_actuals},
                  {"last_error", s.last_error.empty() ? Json(nullptr) : Json(s.last_error)}}));
  };
}

}  // namespace mw::api
