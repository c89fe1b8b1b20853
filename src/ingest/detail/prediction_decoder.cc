#include "ingest/detail/prediction_decoder.h"

#include <algorithm>
#include <charconv>

#include "common/names.h"
#include "common/ulid.h"
#include "ingest/detail/content_hash.h"
#include "ingest/detail/field_readers.h"

namespace mw::ingest::detail {
namespace {

using simdjson::error_code;

enum Field : int {
  kId,
  kModel,
  kVersion,
  kSegment,
  kTimestamp,
  kFeatures,
  kPrediction,
  kActual,
  kLatencyMs,
  kUnknown = -1,
};
constexpr std::string_view kFieldNames[] = {"id",         "model",     "version",
                                            "segment",    "timestamp", "features",
                                            "prediction", "actual",    "latency_ms"};

// The name limits shared with the registry (common/names.h).
constexpr size_t kMaxModelBytes = kMaxModelNameBytes;
constexpr size_t kMaxVersionBytes = kMaxVersionNameBytes;
constexpr size_t kMaxSegmentBytes = kMaxSegmentNameBytes;

int LookupField(std::string_view key) {
  for (int i = 0; i < static_cast<int>(std::size(kFieldNames)); ++i) {
    if (kFieldNames[i] == key) return i;
  }
  return kUnknown;
}

constexpr uint32_t Bit(int field) { return uint32_t{1} << field; }

}  // namespace

struct PredictionDecoder::Presence {
  uint32_t seen = 0;    // keys present in the object, for duplicate detection
  uint32_t valued = 0;  // fields that carried a valid, non-null value
};

error_code PredictionDecoder::Decode(ondemand::object& object, std::string_view pointer) {
  PredictionEvent event;
  Presence presence;
  features_.clear();
  for (auto field_result : object) {
    ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    const int id = LookupField(key);
    ondemand::value& value = field.value();
    if (id == kUnknown || (presence.seen & Bit(id)) != 0) {
      if (auto error = SkipJsonValue(value)) return error;
      errors_->AddAt(pointer, key, id == kUnknown ? "unknown field" : "duplicate field");
      continue;
    }
    presence.seen |= Bit(id);
    if (auto error = DecodeField(id, value, pointer, &event, &presence)) return error;
  }
  for (const int required : {kModel, kPrediction}) {
    if ((presence.seen & Bit(required)) == 0) {
      errors_->AddAt(pointer, kFieldNames[required], "is required");
    }
  }
  CheckClassifierRange(pointer, event, presence);
  if (!errors_->empty()) return simdjson::SUCCESS;  // the body is rejected; build nothing more

  if ((presence.valued & Bit(kId)) == 0) {
    event.id = options_.generate_id ? options_.generate_id() : GenerateUlid(options_.now_ms);
    event.id_generated = true;
  }
  if ((presence.valued & Bit(kTimestamp)) == 0) event.timestamp_ms = options_.now_ms;
  if (event.features_json.empty()) event.features_json = "{}";
  event.content_hash = Hash(event, presence);
  out_->push_back(std::move(event));
  return simdjson::SUCCESS;
}

error_code PredictionDecoder::DecodeField(int field, ondemand::value& v, std::string_view pointer,
                                          PredictionEvent* event, Presence* presence) {
  const FieldAt at{pointer, kFieldNames[field]};
  Got got = Got::kAbsent;
  error_code error = simdjson::SUCCESS;
  std::string_view text;
  double number = 0;
  switch (field) {
    case kId:
      error = ReadStringField(v, at, {kMaxIdBytes, false, false}, *errors_, &got, &text);
      if (got == Got::kValue) event->id = text;
      break;
    case kModel:
      error = ReadStringField(v, at, {kMaxModelBytes, false, true, /*name=*/true}, *errors_, &got,
                              &text);
      if (got == Got::kValue) event->model = text;
      break;
    case kVersion:
      error = ReadStringField(v, at, {kMaxVersionBytes, true, false, /*name=*/true}, *errors_, &got,
                              &text);
      if (got == Got::kValue) event->version = text;
      break;
    case kSegment:
      return DecodeSegment(v, pointer, event);
    case kTimestamp:
      error = ReadTimestampField(v, at, options_, *errors_, &got, &event->timestamp_ms);
      break;
    case kFeatures:
      return DecodeFeatures(v, pointer, event);
    case kPrediction:
      error = ReadNumberField(v, at, true, *errors_, &got, &event->prediction);
      break;
    case kActual:
      error = ReadNumberField(v, at, false, *errors_, &got, &number);
      if (got == Got::kValue) event->actual = number;
      break;
    case kLatencyMs:
      error = ReadNumberField(v, at, false, *errors_, &got, &number);
      if (got == Got::kValue && number < 0) {
        errors_->AddAt(pointer, at.name, "must not be negative");
        got = Got::kError;
      }
      if (got == Got::kValue) event->latency_ms = number;
      break;
  }
  if (got == Got::kValue) presence->valued |= Bit(field);
  return error;
}

// Users key segments by numeric ids ("restaurant_id": 17), so an integer is accepted and stored
// as its decimal text; 17 and "17" are the same segment.
error_code PredictionDecoder::DecodeSegment(ondemand::value& v, std::string_view pointer,
                                            PredictionEvent* event) {
  const FieldAt at{pointer, kFieldNames[kSegment]};
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  Got got = Got::kAbsent;
  switch (read.kind) {
    case JsonKind::kNull:
      return simdjson::SUCCESS;
    case JsonKind::kString:
      if (read.text.size() > kMaxSegmentBytes) {
        errors_->AddAt(
            pointer, at.name,
            std::string("must be at most ") + std::to_string(kMaxSegmentBytes) + " bytes");
      } else if (auto problem =
                     read.text.empty() ? std::nullopt : NameProblem(read.text, kMaxSegmentBytes)) {
        errors_->AddAt(pointer, at.name, *problem);
      } else {
        event->segment = read.text;
      }
      return simdjson::SUCCESS;
    case JsonKind::kNumber: {
      int64_t n = 0;
      const char* end = read.text.data() + read.text.size();
      const auto [ptr, ec] = std::from_chars(read.text.data(), end, n);
      if (ec == std::errc() && ptr == end) {
        event->segment = std::to_string(n);
        return simdjson::SUCCESS;
      }
      break;
    }
    default:
      break;
  }
  return WrongType(v, read, at, "must be a string or an integer", *errors_, &got);
}

error_code PredictionDecoder::DecodeFeatures(ondemand::value& v, std::string_view pointer,
                                             PredictionEvent* event) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  if (read.kind == JsonKind::kNull) return simdjson::SUCCESS;
  if (read.kind != JsonKind::kObject) {
    Got got;
    return WrongType(v, read, {pointer, kFieldNames[kFeatures]}, "must be an object", *errors_,
                     &got);
  }
  ondemand::object object;
  if (auto error = v.get_object().get(object)) return error;
  std::string features_pointer(pointer);
  features_pointer.append("/features");
  std::string& json = event->features_json;
  json.push_back('{');
  for (auto field_result : object) {
    ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return error;
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    if (auto error = AppendFeature(key, field.value(), features_pointer, &json)) return error;
  }
  json.push_back('}');
  CheckDuplicateFeatures(features_pointer);
  return simdjson::SUCCESS;
}

error_code PredictionDecoder::AppendFeature(std::string_view key, ondemand::value& v,
                                            std::string_view pointer, std::string* json) {
  JsonScalar read;
  if (auto error = ReadJsonValue(v, &read)) return error;
  if (auto problem = NameProblem(key, kMaxFieldNameBytes)) {
    if (read.kind == JsonKind::kObject || read.kind == JsonKind::kArray) {
      if (auto error = SkipJsonValue(v)) return error;
    }
    errors_->AddAt(pointer, key, "the feature name " + *problem);
    return simdjson::SUCCESS;
  }
  if (read.kind == JsonKind::kNonFinite) {
    errors_->AddAt(pointer, key, "must be a finite number");
    return simdjson::SUCCESS;
  }
  if (read.kind == JsonKind::kObject || read.kind == JsonKind::kArray) {
    if (auto error = SkipJsonValue(v)) return error;
    errors_->AddAt(pointer, key, "must be a number, string, boolean or null");
    return simdjson::SUCCESS;
  }
  if (json->size() > 1) json->push_back(',');
  AppendJsonString(json, key);
  json->push_back(':');
  switch (read.kind) {
    case JsonKind::kNumber:
      json->append(read.text);
      break;  // the token as sent
    case JsonKind::kString:
      AppendJsonString(json, read.text);
      break;
    case JsonKind::kBool:
      json->append(read.boolean ? "true" : "false");
      break;
    default:
      json->append("null");
      break;
  }
  features_.push_back({key, read});
  return simdjson::SUCCESS;
}

// Sorts the features by key (the content hash is independent of key order) and reports keys
// that occur more than once: JSON parsers disagree on which duplicate wins.
void PredictionDecoder::CheckDuplicateFeatures(std::string_view pointer) {
  std::sort(features_.begin(), features_.end(),
            [](const Feature& a, const Feature& b) { return a.key < b.key; });
  for (size_t i = 1; i < features_.size(); ++i) {
    if (features_[i].key == features_[i - 1].key &&
        (i < 2 || features_[i].key != features_[i - 2].key)) {
      errors_->AddAt(pointer, features_[i].key, "duplicate feature");
    }
  }
}

void PredictionDecoder::CheckClassifierRange(std::string_view pointer, const PredictionEvent& event,
                                             const Presence& presence) {
  if ((presence.valued & Bit(kModel)) == 0 ||
      TaskOf(event.model) != registry::ModelTask::kBinaryClassification) {
    return;
  }
  if ((presence.valued & Bit(kPrediction)) != 0 &&
      !(event.prediction >= 0 && event.prediction <= 1)) {
    errors_->AddAt(pointer, kFieldNames[kPrediction],
                   "must be between 0 and 1 for a binary classification model");
  }
  if (event.actual && *event.actual != 0 && *event.actual != 1) {
    errors_->AddAt(pointer, kFieldNames[kActual],
                   "must be 0 or 1 for a binary classification model");
  }
}

// The canonical encoding, in this fixed order whatever the order the client sent:
//   id (only when the client sent one), model, version and segment (empty when absent: absent
//   and "" mean the same), timestamp (only when sent: its default "now" differs between
//   attempts) as epoch ms, so "2025-01-01T10:00:00Z" and 1735725600 are equal, features sorted by
//   key (absent and {} are equal), prediction, actual and latency_ms (only when sent).
uint64_t PredictionDecoder::Hash(const PredictionEvent& event, const Presence& presence) const {
  ContentHasher h;
  if ((presence.valued & Bit(kId)) != 0) {
    h.Tag('i');
    h.String(event.id);
  }
  h.Tag('m');
  h.String(event.model);
  h.Tag('v');
  h.String(event.version);
  h.Tag('s');
  h.String(event.segment);
  if ((presence.valued & Bit(kTimestamp)) != 0) {
    h.Tag('t');
    h.Int(event.timestamp_ms);
  }
  h.Tag('f');
  h.U64(features_.size());
  for (const Feature& f : features_) {
    h.String(f.key);
    switch (f.value.kind) {
      case JsonKind::kNumber:
        h.Tag('n');
        h.Number(f.value.number);
        break;
      case JsonKind::kString:
        h.Tag('s');
        h.String(f.value.text);
        break;
      case JsonKind::kBool:
        h.Tag(f.value.boolean ? 'T' : 'F');
        break;
      default:
        h.Tag('z');
        break;
    }
  }
  h.Tag('p');
  h.Number(event.prediction);
  if (event.actual) {
    h.Tag('a');
    h.Number(*event.actual);
  }
  if (event.latency_ms) {
    h.Tag('l');
    h.Number(*event.latency_ms);
  }
  return h.value();
}

registry::ModelTask PredictionDecoder::TaskOf(std::string_view model) {
  if (!has_cached_task_ || model != cached_model_) {
    cached_task_ = options_.task_of ? options_.task_of(model) : registry::ModelTask::kUnknown;
    cached_model_.assign(model);
    has_cached_task_ = true;
  }
  return cached_task_;
}

}  // namespace mw::ingest::detail
