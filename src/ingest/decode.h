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
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/event.h"
#include "registry/model.h"

namespace mw {

struct FieldError {
  std::string pointer;
  std::string detail;
};

enum class DecodeFailure {
  kNone,
  kMalformed,      // not JSON / not NDJSON (HTTP 400); errors[0] says where
  kInvalid,        // well-formed but semantically wrong (HTTP 422); one error per bad field
  kTooManyEvents,  // more than max_events (HTTP 413)
};

enum class BodyFormat { kJson, kNdjson };

struct DecodeOptions {
  int64_t now_ms = 0;                  // "now" for defaults and the future-timestamp check
  int64_t max_future_ms = 300'000;     // timestamps later than now + this are rejected
  int64_t max_events = 100000;
  // Task of a model by name (kUnknown when not registered). Binary classifiers must have
  // prediction in [0,1] and, when present, actual in {0,1}.
  std::function<ModelTask(std::string_view model)> task_of;
  // Generates an id for events without one (time-ordered, unique).
  std::function<std::string()> generate_id;
};

struct DecodedPredictions {
  DecodeFailure failure = DecodeFailure::kNone;
  std::vector<FieldError> errors;
  std::vector<PredictionEvent> events;
};

struct DecodedActuals {
  DecodeFailure failure = DecodeFailure::kNone;
  std::vector<FieldError> errors;
  std::vector<ActualEvent> actuals;
};

// `body` must stay valid during the call. It is copied into a padded buffer internally when it
// lacks simdjson's padding.
DecodedPredictions DecodePredictions(std::string_view body, BodyFormat format,
                                     const DecodeOptions& options);
DecodedActuals DecodeActuals(std::string_view body, BodyFormat format,
                             const DecodeOptions& options);

// Time-ordered unique ids for events that came without one: 26 characters, Crockford base32 of
// a 48-bit millisecond timestamp and 80 bits of randomness/sequence (ULID layout), monotonic
// within a process. Thread-safe.
std::string GenerateUlid(int64_t now_ms);

}  // namespace mw
