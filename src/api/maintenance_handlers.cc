// Maintenance routes:
//   GET  /v1/maintenance/runs       ?task=, status=, limit= (1-1000, default 100)  newest first
//   GET  /v1/maintenance/runs/{id}
//   POST /v1/maintenance/runs       {"task": "vacuum" | "daily" | "weekly" | "monthly",
//                                    "dry_run": false}  admin; 202 with the recorded runs, which
//                                    a worker thread then executes one after another; 409 when
//                                    a task is already running; 422 naming /task when unknown
//   GET  /v1/maintenance/tasks      each task: schedule, next run, last run, progress
#include <boost/asio/post.hpp>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "common/json_limits.h"
#include "common/time_format.h"

namespace mw::api {
namespace {

using Json = nlohmann::ordered_json;

Json RunJson(const store::MaintenanceRun& r) {
  Json j{{"id", r.id},
         {"task", r.task},
         {"trigger", r.trigger},
         {"dry_run", r.dry_run},
         {"started_at", FormatRfc3339Millis(r.started_at_ms)},
         {"finished_at", nullptr},
         {"duration_seconds", nullptr},
         {"status", r.status},
         {"items", r.items},
         {"bytes", r.bytes},
         {"message", r.message}};
  if (r.finished_at_ms) {
    j["finished_at"] = FormatRfc3339Millis(*r.finished_at_ms);
    j["duration_seconds"] = static_cast<double>(*r.finished_at_ms - r.started_at_ms) / 1000;
  }
  return j;
}

std::optional<int64_t> PositiveInt(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) return std::nullopt;
  return v;
}

bool KnownRunStatus(const std::string& s) {
  return s == "running" || s == "succeeded" || s == "failed" || s == "refused" || s == "abandoned";
}

// The tasks of a POST's "task": a set (its runnable tasks this build has, in order:
// Config::Maintenance::RunnableSet) or one task; nullopt
// when it names neither a set nor a task of this build.
std::optional<std::vector<std::string>> TargetTasks(const MaintenanceContext& ctx,
                                                    const std::string& target) {
  const std::optional<std::vector<std::string>> set = ctx.settings->RunnableSet(target);
  if (!set) {
    if (ctx.runner->Find(target) == nullptr) return std::nullopt;
    return std::vector<std::string>{target};
  }
  std::vector<std::string> tasks;
  for (const std::string& t : *set) {
    if (ctx.runner->Find(t) != nullptr) tasks.push_back(t);
  }
  return tasks;
}

// {"task": ..., "dry_run": ...} or a problem (400 / 422) already answered.
std::optional<std::pair<std::string, bool>> ParseRunBody(const http::Request& req,
                                                         const http::Responder& respond) {
  const std::optional<Json> body = ReadJsonObjectBody(req, respond);
  if (!body) return std::nullopt;
  const Json& doc = *body;
  std::vector<http::ProblemField> errors;
  std::string task;
  bool dry_run = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "task" && value.is_string()) {
      task = value.get<std::string>();
    } else if (key == "task") {
      errors.push_back({"/task", "must be a string"});
    } else if (key == "dry_run" && value.is_boolean()) {
      dry_run = value.get<bool>();
    } else if (key == "dry_run") {
      errors.push_back({"/dry_run", "must be true or false"});
    } else {
      errors.push_back({"/" + key, "unknown field (task, dry_run)"});
    }
  }
  if (!doc.contains("task")) errors.push_back({"/task", "is required"});
  if (!errors.empty()) {
    respond(http::Problem(422, "Invalid request body",
                          std::to_string(errors.size()) + " invalid field(s)", req.path, errors));
    return std::nullopt;
  }
  return std::make_pair(task, dry_run);
}

}  // namespace

http::Handler ListMaintenanceRuns(const MaintenanceContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    store::MaintenanceRunQuery q;
    std::vector<http::ProblemField> errors;
    if (const std::string* v = req.query_param("task")) q.task = *v;
    if (const std::string* v = req.query_param("status")) {
      if (!KnownRunStatus(*v)) {
        errors.push_back(
            {"/query/status", "must be running, succeeded, failed, refused or abandoned"});
      }
      q.status = *v;
    }
    if (const std::string* v = req.query_param("limit")) {
      auto n = PositiveInt(*v);
      if (!n || *n > 1000) errors.push_back({"/query/limit", "must be an integer from 1 to 1000"});
      q.limit = n.value_or(100);
    }
    if (!errors.empty()) {
      return respond(http::Problem(400, "Invalid query parameters",
                                   std::to_string(errors.size()) + " invalid parameter(s)",
                                   req.path, errors));
    }
    auto runs = ctx.store->ListMaintenanceRuns(q);
    if (!runs.has_value()) return respond(StoreProblem(runs.error(), req.path));
    Json out = Json::array();
    for (const store::MaintenanceRun& r : *runs) out.push_back(RunJson(r));
    respond(JsonResponse(200, Json{{"runs", std::move(out)}}));
  };
}

http::Handler GetMaintenanceRun(const MaintenanceContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    auto id = PositiveInt(params.at("id"));
    store::MaintenanceRunQuery q;
    q.id = id.value_or(0);
    q.limit = 1;
    auto runs =
        id ? ctx.store->ListMaintenanceRuns(q)
           : Result<std::vector<store::MaintenanceRun>>(std::vector<store::MaintenanceRun>{});
    if (!runs.has_value()) return respond(StoreProblem(runs.error(), req.path));
    if (runs->empty()) {
      return respond(
          http::Problem(404, "Not Found", "no maintenance run " + params.at("id"), req.path));
    }
    respond(JsonResponse(200, RunJson(runs->front())));
  };
}

http::Handler PostMaintenanceRun(const MaintenanceContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    auto body = ParseRunBody(req, respond);
    if (!body) return;
    const auto& [target, dry_run] = *body;
    auto tasks = TargetTasks(ctx, target);
    if (!tasks) {
      const std::string why = maintenance::UnknownTaskMessage(target, ctx.runner->names()) +
                              "; or a set: daily, weekly, monthly";
      return respond(http::Problem(422, "Invalid request body", why, req.path, {{"/task", why}}));
    }
    auto batch = ctx.runner->Start(*tasks, dry_run, "api");
    if (!batch.has_value()) {
      if (batch.error().code() == StatusCode::kFailedPrecondition) {
        return respond(http::Problem(409, "Conflict", batch.error().message(), req.path));
      }
      return respond(StoreProblem(batch.error(), req.path));
    }
    Json runs = Json::array();
    for (const store::MaintenanceRun& r : (*batch)->runs()) runs.push_back(RunJson(r));
    ctx.logger->Audit(Actor(req), "maintenance.run", target,
                      {{"maintenance.dry_run", dry_run}, {"maintenance.runs", runs.size()}});
    http::Response r = JsonResponse(202, Json{{"runs", runs}});
    if (!(*batch)->runs().empty()) {
      r.headers.emplace_back("Location",
                             "/v1/maintenance/runs/" + std::to_string((*batch)->runs().front().id));
    }
    std::shared_ptr<maintenance::Runner::Batch> shared(std::move(*batch));
    boost::asio::post(*ctx.workers, [&ctx, shared] {
      maintenance::NoProgress progress;  // the Runner keeps the progress for GET .../tasks
      ctx.runner->Execute(*shared, progress, ctx.cancel);
    });
    respond(std::move(r));
  };
}

http::Handler ListMaintenanceTasks(const MaintenanceContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    const int64_t now = ctx.clock->NowMillis();
    Json tasks = Json::array();
    for (const std::string& name : ctx.runner->names()) {
      Json t{{"name", name},           {"destructive", ctx.runner->Find(name)->destructive()},
             {"schedule", nullptr},    {"schedule_source", nullptr},
             {"next_run_at", nullptr}, {"last_run", nullptr},
             {"running", nullptr}};
      for (const maintenance::ScheduledTask& s : *ctx.schedule) {
        if (s.task != name) continue;
        t["schedule"] = s.schedule.expression();
        t["schedule_source"] = s.source;
        if (auto next = s.schedule.NextAfter(now / 1000); next && ctx.scheduler_enabled) {
          t["next_run_at"] = FormatRfc3339Millis(*next * 1000);
        }
      }
      store::MaintenanceRunQuery q;
      q.task = name;
      q.limit = 1;
      auto last = ctx.store->ListMaintenanceRuns(q);
      if (!last.has_value()) return respond(StoreProblem(last.error(), req.path));
      if (!last->empty()) t["last_run"] = RunJson(last->front());
      if (auto p = ctx.runner->Current(name)) {
        t["running"] =
            Json{{"run_id", p->run_id},   {"trigger", p->trigger},
                 {"dry_run", p->dry_run}, {"started_at", FormatRfc3339Millis(p->started_at_ms)},
                 {"done", p->done},       {"total", p->total},
                 {"what", p->what}};
      }
      tasks.push_back(std::move(t));
    }
    respond(JsonResponse(
        200, Json{{"scheduler_enabled", ctx.scheduler_enabled}, {"tasks", std::move(tasks)}}));
  };
}

}  // namespace mw::api
