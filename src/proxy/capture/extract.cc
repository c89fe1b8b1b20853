#include "proxy/capture/extract.h"

#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/names.h"
#include "common/time_format.h"
#include "proxy/capture/detail/exchange_reader.h"
#include "proxy/capture/detail/features.h"
#include "proxy/capture/detail/rows.h"
#include "proxy/capture/sample.h"

namespace mw::proxy {
namespace {

using detail::ExchangeReader;
using detail::Resolved;
using detail::Value;

// ingest's id limit (ingest/detail/field_readers.h kMaxIdBytes, private to ingest).
constexpr size_t kMaxEventIdBytes = 256;

Extracted Dropped(std::string_view reason) { return Extracted{{}, reason}; }

// One of model, segment, version, id: what its source found, one value or one per row.
struct EventPart {
  bool found = false;
  bool batch = false;
  std::vector<Value> values;

  const Value& at(size_t row) const { return values[batch ? row : 0]; }
};

// "" or the reason: invalid (a bad pointer, a body too deep) or batch_mismatch (a "*" source
// whose count differs from the rows'). A source that finds nothing leaves the part absent.
std::string_view ResolvePart(const std::optional<Source>& source, ExchangeReader& reader,
                             size_t rows, EventPart* part) {
  if (!source) return {};
  Resolved resolved = reader.Resolve(*source);
  if (resolved.outcome == Resolved::Outcome::kInvalid) return kDropInvalid;
  if (resolved.outcome == Resolved::Outcome::kMissing) return {};
  if (resolved.batch && resolved.values.size() != rows) return kDropBatchMismatch;
  part->found = true;
  part->batch = resolved.batch;
  part->values = std::move(resolved.values);
  return {};
}

enum class PartText { kAbsent, kText, kBad };

// A part's text: a string; an integer as its decimal text (segments are often numeric ids, as
// ingest accepts them); null or missing is absent; any other JSON value is bad.
PartText PartTextOf(const EventPart& part, size_t row, std::string* out) {
  if (!part.found) return PartText::kAbsent;
  const Value& value = part.at(row);
  if (value.missing) return PartText::kAbsent;
  const JsonNode* node = value.json();
  if (node == nullptr) {
    out->assign(value.text);
    return PartText::kText;
  }
  switch (node->kind) {
    case JsonKind::kString:
      out->assign(node->text);
      return PartText::kText;
    case JsonKind::kNull:
      return PartText::kAbsent;
    case JsonKind::kNumber: {
      int64_t n = 0;
      const char* end = node->text.data() + node->text.size();
      const auto [ptr, ec] = std::from_chars(node->text.data(), end, n);
      if (ec != std::errc() || ptr != end) return PartText::kBad;
      *out = std::to_string(n);
      return PartText::kText;
    }
    default:
      return PartText::kBad;
  }
}

// A required name (the model) or an optional one (segment, version: absent or "" leaves it out,
// `*out` empty). False when it cannot pass ingest.
bool PartNameOf(const EventPart& part, size_t row, size_t max_bytes, bool required,
                std::string* out) {
  out->clear();
  const PartText text = PartTextOf(part, row, out);
  if (text == PartText::kBad) return false;
  if (text == PartText::kAbsent || out->empty()) return !required;
  return !NameProblem(*out, max_bytes).has_value();
}

// The event id of `row`: the id source's value (with "-<row>" on rows of an array axis unless
// the source has the "*" itself), else (absent or "") the base id, likewise suffixed. False when
// ingest would refuse it: empty, longer than kMaxEventIdBytes, not valid UTF-8 (a header's or path
// parameter's bytes may be anything).
bool EventIdOf(const EventPart& part, std::string_view base, bool batch, size_t row,
               std::string* out) {
  PartText text = PartTextOf(part, row, out);
  if (text == PartText::kBad) return false;
  // "" counts as not given, as it does for the names.
  if (text == PartText::kText && out->empty()) text = PartText::kAbsent;
  if (text == PartText::kAbsent) out->assign(base);
  if (batch && !(text == PartText::kText && part.batch)) {
    out->append("-").append(std::to_string(row));
  }
  return !out->empty() && out->size() <= kMaxEventIdBytes && simdjson::validate_utf8(*out);
}

void AppendStringMember(std::string* out, std::string_view key, std::string_view text) {
  out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, text);
}

}  // namespace

Extracted ExtractEvents(const CaptureSpec& spec, const Exchange& exchange) {
  if (!spec.model || !InTimeRange(exchange.received_at_ms)) return Dropped(kDropInvalid);
  // A plain flag and value rather than an optional: GCC 12 at -O3 reports the optional's payload
  // as maybe-uninitialized where it is read under the flag (a false positive, fatal with -Werror).
  const bool has_latency = !exchange.cached && exchange.latency_ms.has_value();
  const double latency = has_latency ? *exchange.latency_ms : 0.0;
  if (has_latency && !(std::isfinite(latency) && latency >= 0)) return Dropped(kDropInvalid);

  ExchangeReader reader(exchange);
  detail::Rows rows;
  std::string_view reason = spec.features || spec.prediction
                                ? detail::ExplicitRows(spec, reader, &rows)
                                : detail::DetectedRows(spec, reader, &rows);
  if (!reason.empty()) return Dropped(reason);
  const size_t count = rows.predictions.size();
  if (count == 0) return Dropped(kDropNoPrediction);

  EventPart model, segment, version, id;
  for (const auto& [source, part] :
       {std::pair{&spec.model, &model}, std::pair{&spec.segment, &segment},
        std::pair{&spec.version, &version}, std::pair{&spec.id, &id}}) {
    reason = ResolvePart(*source, reader, count, part);
    if (!reason.empty()) return Dropped(reason);
  }

  const std::string timestamp = FormatRfc3339Millis(exchange.received_at_ms);
  const std::string_view base_id = rows.id ? *rows.id : std::string_view(exchange.request_id);
  Extracted extracted;
  extracted.events.reserve(count);
  std::string event_id, model_name, segment_name, version_name;
  for (size_t row = 0; row < count; ++row) {
    if (!EventIdOf(id, base_id, rows.batch, row, &event_id)) return Dropped(kDropInvalid);
    // Sampled by the event's own id (a batch row's too), so the actual posted later by that id
    // finds its prediction whenever it was kept.
    if (!Sampled(event_id, spec.sample)) {
      ++extracted.sampled_out;
      continue;
    }
    if (!PartNameOf(model, row, kMaxModelNameBytes, true, &model_name) ||
        !PartNameOf(segment, row, kMaxSegmentNameBytes, false, &segment_name) ||
        !PartNameOf(version, row, kMaxVersionNameBytes, false, &version_name)) {
      return Dropped(kDropInvalid);
    }
    std::string event = "{\"id\":";
    AppendJsonString(&event, event_id);
    AppendStringMember(&event, "model", model_name);
    if (!segment_name.empty()) AppendStringMember(&event, "segment", segment_name);
    if (!version_name.empty()) AppendStringMember(&event, "version", version_name);
    AppendStringMember(&event, "timestamp", timestamp);
    event.append(",\"features\":").append(rows.features[row]);
    event.append(",\"prediction\":");
    detail::AppendJsonNumber(&event, rows.predictions[row]);
    if (has_latency) {
      event.append(",\"latency_ms\":");
      detail::AppendJsonNumber(&event, latency);
    }
    event.push_back('}');
    extracted.events.push_back(std::move(event));
  }
  return extracted;
}

}  // namespace mw::proxy
