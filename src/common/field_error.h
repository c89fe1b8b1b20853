// One problem with one field of a request document: where it is (an RFC 6901 JSON pointer into
// the body, e.g. "/events/3/prediction"; "" for the body itself) and what is wrong with it. The
// decoders (ingest, registry, profile) report these, and the HTTP layer echoes them in the
// "errors" member of a problem+json response (http::ProblemField is this type). A plain value
// type: no I/O, no invariants beyond the pointer being a JSON pointer.
#pragma once

#include <string>

namespace mw {

struct FieldError {
  std::string pointer;  // RFC 6901 JSON pointer into the request body
  std::string detail;   // human-readable, e.g. "must be a finite number"
};

}  // namespace mw
