// What a route's `capture:` configuration says about where a prediction event's parts are found in
// one request/response exchange (docs/proxy.md, "Capture"). Plain values, built once from the
// configuration (config validates them; ParseSource reads one part's text) and shared read-only
// by every exchange of the route.
//
// Thread-safety: values; ParseSource is pure and reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::proxy {

// Where one part of an event comes from.
//   kConstant  `value` itself (the model name, typically).
//   kRequest   an RFC 6901 JSON pointer into the request body ("" = the whole body). At most one
//   kResponse  segment may be "*", the batch axis: the array before it holds one row per element,
//              and the rest of the pointer applies to each element ("/instances/*/features").
//              A key that is literally "*" cannot be addressed (RFC 6901 has no escape for it).
//   kPath      a parameter of the route template ("restaurant_id" of /predict/{restaurant_id}).
//   kHeader    a request header, by its lower-case name.
struct Source {
  enum class Kind { kConstant, kRequest, kResponse, kPath, kHeader };
  Kind kind = Kind::kConstant;
  std::string value;
};

// One route's capture settings. An absent part:
//   model       the exchange is dropped as invalid (config requires it);
//   segment,
//   version     the event has none;
//   features,
//   prediction  both absent: the body shapes are detected (Open Inference Protocol v2, KServe
//               V1); prediction alone: events without features; features alone: no prediction;
//   id          the exchange's request id (the X-Request-Id returned to the client).
struct CaptureSpec {
  std::optional<Source> model, segment, version, features, prediction, id;
  // Names of the features of a row that is an array, by position; positions past its end are
  // named f<i> (all are, when it is empty).
  std::vector<std::string> feature_names;
  // Open Inference v2: the output tensor that holds the prediction; "" = the first one.
  std::string output;
  // Which element of a prediction that is an array (per row, or a v2 output with several values
  // per row) is the prediction; unset = such a prediction is not scalar and is dropped.
  std::optional<int> output_index;
  // The fraction of events kept, by a hash of the event id (sample.h); (0, 1].
  double sample = 1.0;
};

// Reads one part's configuration text:
//   "request: /json/pointer"   "response: /ptr"   "path: name"   "header: Name"   "const: text"
// Whitespace after the colon (and around the pointer or name) is ignored; a header name is
// lower-cased. Text without one of these prefixes is a constant, kept verbatim ("const:" makes a
// constant of text that starts with a prefix, e.g. "const: header: x").
// Errors (InvalidArgument; the message completes "<key>: ", as config reports it):
//   "\"abc\": a JSON pointer must be empty or start with \"/\""
//   "\"/a~2\": \"~\" must be followed by 0 or 1 (RFC 6901)"
//   "\"/instances/*/*\": at most one \"*\""
//   "path: the parameter name is empty", "header: the header name is empty",
//   "header: \"a b\" is not a header name (RFC 9110 token characters only)".
Result<Source> ParseSource(std::string_view text);

}  // namespace mw::proxy
