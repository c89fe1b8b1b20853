// Drives a TrafficGenerator against a modelwatch server through a Transport: registers the
// models and versions with their training metrics, uploads each version's training rows as its
// reference, then sends predictions in batches and their actuals once the simulated clock passes
// their due time, and at the end every actual still pending.
//
// Time: predictions are spread over the simulated span. With a fixed event count prediction i
// (of N) is stamped start + span x (i + 0.5) / N; with a wall-clock duration D the simulated
// clock runs span/D times faster than the wall clock. The span must end no later than the
// wall-clock now at the start, so no timestamp is in the future; actuals still pending at the end
// are stamped min(due, now).
// Wall time comes from the Clock and waits go through `sleep`, so tests run without sleeping.
// Thread-safety: none; RunSimulation uses its arguments exclusively while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "simulate/generator.h"
#include "simulate/http_sender.h"

namespace mw::simulate {

struct Progress {
  int64_t elapsed_ms = 0;  // wall time since the traffic started
  int64_t predictions_sent = 0;
  int64_t planned = 0;  // predictions to send; 0 with a duration
  int64_t actuals_sent = 0;
  int64_t pending_actuals = 0;
  int64_t requests = 0;
  int64_t retries = 0;
  int64_t simulated_now_ms = 0;
  bool drift_active = false;
};

struct RunOptions {
  int64_t events = 10000;   // predictions to send when duration_ms is 0
  int64_t duration_ms = 0;  // > 0: send for this much wall time instead
  double rate = 0;          // predictions per wall-clock second; 0 = as fast as possible
  int batch = 200;          // predictions (and actuals) per request
  bool register_models = true;
  bool upload_reference = true;  // POST each version's training rows as its reference
  int64_t progress_interval_ms = 5000;
  std::function<void(const Progress&)> progress;  // optional
  // Waits for rate limiting; default std::this_thread::sleep_for.
  std::function<void(int64_t ms)> sleep;
};

struct ModelCounts {
  std::string model;
  int64_t predictions = 0;
  int64_t actuals = 0;
  int64_t drifted = 0;  // predictions drift applied to
};

struct Summary {
  uint64_t seed = 0;
  std::string id_prefix;
  int64_t start_ms = 0;  // the simulated span
  int64_t end_ms = 0;
  int64_t wall_ms = 0;
  int64_t predictions_sent = 0;
  int64_t actuals_sent = 0;
  int64_t actuals_flushed_at_end = 0;  // released after the traffic instead of when due
  int64_t requests = 0;
  int64_t retries = 0;
  int64_t duplicates = 0;       // predictions the server already had (its "duplicates")
  int64_t actuals_matched = 0;  // the server's matched_count, summed
  int64_t actuals_unmatched = 0;
  int64_t versions_registered = 0;
  int64_t references_uploaded = 0;
  std::vector<ModelCounts> models;
  std::optional<DriftPlan> drift;
};

// Runs the whole simulation. Errors: InvalidArgument for options that cannot work (the span
// ends in the future, batch < 1, ...); for a failed request the status mapped from the HTTP
// status (404 NotFound, 401 Unauthenticated, 403 PermissionDenied, other 4xx InvalidArgument,
// 5xx/429 after the sender's retries Unavailable) with "METHOD URL: HTTP <status>: <body>", or
// the transport's Unavailable when no answer came. Nothing is retried here; the transport does.
Result<Summary> RunSimulation(const RunOptions& options, TrafficGenerator& generator,
                              Transport& transport, const Clock& clock);

// The summary as JSON: counts, the simulated span (RFC 3339), and "drift": null or
// {"start","kinds","magnitude","models":[{"model","segments","concept","new_category",
// "shifted_features","shifts"}]}.
nlohmann::ordered_json SummaryJson(const Summary& summary);
// The same for people, several lines, each ending in '\n'.
std::string SummaryText(const Summary& summary);
// One progress line (no newline).
std::string ProgressLine(const Progress& progress);

}  // namespace mw::simulate
