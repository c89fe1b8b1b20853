// Readers for the typed fields shared by the prediction and actual decoders. Each reads one field
// value, records what is wrong with it in the ErrorSink at `base` + "/" + `name`, and returns a
// simdjson error only when the JSON itself is malformed (the caller then fails the whole body).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/decode.h"
#include "ingest/detail/error_sink.h"

namespace mw::ingest::detail {

// The longest accepted id in bytes, for prediction ids and the ids that actuals refer to alike.
inline constexpr size_t kMaxIdBytes = 256;

// Where a field's errors go: `base` is the pointer of the enclosing object ("" for a single
// object body), `name` the unescaped field name.
struct FieldAt {
  std::string_view base;
  std::string_view name;
};

// What a reader found. kAbsent: JSON null, accepted for optional fields as "not given" (Python
// clients send None); for required fields the reader reports a type error instead.
enum class Got { kAbsent, kValue, kError };

struct StringRule {
  size_t max_bytes;
  bool allow_empty;
  bool required;
  // A name (model, version): a non-empty value must also pass NameProblem (common/names.h):
  // valid UTF-8, no control characters.
  bool name = false;
};

simdjson::error_code ReadStringField(ondemand::value& v, const FieldAt& at, const StringRule& rule,
                                     ErrorSink& errors, Got* got, std::string_view* out);

// A finite number. Reports "must be a number" for other types and "must be a finite number" for
// NaN, Infinity, -Infinity and numbers beyond the double range.
simdjson::error_code ReadNumberField(ondemand::value& v, const FieldAt& at, bool required,
                                     ErrorSink& errors, Got* got, double* out);

// An RFC 3339 string or unix seconds (possibly fractional), converted to epoch milliseconds and
// checked against [1970-01-01, options.now_ms + options.max_future_ms].
simdjson::error_code ReadTimestampField(ondemand::value& v, const FieldAt& at,
                                        const DecodeOptions& options, ErrorSink& errors, Got* got,
                                        int64_t* out_ms);

// Reports the error for a value of the wrong JSON type, first consuming it (checking its syntax).
simdjson::error_code WrongType(ondemand::value& v, const JsonScalar& read, const FieldAt& at,
                               std::string_view detail, ErrorSink& errors, Got* got);

}  // namespace mw::ingest::detail
