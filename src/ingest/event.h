// The records that flow from the ingest API into the store. Plain values; validated by the
// decoders in ingest/decode.h before they reach the store, so the store may trust them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mw::ingest {

struct PredictionEvent {
  std::string id;  // client id, or generated (time-ordered) when absent
  bool id_generated = false;
  std::string model;          // required, non-empty
  std::string version;        // empty before resolution = "the segment's latest"
  std::string segment;        // empty = no segment
  int64_t timestamp_ms = 0;   // event time; "now" when the client gave none
  std::string features_json;  // compact JSON object text, "{}" when absent
  double prediction = 0;      // finite
  std::optional<double> actual;
  std::optional<double> latency_ms;
  // Hash of exactly what the client sent (absent fields hashed as absent), so a retry of the same
  // event is recognised even when defaults such as "now" differ between the two attempts.
  uint64_t content_hash = 0;
};

struct ActualEvent {
  std::string id;
  double actual = 0;
  int64_t timestamp_ms = 0;  // when the ground truth was observed; "now" when absent
};

// One stored prediction as read back.
struct PredictionRecord {
  int64_t seq = 0;  // store-assigned, increasing in commit order
  std::string id;
  std::string model;
  std::string version;
  std::string segment;
  int64_t created_at_ms = 0;
  double prediction = 0;
  std::string features_json;
  std::optional<double> actual;
  std::optional<int64_t> actual_at_ms;
  std::optional<double> latency_ms;
  int64_t received_at_ms = 0;
};

}  // namespace mw::ingest
