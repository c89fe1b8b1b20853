// A read-only tree of one JSON body, for repeated pointer look-ups and walks over the same
// document (the proxy's prediction capture and its response-cache keys). Built with simdjson On
// Demand and common/json.h's ReadJsonValue rather than simdjson's DOM, because the DOM parser
// rejects a whole body for one NaN, Infinity or 1e400 (here they are kNonFinite nodes, so a caller
// decides what one means), and because ReadJsonValue re-reads the long-mantissa numbers that
// simdjson 3.0.1 gets wrong.
//
// Nodes are in pre-order: a container's members follow it, linked by `next`. Strings and keys are
// views into the tree's own buffers: valid while the tree lives and is not parsed again. Not
// thread-safe; one tree per body.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace mw {

struct JsonNode {
  JsonKind kind = JsonKind::kNull;
  double number = 0;      // kNumber (finite)
  bool boolean = false;   // kBool
  std::string_view text;  // kString: the unescaped bytes; kNumber, kNonFinite: the token as sent
  std::string_view key;   // the member name, when the parent is an object
  uint32_t size = 0;      // kObject, kArray: the number of members/elements
  uint32_t next = 0;      // the next sibling's index; 0 = none
};

class JsonTree {
 public:
  enum class Outcome {
    kOk,
    kNotJson,  // empty, a syntax error, invalid UTF-8, trailing content
    kTooDeep,  // nested deeper than kMaxJsonDepth (common/json_limits.h), as ingest refuses
  };

  JsonTree() = default;
  JsonTree(const JsonTree&) = delete;
  JsonTree& operator=(const JsonTree&) = delete;

  // Parses `text` (a leading UTF-8 byte order mark is skipped); any root value is accepted,
  // scalars too. On anything but kOk the tree is empty.
  Outcome Parse(std::string_view text);

  // The document's root; precondition: Parse returned kOk.
  uint32_t root() const { return 1; }
  const JsonNode& node(uint32_t index) const { return nodes_[index]; }
  // The first member/element of a container, or 0 when it is empty or not a container.
  uint32_t first_child(uint32_t index) const { return nodes_[index].size > 0 ? index + 1 : 0; }

  // The member of object `index` named `key` (the first, if repeated), or the element of array
  // `index` at the canonical decimal `key` ("0", "17"; not "017", "-"); nullopt otherwise.
  std::optional<uint32_t> Child(uint32_t index, std::string_view key) const;
  // Follows `tokens` from `index`; nullopt when one is missing.
  std::optional<uint32_t> Find(uint32_t index, const std::vector<std::string>& tokens) const;

 private:
  simdjson::error_code Build(simdjson::ondemand::value& value, std::string_view key, int depth);

  simdjson::ondemand::parser parser_;
  simdjson::padded_string padded_;
  // Pre-order: index 0 is a one-element array wrapped around the document, so that On Demand
  // reads a root scalar like any value and 0 can mean "no sibling".
  std::vector<JsonNode> nodes_;
};

}  // namespace mw
