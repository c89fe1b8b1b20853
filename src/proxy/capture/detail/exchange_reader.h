// Resolves capture sources (spec.h) against one exchange: the bodies are parsed on first use,
// once each, and a source yields the values it points at. Not thread-safe; one per exchange,
// which must outlive it (values view its strings and bodies).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/json_tree.h"
#include "proxy/capture/extract.h"
#include "proxy/capture/spec.h"

namespace mw::proxy::detail {

// One value a source yields: a node of a parsed body, or text (a constant, a path parameter or a
// header value; any bytes), or nothing (a row of a batch that lacks the rest of the pointer).
struct Value {
  const JsonTree* tree = nullptr;  // null: `text` is the value, unless `missing`
  uint32_t node = 0;
  std::string_view text;
  bool missing = false;

  const JsonNode* json() const { return tree != nullptr ? &tree->node(node) : nullptr; }
};

struct Resolved {
  enum class Outcome {
    kFound,
    kMissing,  // no such parameter or header; a body that is not JSON; a pointer that leads
               // nowhere, or whose "*" does not stand on an array
    kInvalid,  // a pointer with bad syntax (a spec not made by ParseSource), or a body nested
               // deeper than kMaxJsonDepth
  };
  Outcome outcome = Outcome::kMissing;
  bool batch = false;         // the source has "*": one value per array element (possibly none)
  std::vector<Value> values;  // kFound: one value, or one per element when `batch`
};

class ExchangeReader {
 public:
  explicit ExchangeReader(const Exchange& exchange) : exchange_(exchange) {}

  Resolved Resolve(const Source& source);

  // The parsed body, or null when it is not JSON; `too_deep` is set when that is why.
  const JsonTree* request(bool* too_deep = nullptr);
  const JsonTree* response(bool* too_deep = nullptr);

  const Exchange& exchange() const { return exchange_; }

 private:
  struct Body {
    bool parsed = false;
    JsonTree::Outcome outcome = JsonTree::Outcome::kNotJson;
    JsonTree tree;
  };
  const JsonTree* Parsed(Body& body, std::string_view text, bool* too_deep);

  const Exchange& exchange_;
  Body request_;
  Body response_;
};

}  // namespace mw::proxy::detail
