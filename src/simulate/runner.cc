#include "simulate/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>
#include <thread>
#include <unordered_map>

#include "common/time_format.h"
#include "simulate/payloads.h"

namespace mw::simulate {
namespace {

// A partly filled batch waits at most this long under a rate limit, so slow rates still stream.
constexpr int64_t kMaxBatchWaitMs = 1000;

Status HttpFailure(const HttpRequest& request, const Transport& transport, const HttpReply& reply) {
  std::string message =
      request.method + " " + transport.Url(request.path) + ": HTTP " + std::to_string(reply.status);
  if (!reply.body.empty()) message += ": " + reply.body;
  const long s = reply.status;
  if (s == 404) return NotFound(std::move(message));
  if (s == 401) return {StatusCode::kUnauthenticated, std::move(message)};
  if (s == 403) return {StatusCode::kPermissionDenied, std::move(message)};
  if (s >= 400 && s < 500 && s != 429) return InvalidArgument(std::move(message));
  return Unavailable(std::move(message));
}

// Sends and returns the 2xx reply's body parsed as JSON (null when it is not JSON).
Result<nlohmann::json> Exchange(Transport& transport, const HttpRequest& request) {
  auto reply = transport.Send(request);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status >= 300) {
    return HttpFailure(request, transport, *reply);
  }
  return nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
}

int64_t NumberOr0(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

class Run {
 public:
  Run(const RunOptions& options, TrafficGenerator& generator, Transport& transport,
      const Clock& clock)
      : options_(options), generator_(generator), transport_(transport), clock_(clock) {
    sleep_ = options.sleep ? options.sleep : [](int64_t ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    };
    const GeneratorOptions& g = generator.options();
    summary_.seed = g.seed;
    summary_.id_prefix = g.id_prefix;
    summary_.start_ms = g.start_ms;
    summary_.end_ms = g.start_ms + g.span_ms;
    summary_.drift = generator.drift();
    for (const auto& m : generator.models()) summary_.models.push_back({m.model, 0, 0, 0});
  }

  Result<Summary> Execute() {
    const int64_t began = clock_.NowMillis();
    if (options_.register_models) {
      if (Status s = Register(); !s.ok()) return s;
    }
    if (Status s = SendTraffic(); !s.ok()) return s;
    summary_.wall_ms = clock_.NowMillis() - began;
    summary_.requests = transport_.requests();
    summary_.retries = transport_.retries();
    return summary_;
  }

 private:
  ModelCounts& CountsOf(const std::string& model) {
    for (auto& m : summary_.models) {
      if (m.model == model) return m;
    }
    return summary_.models.front();  // unreachable: every model is listed
  }

  Status Register() {
    const uint64_t seed = generator_.options().seed;
    for (const auto& model : generator_.models()) {
      auto put = Exchange(
          transport_, {"PUT", ModelPath(model.model), "application/json", ModelDocument(model)});
      if (!put) return put.error();
      for (const auto& version : model.versions) {
        auto v = Exchange(transport_, {"PUT", VersionPath(model.model, version.version),
                                       "application/json", VersionDocument(version, seed)});
        if (!v) return v.error();
        ++summary_.versions_registered;
        if (!options_.upload_reference) continue;
        auto r = Exchange(transport_,
                          {"POST", ReferencePath(model.model, version.version, version.segment),
                           "application/x-ndjson", ReferenceNdjson(model, version)});
        if (!r) return r.error();
        ++summary_.references_uploaded;
      }
    }
    return Status();
  }

  Status SendPredictions() {
    if (batch_.empty()) return Status();
    auto reply = Exchange(transport_,
                          {"POST", "/v1/predictions", "application/json", PredictionsBody(batch_)});
    if (!reply) {
      return Status(reply.error().code(), reply.error().message() + " (after " +
                                              std::to_string(summary_.predictions_sent) +
                                              " predictions sent)");
    }
    summary_.duplicates += NumberOr0(*reply, "duplicates");
    summary_.predictions_sent += static_cast<int64_t>(batch_.size());
    for (const auto& p : batch_) {
      ModelCounts& c = CountsOf(p.model);
      ++c.predictions;
      if (p.drifted) ++c.drifted;
      if (p.actual_scheduled) model_of_[p.id] = p.model;
    }
    const int64_t released_until = batch_.back().timestamp_ms;
    batch_.clear();
    return SendActuals(generator_.TakeDue(released_until));
  }

  Status SendActuals(const std::vector<Actual>& actuals) {
    const size_t step = static_cast<size_t>(options_.batch);
    for (size_t i = 0; i < actuals.size(); i += step) {
      const std::span<const Actual> chunk(actuals.data() + i, std::min(step, actuals.size() - i));
      auto reply =
          Exchange(transport_, {"POST", "/v1/actuals", "application/json", ActualsBody(chunk)});
      if (!reply) return reply.error();
      summary_.actuals_matched += NumberOr0(*reply, "matched_count");
      summary_.actuals_unmatched += NumberOr0(*reply, "unmatched_count");
      summary_.actuals_sent += static_cast<int64_t>(chunk.size());
      for (const auto& a : chunk) {
        auto it = model_of_.find(a.id);
        if (it == model_of_.end()) continue;
        ++CountsOf(it->second).actuals;
        model_of_.erase(it);
      }
    }
    return Status();
  }

  void ReportProgress(int64_t now, int64_t simulated_now, bool force) {
    if (!options_.progress) return;
    if (!force && now - last_progress_ms_ < options_.progress_interval_ms) return;
    last_progress_ms_ = now;
    Progress p;
    p.elapsed_ms = now - traffic_began_ms_;
    p.predictions_sent = summary_.predictions_sent;
    p.planned = options_.duration_ms > 0 ? 0 : options_.events;
    p.actuals_sent = summary_.actuals_sent;
    p.pending_actuals = static_cast<int64_t>(generator_.pending_actuals());
    p.requests = transport_.requests();
    p.retries = transport_.retries();
    p.simulated_now_ms = simulated_now;
    p.drift_active = summary_.drift && simulated_now >= summary_.drift->start_ms;
    options_.progress(p);
  }

  Status SendTraffic() {
    const GeneratorOptions& g = generator_.options();
    const bool timed = options_.duration_ms > 0;
    traffic_began_ms_ = clock_.NowMillis();
    last_progress_ms_ = traffic_began_ms_;
    int64_t batch_opened_ms = 0, simulated_now = g.start_ms;
    for (int64_t i = 0;;) {
      const int64_t now = clock_.NowMillis();
      const int64_t elapsed = now - traffic_began_ms_;
      if (timed ? elapsed >= options_.duration_ms : i >= options_.events) break;
      if (options_.rate > 0) {
        const auto due =
            traffic_began_ms_ +
            static_cast<int64_t>(std::ceil(static_cast<double>(i) * 1000 / options_.rate));
        if (now < due) {
          if (!batch_.empty() && now - batch_opened_ms >= kMaxBatchWaitMs) {
            if (Status s = SendPredictions(); !s.ok()) return s;
            continue;
          }
          int64_t wait = due - now;
          if (!batch_.empty()) wait = std::min(wait, batch_opened_ms + kMaxBatchWaitMs - now);
          if (timed) wait = std::min(wait, traffic_began_ms_ + options_.duration_ms - now);
          sleep_(std::max<int64_t>(wait, 1));
          continue;
        }
      }
      if (timed) {
        simulated_now = g.start_ms + static_cast<int64_t>(static_cast<long double>(g.span_ms) *
                                                          elapsed / options_.duration_ms);
      } else {
        simulated_now = g.start_ms + static_cast<int64_t>(static_cast<long double>(g.span_ms) *
                                                          (2 * i + 1) / (2 * options_.events));
      }
      if (batch_.empty()) batch_opened_ms = now;
      batch_.push_back(generator_.Next(simulated_now));
      ++i;
      if (batch_.size() >= static_cast<size_t>(options_.batch)) {
        if (Status s = SendPredictions(); !s.ok()) return s;
      }
      ReportProgress(now, simulated_now, false);
    }
    if (Status s = SendPredictions(); !s.ok()) return s;
    // The traffic is over: whatever is still pending is released now, never in the future.
    const std::vector<Actual> rest = generator_.TakeAll(clock_.NowMillis());
    summary_.actuals_flushed_at_end = static_cast<int64_t>(rest.size());
    if (Status s = SendActuals(rest); !s.ok()) return s;
    ReportProgress(clock_.NowMillis(), simulated_now, true);
    return Status();
  }

  const RunOptions& options_;
  TrafficGenerator& generator_;
  Transport& transport_;
  const Clock& clock_;
  std::function<void(int64_t)> sleep_;
  Summary summary_;
  std::vector<Prediction> batch_;
  std::unordered_map<std::string, std::string> model_of_;  // id -> model, until its actual
  int64_t traffic_began_ms_ = 0;
  int64_t last_progress_ms_ = 0;
};

}  // namespace

Result<Summary> RunSimulation(const RunOptions& options, TrafficGenerator& generator,
                              Transport& transport, const Clock& clock) {
  if (options.batch < 1) return InvalidArgument("--batch: must be at least 1");
  if (options.duration_ms <= 0 && options.events < 0) {
    return InvalidArgument("--events: must not be negative");
  }
  if (!(options.rate >= 0) || !std::isfinite(options.rate)) {
    return InvalidArgument("--rate: must be a non-negative number");
  }
  const GeneratorOptions& g = generator.options();
  const int64_t now = clock.NowMillis();
  if (g.start_ms + g.span_ms > now) {
    return InvalidArgument("--start: the simulated span ends at " +
                           FormatRfc3339Millis(g.start_ms + g.span_ms) +
                           ", after now; the server rejects timestamps in the future");
  }
  Run run(options, generator, transport, clock);
  return run.Execute();
}

}  // namespace mw::simulate
