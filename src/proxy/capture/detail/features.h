// Builds the "features" object of one event and checks it against the rules ingest applies to
// it (ingest/decode.h): names per common/names.h (at most kMaxFieldNameBytes, valid UTF-8, no
// control characters), values finite numbers, strings, booleans or null, no name twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/capture/detail/exchange_reader.h"

namespace mw::proxy::detail {

// Appends `value` in the shortest form that reads back to the same double (std::to_chars), as
// the simulator writes numbers: the same value always gives the same bytes.
// Precondition: finite.
void AppendJsonNumber(std::string* out, double value);

class FeatureWriter {
 public:
  // Adds `value` as the feature `name`: a scalar as itself; the members of an object as
  // "name.key" and the elements of an array as "name.0", "name.1", … recursively, in document
  // order (an empty object or array adds nothing). Text values (headers, path parameters) are
  // strings. False when the event cannot pass ingest: a name refused by NameProblem, a
  // non-finite number, text that is not valid UTF-8, a missing value.
  bool Add(std::string_view name, const Value& value);

  // Adds a row's features: an object's members by their keys (nested ones flattened as by Add);
  // an array's elements as names[i], or f<i> past the end of `names`; anything else as the one
  // feature `scalar_name`. False as for Add.
  bool AddRow(const Value& row, std::string_view scalar_name,
              const std::vector<std::string>& names);

  // The object's JSON text ("{}" when nothing was added), or nullopt when two features have the
  // same name (ingest refuses duplicates; flattening can make them: {"a.b":1,"a":{"b":2}}).
  std::optional<std::string> Finish();

 private:
  bool AddNode(std::string* name, const JsonTree& tree, uint32_t index);
  bool AddMember(std::string_view name);

  std::string json_ = "{";
  std::vector<std::string> names_;
};

}  // namespace mw::proxy::detail
