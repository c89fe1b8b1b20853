#include "ingest/detail/actual_decoder.h"

#include "ingest/detail/field_readers.h"

namespace mw::ingest::detail {
namespace {

// The fields of an actual object; each Field indexes kNames.
namespace actual_field {

enum Field : int { kId, kActual, kTimestamp, kUnknown = -1 };
constexpr std::string_view kNames[] = {"id", "actual", "timestamp"};

int Lookup(std::string_view key) {
  for (int i = 0; i < static_cast<int>(std::size(kNames)); ++i) {
    if (kNames[i] == key) return i;
  }
  return kUnknown;
}

}  // namespace actual_field
}  // namespace

simdjson::error_code ActualDecoder::Decode(ondemand::object& object, std::string_view pointer) {
  ActualEvent actual;
  bool seen[std::size(actual_field::kNames)] = {};
  bool has_timestamp = false;
  for (auto field_result : object) {
    ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    const int id = actual_field::Lookup(key);
    ondemand::value& value = field.value();
    if (id == actual_field::kUnknown || seen[id]) {
      if (auto error = SkipJsonValue(value)) return error;
      errors_->AddAt(pointer, key,
                     id == actual_field::kUnknown ? "unknown field" : "duplicate field");
      continue;
    }
    seen[id] = true;
    const FieldAt at{pointer, actual_field::kNames[id]};
    Got got = Got::kAbsent;
    simdjson::error_code error = simdjson::SUCCESS;
    if (id == actual_field::kId) {
      std::string_view text;
      error = ReadStringField(value, at, {kMaxIdBytes, false, true}, *errors_, &got, &text);
      if (got == Got::kValue) actual.id = text;
    } else if (id == actual_field::kActual) {
      error = ReadNumberField(value, at, true, *errors_, &got, &actual.actual);
    } else {
      error = ReadTimestampField(value, at, options_, *errors_, &got, &actual.timestamp_ms);
      has_timestamp = got == Got::kValue;
    }
    if (error) return error;
  }
  for (const int required : {actual_field::kId, actual_field::kActual}) {
    if (!seen[required]) errors_->AddAt(pointer, actual_field::kNames[required], "is required");
  }
  if (!errors_->empty()) return simdjson::SUCCESS;  // the body is rejected; build nothing more
  if (!has_timestamp) actual.timestamp_ms = options_.now_ms;
  out_->push_back(std::move(actual));
  return simdjson::SUCCESS;
}

}  // namespace mw::ingest::detail
