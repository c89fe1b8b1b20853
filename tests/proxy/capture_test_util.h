// Helpers of the capture tests: exchanges, sources, and the proof that a captured event is what
// ingest accepts (the real decoder, ingest/decode.h).
#pragma once

#include <gtest/gtest.h>

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/time_format.h"
#include "ingest/decode.h"
#include "proxy/capture/extract.h"

namespace mw::proxy::testing_capture {

inline constexpr int64_t kReceivedMs = 1'735'725'600'123;
inline constexpr std::string_view kTimestamp = "2025-01-01T10:00:00.123Z";

inline Exchange MakeExchange(std::string request_body, std::string response_body) {
  Exchange exchange;
  exchange.endpoint = "/predict";
  exchange.request_body = std::move(request_body);
  exchange.response_body = std::move(response_body);
  exchange.request_id = "req-1";
  exchange.received_at_ms = kReceivedMs;
  exchange.latency_ms = 12.5;
  return exchange;
}

inline Source Constant(std::string v) { return {Source::Kind::kConstant, std::move(v)}; }
inline Source Request(std::string v) { return {Source::Kind::kRequest, std::move(v)}; }
inline Source Response(std::string v) { return {Source::Kind::kResponse, std::move(v)}; }
inline Source Path(std::string v) { return {Source::Kind::kPath, std::move(v)}; }
inline Source Header(std::string v) { return {Source::Kind::kHeader, std::move(v)}; }

inline void AppendNumber(std::string* out, double value) {
  char buffer[32];
  out->append(buffer, std::to_chars(buffer, buffer + sizeof(buffer), value).ptr);
}

// The event as ingest decoded it, written back in the capture's format: equal to the captured
// text exactly when ingest took every value as sent (id, names, the instant, each feature with
// its spelling, the prediction, the latency).
inline std::string Reencode(const ingest::PredictionEvent& e) {
  std::string out = "{\"id\":";
  AppendJsonString(&out, e.id);
  out += ",\"model\":";
  AppendJsonString(&out, e.model);
  if (!e.segment.empty()) {
    out += ",\"segment\":";
    AppendJsonString(&out, e.segment);
  }
  if (!e.version.empty()) {
    out += ",\"version\":";
    AppendJsonString(&out, e.version);
  }
  out += ",\"timestamp\":";
  AppendJsonString(&out, FormatRfc3339Millis(e.timestamp_ms));
  out += ",\"features\":" + e.features_json + ",\"prediction\":";
  AppendNumber(&out, e.prediction);
  if (e.latency_ms) {
    out += ",\"latency_ms\":";
    AppendNumber(&out, *e.latency_ms);
  }
  return out + "}";
}

// Decodes `events` as one {"events":[…]} body with the ingest decoder: no error, and every event
// as ingest read it equal to the captured text.
inline void ExpectIngestAccepts(const std::vector<std::string>& events) {
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) body += (i > 0 ? "," : "") + events[i];
  body += "]}";
  ingest::DecodeOptions options;
  options.now_ms = kReceivedMs + 1000;
  const ingest::DecodedPredictions decoded =
      ingest::DecodePredictions(body, ingest::BodyFormat::kJson, options);
  ASSERT_EQ(decoded.failure, ingest::DecodeFailure::kNone)
      << body << "\n"
      << (decoded.errors.empty() ? "" : decoded.errors[0].pointer + " " + decoded.errors[0].detail);
  ASSERT_EQ(decoded.events.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_FALSE(decoded.events[i].id_generated);
    EXPECT_EQ(Reencode(decoded.events[i]), events[i]);
  }
}

// ExtractEvents, checking its invariant (events or a reason, never both) and running what it
// captured through ingest.
inline Extracted Extract(const CaptureSpec& spec, const Exchange& exchange) {
  Extracted extracted = ExtractEvents(spec, exchange);
  EXPECT_NE(extracted.events.empty(), extracted.drop_reason.empty());
  if (!extracted.events.empty()) ExpectIngestAccepts(extracted.events);
  return extracted;
}

// The reason `exchange` is dropped for ("" when it is not).
inline std::string_view DropOf(const CaptureSpec& spec, const Exchange& exchange) {
  return Extract(spec, exchange).drop_reason;
}

}  // namespace mw::proxy::testing_capture
