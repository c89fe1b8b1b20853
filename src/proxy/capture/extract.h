// Prediction events from one request/response exchange of the watched API, in the event format of
// POST /v1/predictions (docs/api.md), so that captured events take the same idempotent ingest
// path as posted ones. Pure: no I/O, no clock, no shared state; call from any thread.
//
// Rows. The exchange yields one event per row:
//   - features and prediction sources both with a "*" segment (/instances/* with
//     /predictions/*): one row per element; the counts must be equal (`batch_mismatch`, as is
//     a "*" in only one of them). Neither with "*": one row. A prediction source alone: its
//     rows, with empty features; a features source alone: `no_prediction`.
//   - neither source given: the shape is detected. Open Inference Protocol v2: request
//     {"inputs":[{"name","shape","datatype","data"}…]}, response {"outputs":[…]}; the first
//     dimension of each tensor is the batch, row r of a tensor "n" with K values per row gives
//     the feature "n" (K = 1) or "n_0"…"n_{K-1}" (data flat or nested, row-major); the
//     prediction is the output tensor named CaptureSpec::output (or the first), one value per
//     row or the output_index-th of K; the request's "id" (a string) stands for the request id.
//     A malformed tensor (no name or shape, a data count other than the shape's product,
//     inputs of different batch sizes) is `invalid`; an output batch other than the inputs'
//     `batch_mismatch`. KServe V1: request "instances" (or "inputs" that are not v2 tensors)
//     rows, response "predictions" rows, as if the sources were /instances/* and
//     /predictions/*. Anything else: `no_prediction`.
// Features of a row: an object's scalar members (nested objects and arrays flattened to "a.b",
// "a.0"); an array's elements named CaptureSpec::feature_names[i] or f<i>; a scalar is the one
// feature named after the path parameter or header it came from, else "value".
// Prediction of a row: one finite number; an array takes its output_index-th element, and
// without output_index (or out of range), like a string, is `prediction_not_scalar`.
// Id: the id source's value, else the request id (Exchange::request_id); rows from an array
// axis (a "*" or a detected shape) get "<id>-<row>" (even a batch of one, so a client can tell
// every row's id from its request id alone), unless the id source itself has the "*".
// model, segment, version, id: a string, or an integer (its decimal text); a "*" source gives one
// value per row (its count must equal the rows', `batch_mismatch`). An empty segment or version
// is left out.
//
// Validation. Every event is checked with the rules ingest will apply to it (ingest/decode.h):
// names per common/names.h (model ≤ 128 bytes, version ≤ 128, segment ≤ 256, feature names ≤ 256,
// valid UTF-8, no control characters, no feature twice), id 1–256 bytes of valid UTF-8, finite
// numbers, latency_ms ≥ 0, the timestamp within common/time_format.h's range. One bad row drops
// the whole exchange as `invalid`: ingest refuses a body with one bad event, and a partial batch
// would hide the rest. So do a missing model, a features source that finds nothing, a body
// nested deeper than kMaxJsonDepth, and NaN, Infinity or a number beyond the double range in a
// captured value (elsewhere in a body they do not matter). A body that is not JSON (a syntax
// error, invalid UTF-8, empty) yields nothing: `no_prediction` when the prediction was to come
// from it. The first problem found, in row order, names the reason.
//
// Output. Each event is one JSON object:
//   {"id","model","segment"?,"version"?,"timestamp","features","prediction","latency_ms"?}
// in that key order; timestamp is Exchange::received_at_ms as RFC 3339 with milliseconds;
// features keep the body's member order; numbers are written in the shortest form that reads
// back to the same double (so 1.50e3 becomes 1500); strings are escaped minimally. The same
// exchange always gives the same bytes, so a retried delivery is a duplicate to ingest's content
// hash, not a conflict. Cached answers carry no latency_ms (the model did not run).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http.h"
#include "proxy/capture/spec.h"

namespace mw::proxy {

// What the proxy saw of one exchange (the request's route, headers and bodies, its answer).
struct Exchange {
  std::string endpoint;  // the route template, e.g. "/predict/{restaurant_id}"
  http::PathParams params;
  std::vector<std::pair<std::string, std::string>> headers;  // request headers, lower-case names
  std::string request_body, response_body;
  std::string request_id;  // the X-Request-Id returned to the client
  int64_t received_at_ms = 0;
  std::optional<double> latency_ms;  // upstream time; ignored when `cached`
  bool cached = false;               // answered from the response cache
};

// Why an exchange gave no events (modelwatch_proxy_capture_dropped_total{reason}).
inline constexpr std::string_view kDropInvalid = "invalid";
inline constexpr std::string_view kDropNoPrediction = "no_prediction";
inline constexpr std::string_view kDropBatchMismatch = "batch_mismatch";
inline constexpr std::string_view kDropPredictionNotScalar = "prediction_not_scalar";

struct Extracted {
  // One JSON object text per event, in row order; empty exactly when drop_reason is set.
  std::vector<std::string> events;
  std::string_view drop_reason;  // "" or one of the kDrop… tokens (static storage)
  // Rows left out because their event id is outside the route's `sample` (sample.h): counted as
  // sampled_out, not dropped. `events` may be empty with no drop_reason when every row was.
  size_t sampled_out = 0;
};

// The events of `exchange` per `spec` (the rules above). An empty batch is `no_prediction`.
Extracted ExtractEvents(const CaptureSpec& spec, const Exchange& exchange);

}  // namespace mw::proxy
