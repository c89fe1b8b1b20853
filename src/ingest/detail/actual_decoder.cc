#include "ingest/detail/actual_decoder.h"

#include "ingest/detail/field_readers.h"

namespace mw::ingest_detail {
namespace {

enum Field : int { kId, kActual, kTimestamp, kUnknown = -1 };
constexpr std::string_view kFieldNames[] = {"id", "actual", "timestamp"};
constexpr size_t kMaxIdBytes = 256;  // as for prediction ids

int LookupField(std::string_view key) {
  for (int i = 0; i < static_cast<int>(std::size(kFieldNames)); ++i) {
    if (kFieldNames[i] == key) return i;
  }
  return kUnknown;
}

}  // namespace

simdjson::error_code ActualDecoder::Decode(ondemand::object& object, std::string_view pointer) {
  ActualEvent actual;
  bool seen[std::size(kFieldNames)] = {};
  bool has_timestamp = false;
  for (auto field_result : object) {
    ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    const int id = LookupField(key);
    ondemand::value& value = field.value();
    if (id == kUnknown || seen[id]) {
      if (auto error = SkipValue(value)) return error;
      errors_->AddAt(pointer, key, id == kUnknown ? "unknown field" : "duplicate field");
      continue;
    }
    seen[id] = true;
    const FieldAt at{pointer, kFieldNames[id]};
    Got got = Got::kAbsent;
    simdjson::error_code error = simdjson::SUCCESS;
    if (id == kId) {
      std::string_view text;
      error = ReadStringField(value, at, {kMaxIdBytes, false, true}, *errors_, &got, &text);
      if (got == Got::kValue) actual.id = text;
    } else if (id == kActual) {
      error = ReadNumberField(value, at, true, *errors_, &got, &actual.actual);
    } else {
      error = ReadTimestampField(value, at, options_, *errors_, &got, &actual.timestamp_ms);
      has_timestamp = got == Got::kValue;
    }
    if (error) return error;
  }
  for (const int required : {kId, kActual}) {
    if (!seen[required]) errors_->AddAt(pointer, kFieldNames[required], "is required");
  }
  if (!errors_->empty()) return simdjson::SUCCESS;  // the body is rejected; build nothing more
  if (!has_timestamp) actual.timestamp_ms = options_.now_ms;
  out_->push_back(std::move(actual));
  return simdjson::SUCCESS;
}

}  // namespace mw::ingest_detail
