#include "ingest/detail/field_readers.h"

#include <cmath>
#include <string>

#include "common/names.h"
#include "common/time_format.h"

namespace mw::ingest::detail {
namespace {

using simdjson::error_code;

// Unix seconds above this are almost certainly milliseconds sent by mistake (year 5138).
constexpr double kLooksLikeMillisSeconds = 1e11;

void Report(const FieldAt& at, std::string_view detail, ErrorSink& errors, Got* got) {
  errors.AddAt(at.base, at.name, detail);
  *got = Got::kError;
}

void CheckTimestampRange(double ms, bool from_seconds, const FieldAt& at,
                         const DecodeOptions& options, ErrorSink& errors, Got* got,
                         int64_t* out_ms) {
  if (ms < 0) return Report(at, "must not be before 1970-01-01T00:00:00Z", errors, got);
  if (ms > static_cast<double>(options.now_ms) + static_cast<double>(options.max_future_ms)) {
    return Report(at,
                  from_seconds && ms / 1000 > kLooksLikeMillisSeconds
                      ? "timestamp is too far in the future (unix seconds expected; this looks "
                        "like milliseconds)"
                      : "timestamp is too far in the future",
                  errors, got);
  }
  *out_ms = std::llround(ms);
  *got = Got::kValue;
}

}  // namespace

error_code WrongType(ondemand::value& v, const JsonScalar& read, const FieldAt& at,
                     std::string_view detail, ErrorSink& errors, Got* got) {
  if (read.kind == JsonKind::kObject || read.kind == JsonKind::kArray) {
    if (auto error = SkipJsonValue(v)) return error;
  }
  Report(at, detail, errors, got);
  return simdjson::SUCCESS;
}

error_code ReadStringField(ondemand::value& v, const FieldAt& at, const StringRule& rule,
                           ErrorSink& errors, Got* got, std::string_view* out) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  if (read.kind == JsonKind::kNull && !rule.required) {
    *got = Got::kAbsent;
    return simdjson::SUCCESS;
  }
  if (read.kind != JsonKind::kString)
    return WrongType(v, read, at, "must be a string", errors, got);
  if (read.text.empty() && !rule.allow_empty) {
    Report(at, "must not be empty", errors, got);
  } else if (read.text.size() > rule.max_bytes) {
    Report(at, std::string("must be at most ") + std::to_string(rule.max_bytes) + " bytes", errors,
           got);
  } else if (auto problem = rule.name && !read.text.empty() ? NameProblem(read.text, rule.max_bytes)
                                                            : std::nullopt) {
    Report(at, *problem, errors, got);
  } else {
    *out = read.text;
    *got = Got::kValue;
  }
  return simdjson::SUCCESS;
}

error_code ReadNumberField(ondemand::value& v, const FieldAt& at, bool required, ErrorSink& errors,
                           Got* got, double* out) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  switch (read.kind) {
    case JsonKind::kNumber:
      *out = read.number;
      *got = Got::kValue;
      return simdjson::SUCCESS;
    case JsonKind::kNonFinite:
      Report(at, "must be a finite number", errors, got);
      return simdjson::SUCCESS;
    case JsonKind::kNull:
      if (!required) {
        *got = Got::kAbsent;
        return simdjson::SUCCESS;
      }
      [[fallthrough]];
    default:
      return WrongType(v, read, at, "must be a number", errors, got);
  }
}

error_code ReadTimestampField(ondemand::value& v, const FieldAt& at, const DecodeOptions& options,
                              ErrorSink& errors, Got* got, int64_t* out_ms) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  switch (read.kind) {
    case JsonKind::kNull:
      *got = Got::kAbsent;
      return simdjson::SUCCESS;
    case JsonKind::kString: {
      const std::optional<int64_t> ms = ParseRfc3339Millis(read.text);
      if (!ms) {
        Report(at, "must be an RFC 3339 date-time such as \"2025-01-01T10:00:00Z\" or unix seconds",
               errors, got);
      } else {
        CheckTimestampRange(static_cast<double>(*ms), false, at, options, errors, got, out_ms);
      }
      return simdjson::SUCCESS;
    }
    case JsonKind::kNumber:
      CheckTimestampRange(read.number * 1000, true, at, options, errors, got, out_ms);
      return simdjson::SUCCESS;
    case JsonKind::kNonFinite:
      Report(at, "must be a finite number", errors, got);
      return simdjson::SUCCESS;
    default:
      return WrongType(v, read, at, "must be an RFC 3339 date-time string or unix seconds", errors,
                       got);
  }
}

}  // namespace mw::ingest::detail
