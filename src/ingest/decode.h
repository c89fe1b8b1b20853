// Decoding and validation of ingest request bodies (simdjson on the hot path). Pure: no I/O; the
// clock value and model tasks come in as arguments.
//
// Accepted shapes for predictions: one event object, {"events":[...]}, or NDJSON (one event
// object per line; blank lines ignored). Actuals: one {"id","actual","timestamp"} object,
// {"actuals":[...]}, or NDJSON.
//
// Every problem is reported with an RFC 6901 pointer into the body: "/events/3/prediction" for
// the {"events":[...]} shape, "/3/prediction" for NDJSON (line index 3, zero-based), and
// "/prediction" for a single object. A body with any error yields no events at all.
//
// Details of the contract as implemented (decode.cc, detail/):
// - NDJSON pointers use the physical, zero-based line index, blank lines included, so they
//   match the sender's file; a line of valid JSON that is not an object is kInvalid at "/<i>",
//   as is a non-object element of the array ("/events/<i>"). Lines may end in CRLF.
// - Any syntax error anywhere in the body (also inside unknown fields or rejected nested
//   features) makes it kMalformed with exactly one error; kMalformed and kTooManyEvents always
//   carry exactly one error. Otherwise every field error is counted (error_count) and the
//   first 100 are reported.
// - A leading UTF-8 byte order mark is skipped. A document (the body, or one NDJSON line) nested
//   deeper than kMaxJsonDepth (common/json_limits.h) is kMalformed, naming the limit.
// - NaN, Infinity and -Infinity (as Python's json.dumps writes them) and numbers beyond the
//   double range are field errors "must be a finite number" (422), not syntax errors.
// - JSON null for an optional field means absent. Unknown and duplicate keys are rejected
//   (also duplicate feature names). Limits: id 256 bytes, model 128, version 128, segment 256.
// - model, version, segment and feature names follow common/names.h (valid UTF-8, no control
//   characters; feature names at most kMaxFieldNameBytes = 256 bytes, not empty): a bad one is a
//   field error at its pointer (a feature name at "/features/<name>").
// - features_json is compact JSON in the order sent: strings re-escaped minimally (UTF-8 kept
//   raw), numbers spelled as sent.
// - content_hash is FNV-1a 64 over a canonical encoding (see detail/prediction_decoder.cc): it
//   ignores key order (top level and features), number spelling (1 == 1.0), string escaping,
//   the timestamp's format (same instant == same hash) and 17 vs "17" for segment; absent id,
//   timestamp, actual and latency_ms hash differently from any present value.
// Both decoders are reentrant (no shared state); call them from any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/field_error.h"
#include "ingest/event.h"
#include "registry/model.h"

namespace mw::ingest {

enum class DecodeFailure {
  kNone,
  kMalformed,      // not JSON / not NDJSON (HTTP 400); errors[0] says where
  kInvalid,        // well-formed but semantically wrong (HTTP 422); one error per bad field
  kTooManyEvents,  // more than max_events (HTTP 413)
};

enum class BodyFormat { kJson, kNdjson };

struct DecodeOptions {
  int64_t now_ms = 0;               // "now" for defaults and the future-timestamp check
  int64_t max_future_ms = 300'000;  // timestamps later than now + this are rejected
  int64_t max_events = 100000;
  // Task of a model by name (kUnknown when not registered). Binary classifiers must have
  // prediction in [0,1] and, when present, actual in {0,1}. Called once per run of consecutive
  // events of the same model; when unset every model is kUnknown.
  std::function<registry::ModelTask(std::string_view model)> task_of;
  // Generates an id for events without one (time-ordered, unique). Not called once the body has
  // an error (ids may still be drawn for events before it); when unset, GenerateUlid(now_ms)
  // (common/ulid.h).
  std::function<std::string()> generate_id;
};

// `errors` lists at most kMaxReportedFieldErrors problems, the first ones in body order;
// `error_count` is how many were found in all (the decoder keeps counting past the cap), so a
// caller can say "5000 invalid fields, the first 100 listed".
inline constexpr size_t kMaxReportedFieldErrors = 100;

struct DecodedPredictions {
  DecodeFailure failure = DecodeFailure::kNone;
  std::vector<FieldError> errors;
  size_t error_count = 0;
  std::vector<PredictionEvent> events;
};

struct DecodedActuals {
  DecodeFailure failure = DecodeFailure::kNone;
  std::vector<FieldError> errors;
  size_t error_count = 0;
  std::vector<ActualEvent> actuals;
};

// `body` must stay valid during the call. It is copied into a padded buffer internally when it
// lacks simdjson's padding.
DecodedPredictions DecodePredictions(std::string_view body, BodyFormat format,
                                     const DecodeOptions& options);
DecodedActuals DecodeActuals(std::string_view body, BodyFormat format,
                             const DecodeOptions& options);

}  // namespace mw::ingest
