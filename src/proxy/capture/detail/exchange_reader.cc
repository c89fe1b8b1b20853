#include "proxy/capture/detail/exchange_reader.h"

#include "proxy/capture/detail/json_pointer.h"

namespace mw::proxy::detail {
namespace {

Resolved TextValue(std::string_view text) {
  Resolved resolved;
  resolved.outcome = Resolved::Outcome::kFound;
  resolved.values.push_back(Value{nullptr, 0, text});
  return resolved;
}

Resolved WithOutcome(Resolved::Outcome outcome) {
  Resolved resolved;
  resolved.outcome = outcome;
  return resolved;
}

// Header names compare case-insensitively; the exchange's are lower-case already.
bool HeaderNameEquals(std::string_view lower, std::string_view name) {
  if (lower.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c =
        name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] - 'A' + 'a') : name[i];
    if (lower[i] != c) return false;
  }
  return true;
}

Resolved ResolveInTree(const JsonTree& tree, const JsonPointer& pointer) {
  const std::optional<uint32_t> head = tree.Find(tree.root(), pointer.head);
  if (!head) return WithOutcome(Resolved::Outcome::kMissing);
  Resolved resolved;
  resolved.outcome = Resolved::Outcome::kFound;
  if (!pointer.star) {
    resolved.values.push_back(Value{&tree, *head, {}});
    return resolved;
  }
  if (tree.node(*head).kind != JsonKind::kArray) return WithOutcome(Resolved::Outcome::kMissing);
  resolved.batch = true;
  for (uint32_t row = tree.first_child(*head); row != 0; row = tree.node(row).next) {
    const std::optional<uint32_t> leaf = tree.Find(row, pointer.tail);
    // A row without the rest of the pointer stays a row, with its value missing.
    resolved.values.push_back(leaf ? Value{&tree, *leaf, {}} : Value{nullptr, 0, {}, true});
  }
  return resolved;
}

}  // namespace

Resolved ExchangeReader::Resolve(const Source& source) {
  switch (source.kind) {
    case Source::Kind::kConstant:
      return TextValue(source.value);
    case Source::Kind::kPath: {
      const auto it = exchange_.params.find(source.value);
      return it == exchange_.params.end() ? WithOutcome(Resolved::Outcome::kMissing)
                                          : TextValue(it->second);
    }
    case Source::Kind::kHeader:
      for (const auto& [name, value] : exchange_.headers) {
        if (HeaderNameEquals(name, source.value)) return TextValue(value);
      }
      return WithOutcome(Resolved::Outcome::kMissing);
    case Source::Kind::kRequest:
    case Source::Kind::kResponse: {
      const Result<JsonPointer> pointer = ParseJsonPointer(source.value);
      if (!pointer) return WithOutcome(Resolved::Outcome::kInvalid);
      bool too_deep = false;
      const JsonTree* tree =
          source.kind == Source::Kind::kRequest ? request(&too_deep) : response(&too_deep);
      if (tree == nullptr) {
        return WithOutcome(too_deep ? Resolved::Outcome::kInvalid : Resolved::Outcome::kMissing);
      }
      return ResolveInTree(*tree, *pointer);
    }
  }
  return WithOutcome(Resolved::Outcome::kMissing);
}

const JsonTree* ExchangeReader::request(bool* too_deep) {
  return Parsed(request_, exchange_.request_body, too_deep);
}

const JsonTree* ExchangeReader::response(bool* too_deep) {
  return Parsed(response_, exchange_.response_body, too_deep);
}

const JsonTree* ExchangeReader::Parsed(Body& body, std::string_view text, bool* too_deep) {
  if (!body.parsed) {
    body.outcome = body.tree.Parse(text);
    body.parsed = true;
  }
  if (too_deep != nullptr) *too_deep = body.outcome == JsonTree::Outcome::kTooDeep;
  return body.outcome == JsonTree::Outcome::kOk ? &body.tree : nullptr;
}

}  // namespace mw::proxy::detail
